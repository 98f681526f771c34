import Checkpoints
import Foundation
import Imaging
import Models
import Restoration
import SDE
import TestSupport
import WildTensor
import XCTest

/// The restoration layer: official checkpoints load by inference of their configuration, tiles blend without
/// seams, any channel layout comes back as it went in, and a seed fixes the output.
final class RestorationTests: XCTestCase {
    /// A small random network without image context (as the default model) in a temporary WildIR checkpoint.
    func tinyModelFile() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("wildir-tiny-\(UUID().uuidString).safetensors")
        try RestorationModel.tiny(steps: 6).write(to: url)
        addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url
    }

    func testOfficialPthLoadsStrictlyWithInferredConfigurationAndMatchesTheReference() throws {
        let url = URL(fileURLWithPath: Fixtures.path("unet", "conditional_unet.pth"))
        let model = try RestorationModel(contentsOf: url)
        let c = model.network.configuration
        XCTAssertEqual(c.baseChannels, 32)
        XCTAssertEqual(c.channelMultipliers, [1, 2])
        XCTAssertEqual(c.contextDim, 48)
        XCTAssertTrue(c.useImageContext)
        XCTAssertFalse(c.useDegradationContext)
        XCTAssertEqual(c.scale, 0.5)
        // Same weights as the parity fixture, so the same output.
        let fixture = try SafeTensorsFile(contentsOf: URL(fileURLWithPath: Fixtures.path("unet", "conditional_unet.safetensors")))
        func tensor(_ key: String) throws -> Tensor {
            let t = try fixture.tensor(key)
            return Tensor(shape: t.shape, values: t.floatValues())
        }
        let y = withNoGrad {
            (try? model.network(tensor("x0"), cond: tensor("x1"), time: tensor("x2"), imageContext: tensor("x3")))
        }
        let expected = try fixture.tensor("y").doubleValues()
        XCTAssertLessThanOrEqual(relativeError(y?.values ?? [], expected), 1e-4)
        // The restorer refuses it clearly: it needs the DA-CLIP image embedding.
        XCTAssertThrowsError(try Restorer(model: model)) { error in
            XCTAssertTrue("\(error)".contains("DA-CLIP"), "\(error)")
        }
    }

    /// A network with the learned unsharp mask round-trips through the model file with its sigmas and gains; a file
    /// whose SDE reads the output as noise is refused, naming the option, since the mask's output corrects μ.
    func testALearnedUnsharpMaskRoundTripsAndNeedsAResidualNetwork() throws {
        var configuration = ConditionalUNetConfiguration.tiny
        configuration.unsharpSigmas = [1, 2.5]
        let network = ConditionalUNet(configuration, seed: 5)
        let gain = try XCTUnwrap(network.unsharpMask?.gain)
        var random = TensorRandom(seed: 6)
        gain.weight.assign(random.uniform(gain.weight.shape, bound: 0.5))
        for prediction in [NetworkPrediction.residual, .noise] {
            var options = SDEOptions()
            options.prediction = prediction
            let url = FileManager.default.temporaryDirectory.appendingPathComponent("wildir-unsharp-\(UUID().uuidString).safetensors")
            addTeardownBlock { try? FileManager.default.removeItem(at: url) }
            try RestorationModel(network: network, sdeOptions: options).write(to: url)
            if prediction == .residual {
                let loaded = try RestorationModel(contentsOf: url)
                XCTAssertEqual(loaded.network.configuration.unsharpSigmas, [1, 2.5])
                XCTAssertEqual(loaded.network.unsharpMask?.gain.weight.values, gain.weight.values)
            } else {
                XCTAssertThrowsError(try RestorationModel(contentsOf: url)) { error in
                    XCTAssertTrue("\(error)".contains("unsharp_sigmas") && "\(error)".contains("residual"), "\(error)")
                }
            }
        }
    }

    /// A network with its own degradation encoder round-trips through the model file, and its tiles are conditioned
    /// on the whole photo's embedding: the left tile of a two-tile photo (no overlap, so the same input and noise as
    /// the left half restored alone) comes out differently from the left half alone, whose photo is another. The
    /// same comparison without an encoder gives identical tiles, so nothing else differs.
    func testEveryTileIsConditionedOnTheWholePhotosDegradationEmbedding() throws {
        func model(encoder: Bool) throws -> RestorationModel {
            var configuration = ConditionalUNetConfiguration.tiny
            configuration.degradationEncoderWidths = encoder ? [8, 8] : nil
            var options = SDEOptions()
            options.steps = 3
            let url = FileManager.default.temporaryDirectory.appendingPathComponent("wildir-encoder-\(UUID().uuidString).safetensors")
            addTeardownBlock { try? FileManager.default.removeItem(at: url) }
            let network = ConditionalUNet(configuration, seed: 5)
            if let projection = network.degradationEncoder?.projection {  // as trained: not the zeros of a new one
                var random = TensorRandom(seed: 6)
                projection.weight.assign(random.uniform(projection.weight.shape, bound: 0.5))
            }
            try RestorationModel(network: network, sdeOptions: options).write(to: url)
            return try RestorationModel(contentsOf: url)
        }
        // Left half smooth, right half textured: the two photos' statistics differ.
        let (width, height) = (64, 32)
        var random = TensorRandom(seed: 9)
        var samples = [Float](repeating: 0, count: 3 * width * height)
        for c in 0..<3 { for y in 0..<height { for x in 0..<width {
            samples[(c * height + y) * width + x] = x < 32 ? 0.4 + 0.002 * Float(y) : random.unit()
        } } }
        let photo = try Image(width: width, height: height, channels: 3, samples: samples)
        let leftHalf = try Image(width: 32, height: height, channels: 3,
                                 samples: (0..<3).flatMap { c in (0..<height).flatMap { y in samples[((c * height + y) * width)...].prefix(32) } })
        var options = RestorationOptions()
        options.tileSize = 32
        options.overlap = 0
        func leftTileDifference(encoder: Bool) throws -> Float {
            let loaded = try model(encoder: encoder)
            XCTAssertEqual(loaded.network.degradationEncoder != nil, encoder)
            let restorer = try Restorer(model: loaded, options: options)
            let whole = try restorer.restore(photo), alone = try restorer.restore(leftHalf)
            var largest: Float = 0
            for c in 0..<3 { for y in 0..<height { for x in 0..<32 {
                largest = max(largest, abs(whole.samples[(c * height + y) * width + x] - alone.samples[(c * height + y) * 32 + x]))
            } } }
            return largest
        }
        XCTAssertEqual(try leftTileDifference(encoder: false), 0, "without an encoder a tile depends on its own pixels only")
        // Had the tile been conditioned on its own pixels, it would equal the half restored alone exactly (as above).
        XCTAssertGreaterThan(try leftTileDifference(encoder: true), 1e-4, "the left tile must see the whole photo's embedding")
    }

    func testTileBlendingOfAnIdentityRestorationReproducesTheImage() throws {
        let image = try Image(width: 53, height: 37, channels: 3, samples: (0..<(53 * 37 * 3)).map { Float($0 % 97) / 97 })
        let plan = TilePlan(width: 53, height: 37, tileSize: 20, overlap: 6)
        XCTAssertEqual(plan.tiles.count, 4 * 3)   // columns start at 0, 14, 28, 33; rows at 0, 14, 17
        let blended = try plan.blend(image) { tile, _ in tile }
        XCTAssertEqual(blended.samples.count, image.samples.count)
        for (a, b) in zip(blended.samples, image.samples) { XCTAssertEqual(a, b, accuracy: 1e-6) }
        // Each tile restored to a constant: the overlap weights sum to one, so the result stays within the tiles' range.
        let constant = try plan.blend(image) { tile, index in
            try Image(width: tile.width, height: tile.height, channels: 3, filledWith: Float(index) / 10)
        }
        XCTAssertTrue(constant.samples.allSatisfy { $0 >= 0 && $0 <= 1.1 + 1e-6 })
    }

    func testRestoresEveryChannelLayoutAtItsSizeDeterministically() throws {
        let model = try RestorationModel(contentsOf: tinyModelFile())
        var options = RestorationOptions()
        options.tileSize = 32
        options.overlap = 8
        options.seed = 5
        let restorer = try Restorer(model: model, options: options)
        let rgb = try Image(width: 45, height: 30, channels: 3, samples: (0..<(45 * 30 * 3)).map { Float($0 % 13) / 13 })
        let first = try restorer.restore(rgb)
        XCTAssertEqual([first.width, first.height, first.channels], [45, 30, 3])
        XCTAssertEqual(try restorer.restore(rgb).samples, first.samples, "the same seed must give the same output")
        options.seed = 6
        XCTAssertNotEqual(try Restorer(model: model, options: options).restore(rgb).samples, first.samples)
        let rgba = try Image(width: 20, height: 9, channels: 4, samples: (0..<(20 * 9 * 4)).map { Float($0 % 7) / 7 })
        let restoredRGBA = try restorer.restore(rgba)
        XCTAssertEqual(restoredRGBA.channels, 4)
        XCTAssertEqual(Array(restoredRGBA.samples[(3 * 180)...]), Array(rgba.samples[(3 * 180)...]), "alpha must be kept")
        let gray = try Image(width: 7, height: 5, channels: 1, samples: (0..<35).map { Float($0) / 35 })
        let restoredGray = try restorer.restore(gray)
        XCTAssertEqual([restoredGray.width, restoredGray.height, restoredGray.channels], [7, 5, 1])
        XCTAssertTrue(first.samples.allSatisfy { $0 >= 0 && $0 <= 1 })
    }

    /// A model that stores `sample_T` samples that many steps unless asked for another count; the value survives
    /// the model file, and one outside 1…T is an error.
    func testStoredSampleStepsAreTheDefaultStepCount() throws {
        var model = RestorationModel.tiny(steps: 6)
        var sde = model.sdeOptions
        sde.sampleSteps = 2
        model = RestorationModel(network: model.network, sdeOptions: sde)
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("wildir-sampleT-\(UUID().uuidString).safetensors")
        try model.write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        let loaded = try RestorationModel(contentsOf: url)
        XCTAssertEqual(loaded.sdeOptions.sampleSteps, 2)
        let image = try Image(width: 16, height: 16, channels: 3, samples: (0..<768).map { Float($0 % 11) / 11 })
        func stepsTaken(_ steps: Int?) throws -> Int {
            var options = RestorationOptions()
            options.steps = steps
            var taken = 0
            _ = try Restorer(model: loaded, options: options).restore(image) { taken = $0.steps }
            return taken
        }
        XCTAssertEqual(try stepsTaken(nil), 2)
        XCTAssertEqual(try stepsTaken(5), 5)
        sde.sampleSteps = 9
        XCTAssertThrowsError(try Restorer(model: RestorationModel(network: model.network, sdeOptions: sde)))
    }

    func testInvalidOptionsAreReported() throws {
        let model = try RestorationModel(contentsOf: tinyModelFile())
        var options = RestorationOptions()
        options.steps = 7
        XCTAssertThrowsError(try Restorer(model: model, options: options))
        options.steps = nil
        options.overlap = 300
        XCTAssertThrowsError(try Restorer(model: model, options: options))
        let bogus = FileManager.default.temporaryDirectory.appendingPathComponent("wildir-bogus-\(UUID().uuidString).pth")
        try Data("PK\u{3}\u{4}not really".utf8).write(to: bogus)
        defer { try? FileManager.default.removeItem(at: bogus) }
        XCTAssertThrowsError(try RestorationModel(contentsOf: bogus))
    }

    /// The bundled model is found next to an installed executable first, then under WILDIR_HOME, then in the
    /// checkout the executable was built in, then under the current directory.
    func testBundledModelLookupOrder() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("wildir-lookup-\(UUID().uuidString)")
        addTeardownBlock { try? FileManager.default.removeItem(at: root) }
        let prefix = root.appendingPathComponent("prefix"), home = root.appendingPathComponent("home")
        let checkout = root.appendingPathComponent("checkout"), cwd = root.appendingPathComponent("cwd")
        let installed = prefix.appendingPathComponent("share/wildir/models/default.safetensors")
        let inHome = home.appendingPathComponent("models/default.safetensors")
        let inCheckout = checkout.appendingPathComponent("models/default.safetensors")
        let inCwd = cwd.appendingPathComponent("models/default.safetensors")
        for file in [installed, inHome, inCheckout, inCwd] {
            try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data().write(to: file)
        }
        // An installed binary sits in PREFIX/bin; a built one in CHECKOUT/.build/release.
        let installedLocator = ModelLocator(executable: prefix.appendingPathComponent("bin/wildir"), home: home.path, currentDirectory: cwd)
        XCTAssertEqual(try installedLocator.resolve("default").path, installed.path)
        let built = ModelLocator(executable: checkout.appendingPathComponent(".build/release/wildir"), home: home.path, currentDirectory: cwd)
        XCTAssertEqual(try built.resolve("default").path, inHome.path)
        try FileManager.default.removeItem(at: inHome)
        XCTAssertEqual(try built.resolve("default").path, inCheckout.path)
        try FileManager.default.removeItem(at: inCheckout)
        XCTAssertEqual(try built.resolve("default").path, inCwd.path)
        try FileManager.default.removeItem(at: inCwd)
        XCTAssertThrowsError(try built.resolve("default")) { error in
            XCTAssertTrue("\(error)".contains("WILDIR_HOME"), "\(error)")
        }
        XCTAssertThrowsError(try built.resolve(root.appendingPathComponent("missing.safetensors").path))
        XCTAssertEqual(try built.resolve(installed.path).path, installed.path)
    }
}
