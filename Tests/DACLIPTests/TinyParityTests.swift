@testable import DACLIP
import Checkpoints
import Foundation
import TestSupport
import WildTensor
import XCTest

/// DA-CLIP against the official code (daclip-uir, see the fixture's metadata for the commit) on a tiny configuration
/// with random weights and non-zero `zero_modules`: every quantity within 1e-5 relative error of a float64 run.
final class TinyParityTests: XCTestCase {
    private func loadTiny() throws -> (DACLIPFixture, DACLIPModel) {
        let fixture = try DACLIPFixture.tiny()
        let model = try DACLIPModel(tensors: fixture.weights, file: fixture.path, configuration: try fixture.configuration)
        return (fixture, model)
    }

    func testParameterNamesAndOrderAreTheOfficialStateDictWithoutTheAlias() throws {
        let fixture = try DACLIPFixture.tiny()
        let model = try DACLIPModel(configuration: try fixture.configuration)
        let official = fixture.parameterOrder.filter { !$0.hasPrefix("visual.") }
        XCTAssertEqual(model.namedParameters().map(\.name), official)
        XCTAssertEqual(fixture.parameterOrder.filter { $0.hasPrefix("visual.") }.count,
                       official.filter { $0.hasPrefix("clip.visual.") }.count, "the fixture holds the alias too")
        XCTAssertEqual(model.parameterCount, try fixture.configuration.parameterCount)
    }

    func testANewModelStartsWithItsControllerACopyOfTheImageTower() throws {
        // As the official constructor (deepcopy of clip.visual, zero modules at zero): the controls vanish, so the
        // content is plain CLIP and the degradation embedding equals it.
        let fixture = try DACLIPFixture.tiny()
        let model = try DACLIPModel(configuration: try fixture.configuration, seed: 7)
        let pixels = try fixture.tensor("image")
        let (content, degradation) = try model.encodeImage(pixels, control: true)
        let plain = try model.encodeImage(pixels, control: false).content
        XCTAssertEqual(content.values, plain.values)
        XCTAssertEqual(try XCTUnwrap(degradation).values, plain.values)
    }

    /// bfloat16 linear layers (`useInferencePrecision(.bfloat16)`): the embeddings move by bfloat16's rounding only
    /// (cosine to the Float32 ones above 0.999), the text too; back to Float32 gives the official values again.
    func testBFloat16EncodingStaysCloseToFloat32AndCanBeUndone() throws {
        try XCTSkipUnless(MatmulPrecision.bfloat16IsNative, "this CPU has no AVX512-BF16")
        let (fixture, model) = try loadTiny()
        let pixels = try fixture.tensor("image")
        let exact = try model.encodeImage(pixels, control: true)
        model.useInferencePrecision(.bfloat16)
        XCTAssertEqual(model.inferencePrecision, .bfloat16)
        let reduced = try model.encodeImage(pixels, control: true)
        func cosine(_ a: Tensor, _ b: Tensor) -> Double {
            let x = a.values.map(Double.init), y = b.values.map(Double.init)
            let dot = zip(x, y).map(*).reduce(0, +)
            return dot / (x.map { $0 * $0 }.reduce(0, +).squareRoot() * y.map { $0 * $0 }.reduce(0, +).squareRoot())
        }
        XCTAssertNotEqual(reduced.content.values, exact.content.values, "the products ran in bfloat16")
        XCTAssertGreaterThan(cosine(reduced.content, exact.content), 0.999)
        XCTAssertGreaterThan(cosine(try XCTUnwrap(reduced.degradation), try XCTUnwrap(exact.degradation)), 0.999)
        model.useInferencePrecision(.float32)
        try fixture.check(try model.encodeImage(pixels, control: true).content, against: "content_features")
    }

    func testImageEncodingWithControlMatchesOfficial() throws {
        let (fixture, model) = try loadTiny()
        let (content, degradation) = try model.encodeImage(try fixture.tensor("image"), control: true)
        try fixture.check(content, against: "content_features")
        let degradationFeatures = try XCTUnwrap(degradation)
        try fixture.check(degradationFeatures, against: "degradation_features")
    }

    func testEachControllerBlockOutputMatchesOfficial() throws {
        let (fixture, model) = try loadTiny()
        let (degradation, controls) = try withNoGrad { try model.controls(for: try fixture.tensor("image")) }
        XCTAssertEqual(controls.count, try fixture.configuration.vision.layers)
        for (i, control) in controls.enumerated() { try fixture.check(control, against: "controls.\(i)") }
        try fixture.check(degradation, against: "degradation_features")
        // The zero modules are not zero here, or the controls would prove nothing.
        XCTAssertGreaterThan(controls.map { $0.values.map(abs).max() ?? 0 }.min() ?? 0, 0.1)
    }

