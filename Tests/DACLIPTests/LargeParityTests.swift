import Checkpoints
import DACLIP
import Foundation
import TestSupport
import WildTensor
import XCTest

/// DA-CLIP ViT-B-32 (random weights) against the official code, when `Tools/fixtures/daclip_parity.py --b32` has
/// written `Tests/Fixtures/daclip/large/` (about 1 GB, not committed): the official `.pt` loads with its configuration
/// inferred from the weights, and every output is within 1e-5 relative error of a float64 run.
final class LargeParityTests: XCTestCase {
    func testViTB32MatchesOfficialCode() throws {
        let folder = Fixtures.path("daclip", "large")
        // Opt-in: `make test` leaves this test out by name; asked for, a missing fixture is a failure.
        XCTAssertTrue(FileManager.default.fileExists(atPath: folder), "Tests/Fixtures/daclip/large/ is absent; write it with "
            + "DACLIP_REPO=/path/to/daclip-uir Tools/.venv/bin/python Tools/fixtures/daclip_parity.py --b32")
        let fixture = try DACLIPFixture("daclip", "large", "daclip_vit_b32.safetensors")
        let start = Date()
        let model = try DACLIPModel(contentsOf: URL(fileURLWithPath: folder).appendingPathComponent("daclip_vit_b32.pt"))
        print("DA-CLIP ViT-B-32: loaded in \(Date().timeIntervalSince(start)) s")
        XCTAssertEqual(model.configuration, .daclipViTB32, "configuration inferred from the weights")

        let pixels = try fixture.tensor("image")
        var clock = Date()
        let (content, degradation) = try model.encodeImage(pixels, control: true)
        print("DA-CLIP ViT-B-32: encodeImage(control: true) of \(pixels.shape[0]) images in \(Date().timeIntervalSince(clock)) s")
        try fixture.check(content, against: "content_features")
        try fixture.check(try XCTUnwrap(degradation), against: "degradation_features")
        let (_, controls) = try withNoGrad { try model.controls(for: pixels) }
        for (i, control) in controls.enumerated() { try fixture.check(control, against: "controls.\(i)") }
        try fixture.check(try model.encodeImage(pixels, control: false).content, against: "plain_features")
        clock = Date()
        try fixture.check(try model.encodeText(try fixture.tokens("tokens")), against: "text_features")
        print("DA-CLIP ViT-B-32: encodeText in \(Date().timeIntervalSince(clock)) s")
        let output = try withNoGrad {
            try model(images: pixels, captions: try fixture.tokens("captions"), degradations: try fixture.tokens("degradations"))
        }
        try fixture.check(output.logitsPerImage, against: "forward.logits_per_image")
        try fixture.check(output.degradationLogitsPerImage, against: "forward.degra_logits_per_image")
    }
}
