import Checkpoints
import DACLIP
import Foundation
import TestSupport
import WildTensor
import XCTest

/// Strict loading of official DA-CLIP checkpoints (the training script's `.pt`, DDP prefix, the `visual.*` alias)
/// and the errors for files that do not fit.
final class CheckpointLoadingTests: XCTestCase {
    private var ptURL: URL { URL(fileURLWithPath: Fixtures.path("daclip", "daclip_tiny.pt")) }

    private func expectMismatch(_ weights: [(name: String, tensor: StoredTensor)], configuration: CLIPConfiguration,
                                file: StaticString = #filePath, line: UInt = #line,
                                _ check: (_ missing: [String], _ unexpected: [String], _ wrongShape: [String]) -> Void) {
        XCTAssertThrowsError(try DACLIPModel(tensors: weights, file: "test.pt", configuration: configuration), file: file, line: line) { error in
            guard case let DACLIPError.stateDictMismatch(name, missing, unexpected, wrongShape) = error else {
                return XCTFail("expected a state dict mismatch, got \(error)", file: file, line: line)
            }
            XCTAssertEqual(name, "test.pt", file: file, line: line)
            check(missing, unexpected, wrongShape)
            print("error message: \(error)")
        }
    }

    func testOfficialTrainingCheckpointWithModulePrefixLoadsStrictly() throws {
        let fixture = try DACLIPFixture.tiny()
        let contents = try CheckpointFile.contents(of: ptURL)
        XCTAssertTrue(contents.tensors.allSatisfy { $0.name.hasPrefix("module.") }, "the fixture is DDP-style")
        let state = try DACLIPStateDict(contents.tensors, file: ptURL.path)
        XCTAssertTrue(state.strippedModulePrefix)
        XCTAssertEqual(state.visualCopies, .both)
        let model = try DACLIPModel(contentsOf: ptURL, configuration: try fixture.configuration)
        let (content, degradation) = try model.encodeImage(try fixture.tensor("image"), control: true)
        try fixture.check(content, against: "content_features")
        try fixture.check(try XCTUnwrap(degradation), against: "degradation_features")
        try fixture.check(try model.encodeText(try fixture.tokens("tokens")), against: "text_features")
    }

    func testConfigurationIsInferredFromTheWeights() throws {
        let fixture = try DACLIPFixture.tiny()
        let state = try DACLIPStateDict(try CheckpointFile.load(ptURL), file: ptURL.path)
        XCTAssertEqual(try CLIPConfiguration(inferringFrom: state.tensors, headWidth: 16), try fixture.configuration)
        // With the default head width of 64 (every published DA-CLIP) the tiny widths do not split into heads.
        XCTAssertThrowsError(try DACLIPModel(contentsOf: ptURL)) { error in
            guard case let DACLIPError.unrecognisedStateDict(file, reason) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(file, self.ptURL.path)
            XCTAssertTrue(reason.contains("head width 64"), reason)
        }
        let table = try XCTUnwrap(state.tensors["clip.token_embedding.weight"])
        XCTAssertThrowsError(try CLIPConfiguration(inferringFrom: ["clip.token_embedding.weight": table])) {
            XCTAssertTrue("\($0)".contains("clip.visual.conv1.weight"), "\($0)")
        }
    }

    func testAMissingKeyIsNamed() throws {
        let fixture = try DACLIPFixture.tiny()
        expectMismatch(fixture.weights.filter { $0.name != "clip.ln_final.bias" }, configuration: try fixture.configuration) {
            XCTAssertEqual($0, ["clip.ln_final.bias"])
            XCTAssertEqual($1, [])
            XCTAssertEqual($2, [])
        }
    }

    func testAnUnexpectedKeyIsNamed() throws {
        let fixture = try DACLIPFixture.tiny()
        let extra = try StoredTensor(shape: [2], float32: [1, 2])
        expectMismatch(fixture.weights + [("visual_control.transformer.zero_modules.2.bias", extra)],
                       configuration: try fixture.configuration) {
            XCTAssertEqual($0, [])
            XCTAssertEqual($1, ["visual_control.transformer.zero_modules.2.bias"])
            XCTAssertEqual($2, [])
        }
    }