    func testImageEncodingWithoutControlIsPlainCLIP() throws {
        let (fixture, model) = try loadTiny()
        let (content, degradation) = try model.encodeImage(try fixture.tensor("image"), control: false)
        try fixture.check(content, against: "plain_features")
        XCTAssertNil(degradation)
    }

    func testTextEncodingMatchesOfficialWithEOTAtDifferentPositions() throws {
        let (fixture, model) = try loadTiny()
        let tokens = try fixture.tokens("tokens")
        XCTAssertNotEqual(tokens[0].firstIndex(of: tokens[0].max() ?? 0), tokens[1].firstIndex(of: tokens[1].max() ?? 0))
        try fixture.check(try model.encodeText(tokens), against: "text_features")
        // Rows without their zero padding give the same features.
        let trimmed = tokens.map { row in Array(row.prefix(through: row.lastIndex { $0 != 0 } ?? 0)) }
        try fixture.check(try model.encodeText(trimmed), against: "text_features")
    }

    func testForwardFeaturesAndLogitsMatchOfficial() throws {
        let (fixture, model) = try loadTiny()
        let output = try model(images: try fixture.tensor("image"), captions: try fixture.tokens("captions"),
                               degradations: try fixture.tokens("degradations"))
        try fixture.check(output.imageFeatures, against: "forward.image_features")
        try fixture.check(output.textFeatures, against: "forward.text_features")
        try fixture.check(output.imageDegradationFeatures, against: "forward.image_degra_features")
        try fixture.check(output.textDegradationFeatures, against: "forward.text_degra_features")
        try fixture.check(output.logitScale.reshaped([1]), against: "forward.logit_scale")
        try fixture.check(output.logitsPerImage, against: "forward.logits_per_image")
        try fixture.check(output.degradationLogitsPerImage, against: "forward.degra_logits_per_image")
    }

    func testControlsInBlockOrderWouldBreakParity() throws {
        // The official frozen pass pops controls from the end of the list: pairing them in block order is a bug
        // this fixture catches.
        let (fixture, model) = try loadTiny()
        let pixels = try fixture.tensor("image")
        let (content, degradation) = try withNoGrad { try model.imageFeatures(pixels, pairing: .blockOrder) }
        let wrong = relativeError(content.values, try fixture.values("content_features"))
        XCTAssertGreaterThan(wrong, 1e-2, "same-order pairing must differ from the official output")
        print("DA-CLIP parity: content features with controls in block order: relative error \(wrong)")
        try fixture.check(degradation, against: "degradation_features")
    }

    func testForwardIsDifferentiableIntoTheController() throws {
        let (fixture, model) = try loadTiny()
        model.train()
        let output = try model(images: try fixture.tensor("image"), captions: try fixture.tokens("captions"),
                               degradations: try fixture.tokens("degradations"))
        // DaClipLoss: symmetric cross-entropy of both logit matrices against the diagonal.
        func clipLoss(_ logits: Tensor) -> Tensor {
            let labels = Tensor(shape: [2, 2], values: [1, 0, 0, 1])
            let rows = -(logits.logSoftmax(axis: -1) * labels).sum()
            let columns = -(logits.transposed().logSoftmax(axis: -1) * labels).sum()
            return (rows + columns) * 0.25
        }
        let loss = clipLoss(output.logitsPerImage) + clipLoss(output.degradationLogitsPerImage)
        loss.backward()
        let parameters = Dictionary(uniqueKeysWithValues: model.namedParameters().map { ($0.name, $0.tensor) })
        for key in ["logit_scale", "visual_control.transformer.zero_modules.0.weight", "visual_control.transformer.zero_modules.1.bias",
                    "visual_control.conv1.weight", "visual_control.transformer.transformer.resblocks.0.attn.in_proj_weight",
                    "clip.visual.proj", "clip.token_embedding.weight"] {
            let grad = try XCTUnwrap(parameters[key]?.grad, "\(key) has no gradient")
            XCTAssertTrue(grad.values.allSatisfy(\.isFinite), key)
            XCTAssertGreaterThan(grad.values.map(abs).max() ?? 0, 0, key)
        }
    }

    func testInputsOfTheWrongShapeAreErrors() throws {
        let (_, model) = try loadTiny()
        XCTAssertThrowsError(try model.encodeImage(Tensor.zeros([1, 3, 31, 32]), control: true)) { error in
            XCTAssertTrue("\(error)".contains("[B, 3, 32, 32]"), "\(error)")
        }
        XCTAssertThrowsError(try model.encodeImage(Tensor.zeros([3, 32, 32]), control: false))
        XCTAssertThrowsError(try model.encodeText([[1, 300]])) { error in XCTAssertTrue("\(error)".contains("300"), "\(error)") }
        XCTAssertThrowsError(try model.encodeText([Array(repeating: 1, count: 17)]))
        XCTAssertThrowsError(try model.encodeText([]))
        XCTAssertThrowsError(try model.encodeText([[]]))
    }
}
