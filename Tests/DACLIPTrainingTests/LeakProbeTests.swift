import DACLIP
import DACLIPTraining
import Foundation
import WildTensor
import XCTest

final class LeakProbeTests: XCTestCase {
    func rss() -> Int {
        let text = (try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8)) ?? "0 0"
        let rss = (Int(text.split(separator: " ")[1]) ?? 0) * 4096 / (1 << 20)
        print("  tensors in use \(BufferPoolProbe.inUseBytes >> 20) MB, pooled \(BufferPoolProbe.heldBytes >> 20) MB")
        return rss
    }

    func testProbeSampler() throws {
        let directory = try TinyRun.temporaryDirectory(self)
        var options = try TinyRun.options(directory, iterations: 2, test: self)
        options.data.dataroot = "/work/main/data/photos"
        options.data.cropSize = 64
        options.data.scales = [0.25, 0.35, 0.5]
        options.validation = nil
        let plan = try DACLIPTrainingPlan(options: options)
        for i in 0..<30 {
            _ = try plan.sampler.batch(iteration: i, size: 32)
            if i % 5 == 0 { print("sampler \(i): \(rss()) MB") }
        }
    }

    func testProbeStep() throws {
        var c = CLIPConfiguration()
        c.embedDim = 64; c.vision.imageSize = 64; c.vision.patchSize = 8; c.vision.width = 64; c.vision.layers = 4; c.vision.headWidth = 32
        c.text.width = 32; c.text.heads = 2; c.text.layers = 2
        let model = try DACLIPModel(configuration: c, seed: 0)
        DACLIPTrainableParameters.freeze(model, trainText: false)
        var random = TensorRandom(seed: 1)
        let lq = random.normal([32, 3, 64, 64]), hq = random.normal([32, 3, 64, 64])
        let text = random.normal([32, 64])
        for i in 0..<20 {
            let hqContent = try model.encodeImage(hq, control: false).content
            let (content, degradation) = try model.trainingImageFeatures(lq)
            let terms = RobustDACLIPLoss(fidelityWeight: 1)(content: content, degradation: degradation, hqContent: hqContent, captions: nil,
                                                            degradationTexts: (text, ContrastiveTargets(groups: Array(0..<32))), logitScale: model.logitScale)
            model.zeroGrad()
            terms.total.backward()
            if i % 5 == 0 { print("step \(i): \(rss()) MB") }
        }
        for i in 0..<10 {
            let (content, _) = try model.trainingImageFeatures(lq)
            content.sum().backward()
            if i % 5 == 0 { print("content-only \(i): \(rss()) MB") }
        }
        for i in 0..<10 {
            let (_, degradation) = try model.trainingImageFeatures(lq)
            degradation.sum().backward()
            if i % 5 == 0 { print("degradation-only \(i): \(rss()) MB") }
        }
    }
}