    func testAWrongShapeIsNamedWithBothShapes() throws {
        let fixture = try DACLIPFixture.tiny()
        let weights = try fixture.weights.map { entry -> (name: String, tensor: StoredTensor) in
            entry.name == "visual_control.proj" ? (entry.name, try StoredTensor(shape: [32, 25], float32: .init(repeating: 0, count: 800))) : entry
        }
        expectMismatch(weights, configuration: try fixture.configuration) { missing, unexpected, wrongShape in
            XCTAssertEqual(missing + unexpected, [])
            XCTAssertEqual(wrongShape.count, 1)
            XCTAssertTrue(wrongShape.first?.hasPrefix("visual_control.proj") ?? false, "\(wrongShape)")
            XCTAssertTrue(wrongShape.first?.contains("[32, 24]") ?? false, "\(wrongShape)")
        }
    }

    func testDifferingVisualAndClipVisualCopiesAreRefused() throws {
        let fixture = try DACLIPFixture.tiny()
        let configuration = try fixture.configuration
        let altered = try fixture.weights.map { entry -> (name: String, tensor: StoredTensor) in
            guard entry.name == "visual.ln_post.bias" else { return entry }
            return (entry.name, try StoredTensor(shape: entry.tensor.shape, float32: entry.tensor.floatValues().map { $0 + 1 }))
        }
        XCTAssertThrowsError(try DACLIPModel(tensors: altered, file: "copies.pt", configuration: configuration)) { error in
            XCTAssertEqual(error as? DACLIPError, .aliasMismatch(file: "copies.pt", keys: ["visual.ln_post.bias"]))
            print("error message: \(error)")
        }
        // A key in one set only is a difference too.
        let incomplete = fixture.weights.filter { $0.name != "visual.ln_pre.weight" }
        XCTAssertThrowsError(try DACLIPModel(tensors: incomplete, file: "copies.pt", configuration: configuration)) { error in
            XCTAssertEqual(error as? DACLIPError,
                           .aliasMismatch(file: "copies.pt", keys: ["clip.visual.ln_pre.weight (no visual.ln_pre.weight)"]))
        }
    }

    func testEitherVisualCopyAloneLoads() throws {
        let fixture = try DACLIPFixture.tiny()
        let pixels = try fixture.tensor("image")
        for (prefix, copies) in [("visual.", DACLIPStateDict.VisualCopies.clipVisualOnly), ("clip.visual.", .visualOnly)] {
            let weights = fixture.weights.filter { !$0.name.hasPrefix(prefix) }
            XCTAssertEqual(try DACLIPStateDict(weights, file: "x").visualCopies, copies)
            let model = try DACLIPModel(tensors: weights, configuration: try fixture.configuration)
            try fixture.check(try model.encodeImage(pixels, control: true).content, against: "content_features")
        }
    }

    func testNonFiniteWeightsAreRefused() throws {
        let fixture = try DACLIPFixture.tiny()
        let weights = try fixture.weights.map { entry -> (name: String, tensor: StoredTensor) in
            entry.name == "logit_scale" ? (entry.name, try StoredTensor(shape: [], float32: [.nan])) : entry
        }
        XCTAssertThrowsError(try DACLIPModel(tensors: weights, file: "nan.pt", configuration: try fixture.configuration)) {
            XCTAssertEqual($0 as? DACLIPError, .nonFiniteWeight(file: "nan.pt", key: "logit_scale"))
        }
    }

    func testWrittenFileHoldsOneVisualCopyAndLoadsBackWithItsConfiguration() throws {
        let fixture = try DACLIPFixture.tiny()
        let model = try DACLIPModel(contentsOf: ptURL, configuration: try fixture.configuration)
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("daclip-\(UUID().uuidString).safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        try model.write(to: url)
        let written = try SafeTensorsFile(contentsOf: url)
        XCTAssertFalse(written.names.contains { $0.hasPrefix("visual.") })
        XCTAssertEqual(Set(written.names), Set(fixture.parameterOrder.filter { !$0.hasPrefix("visual.") }))
        let reloaded = try DACLIPModel(contentsOf: url)  // configuration from the metadata
        XCTAssertEqual(reloaded.configuration.openCLIPJSON(), try fixture.configuration.openCLIPJSON())
        for ((name, a), (_, b)) in zip(model.namedParameters(), reloaded.namedParameters()) {
            XCTAssertEqual(a.values, b.values, name)
        }
    }
}
