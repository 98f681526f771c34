import Foundation
import Imaging
import SSPIRTraining
import TestSupport
import XCTest

/// Shared set-up of the SSP-IR training tests: very small random networks, and temporary folders of procedural
/// photos (``ProceduralPhotos``), training and validation apart.
enum TinySSPIRRun {
    /// A fresh temporary folder, removed after the test.
    static func temporaryDirectory(_ test: XCTestCase) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("wildir-strain-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        test.addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url
    }

    /// Tiny networks: U-Net 8/16/16, VAE ×2, text width 8, CLIP 16 px.
    static var networks: SSPIRTinyNetworks {
        var t = SSPIRTinyNetworks()
        t.unetChannels = [8, 16, 16]
        t.heads = 2
        t.normGroups = 4
        t.textWidth = 8
        t.vaeChannels = [4, 4]
        t.vaeNormGroups = 2
        t.processorChannels = [4, 8]
        t.imageSize = 16
        t.patchSize = 8
        t.imageWidth = 8
        t.imageHeads = 2
        t.imageEmbeddingWidth = 512
        return t
    }

    /// Options of a tiny run in `directory`: three training photos, two validation photos, 16² crops at ×4.
    static func options(_ directory: URL, iterations: Int) throws -> SSPIRTrainingOptions {
        var o = SSPIRTrainingOptions()
        o.name = "tiny"
        o.data.dataroot = directory.appendingPathComponent("train").path
        o.data.cropSize = 16
        o.data.scale = 4
        o.model.tiny = networks
        o.model.tokenizer = TinySSPIR.vocabularyURL.path
        o.train.lr = 1e-3
        o.train.iterations = iterations
        o.train.batchSize = 2
        o.train.checkpointFreq = 1000
        o.train.valFreq = 1000
        var validation = SSPIRValidationOptions(dataroot: directory.appendingPathComponent("validation").path)
        validation.count = 2
        o.validation = validation
        o.path.experiments = directory.appendingPathComponent("run").path
        let train = directory.appendingPathComponent("train"), held = directory.appendingPathComponent("validation")
        if !FileManager.default.fileExists(atPath: train.path) {
            try ProceduralPhotos.write(count: 3, salt: 0, into: train)
            try ProceduralPhotos.write(count: 2, salt: 1, into: held)
        }
        return o
    }
}
