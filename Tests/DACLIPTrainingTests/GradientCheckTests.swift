import CLIPTokenizer
import DACLIP
import DACLIPTraining
import WildTensor
import XCTest

/// Finite-difference checks of the robust DA-CLIP loss through the whole model on a tiny configuration: the
/// contrastive terms (captions and degradation texts, with repeated texts) and the ℓ1 term, with respect to
/// controller parameters of every kind and to `logit_scale`.
final class GradientCheckTests: XCTestCase {
    /// The loss of a fixed batch as a function of the model's parameters.
    struct Problem {
        let model: DACLIPModel
        let lq: Tensor, hq: Tensor
        let captions: [[Int]], degradations: [[Int]]
        let captionTargets: ContrastiveTargets, degradationTargets: ContrastiveTargets

        func loss() throws -> Tensor {
            let hqContent = try model.encodeImage(hq, control: false).content
            let (content, degradation) = try model.trainingImageFeatures(lq)
            let captionFeatures = try withNoGrad { try model.clip.encodeText(captions) }
            let degradationFeatures = try withNoGrad { try model.clip.encodeText(degradations) }
            return RobustDACLIPLoss(fidelityWeight: 0.7)(
                content: content, degradation: degradation, hqContent: hqContent,
                captions: (captionFeatures, captionTargets), degradationTexts: (degradationFeatures, degradationTargets),
                logitScale: model.logitScale).total
        }
    }

    func makeProblem() throws -> Problem {
        let model = try DACLIPModel(configuration: TinyRun.configuration, seed: 11)
        DACLIPTrainableParameters.freeze(model, trainText: false)
        // Non-zero zero modules, so that the content path reaches every controller parameter.
        var random = TensorRandom(seed: 5)
        for layer in model.visualControl.transformer.zeroModules {
            for p in layer.parameters() { p.assign(random.normal(p.shape) * 0.2) }
        }
        model.logitScale.assign(Tensor(scalar: 1.2))
        let tokenizer = try CLIPTokenizer(vocabularyURL: URL(fileURLWithPath: TinyRun.tokenizerPath))
        let degradationTexts = ["an image with blur", "an image with noise", "an image with blur", "an image with no degradation"]
        let captionTexts = ["a cat", "a dog on grass", "a red car", "a cat"]
        let lq = random.normal([4, 3, 16, 16]), hq = lq + random.normal([4, 3, 16, 16]) * 0.3
        return Problem(model: model, lq: lq, hq: hq, captions: tokenizer.tokenize(captionTexts, contextLength: 77),
                       degradations: tokenizer.tokenize(degradationTexts, contextLength: 77),
                       captionTargets: ContrastiveTargets(texts: captionTexts), degradationTargets: ContrastiveTargets(texts: degradationTexts))
    }

    func testLossGradientsMatchCentralDifferences() throws {
        let problem = try makeProblem()
        let loss = try problem.loss()
        loss.backward()
        let named = Dictionary(uniqueKeysWithValues: problem.model.namedParameters().map { ($0.name, $0.tensor) })
        let probes: [(String, Int)] = [
            ("logit_scale", 0),
            ("visual_control.conv1.weight", 17), ("visual_control.class_embedding", 3), ("visual_control.positional_embedding", 20),
            ("visual_control.proj", 9), ("visual_control.ln_pre.weight", 2), ("visual_control.ln_post.bias", 5),
            ("visual_control.transformer.transformer.resblocks.0.attn.in_proj_weight", 101),
            ("visual_control.transformer.transformer.resblocks.1.mlp.c_fc.weight", 33),
            ("visual_control.transformer.zero_modules.0.weight", 40), ("visual_control.transformer.zero_modules.1.bias", 7),
        ]
        var checked = 0
        for (name, index) in probes {
            let parameter = try XCTUnwrap(named[name], name)
            let analytic = Double(try XCTUnwrap(parameter.grad, "\(name) has no gradient").values[index])
            let h: Float = 2e-3
            let original = parameter.values[index]
            func evaluate(_ value: Float) throws -> Double {
                parameter.withUnsafeMutableBufferPointer { $0[index] = value }
                return Double(try withNoGrad { try problem.loss() }.scalar)
            }
            let numeric = (try evaluate(original + h) - (try evaluate(original - h))) / Double(2 * h)
            parameter.withUnsafeMutableBufferPointer { $0[index] = original }
            XCTAssertEqual(analytic, numeric, accuracy: 2e-3 + 2e-2 * abs(numeric), "\(name)[\(index)]")
            if abs(numeric) > 1e-3 { checked += 1 }
        }
        XCTAssertGreaterThanOrEqual(checked, 8, "most probes should see a gradient worth checking")
    }
}
