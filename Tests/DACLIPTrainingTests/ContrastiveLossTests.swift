import DACLIP
import DACLIPTraining
import WildTensor
import XCTest

/// The contrastive loss against the official `DaClipLoss`/`ClipLoss` (distinct texts) and against an independent
/// soft-target reference (repeated texts), values and gradients, on fixed features from
/// `Tools/fixtures/daclip_loss.py`.
final class ContrastiveLossTests: XCTestCase {
    /// Runs the Swift loss on case `name` and compares both terms and every gradient with the fixture.
    func check(_ name: String, tolerance: Double = 2e-5) throws {
        let f = try LossFixture()
        let image = try f.input("\(name).image"), text = try f.input("\(name).text")
        let degradation = try f.input("\(name).image_degra"), degradationText = try f.input("\(name).text_degra")
        let logitScale = try f.input("\(name).logit_scale_parameter")
        let (caption, degradationTerm) = DACLIPContrastiveLoss.daclipLoss(
            image: image, caption: text, captionTargets: ContrastiveTargets(groups: try f.groups("\(name).caption_groups")),
            degradation: degradation, degradationText: degradationText,
            degradationTargets: ContrastiveTargets(groups: try f.groups("\(name).degradation_groups")), scale: logitScale.exp())
        let captionTerm = try XCTUnwrap(caption)
        XCTAssertLessThan(maximumRelativeError(captionTerm.values, try f.values("\(name).clip_loss")), tolerance, "\(name): clip_loss")
        XCTAssertLessThan(maximumRelativeError(degradationTerm.values, try f.values("\(name).degra_loss")), tolerance, "\(name): degra_loss")
        (captionTerm + degradationTerm).backward()
        for (key, tensor) in [("image", image), ("text", text), ("image_degra", degradation), ("text_degra", degradationText),
                              ("logit_scale_parameter", logitScale)] {
            let grad = try XCTUnwrap(tensor.grad, "\(name): no gradient for \(key)")
            XCTAssertLessThan(maximumRelativeError(grad.values, try f.values("\(name).grad.\(key)")), tolerance, "\(name): grad of \(key)")
        }
    }

    func testDistinctTextsMatchTheOfficialDaClipLoss() throws { try check("distinct") }

    func testRepeatedTextsMatchTheSoftTargetReference() throws { try check("duplicates") }

    func testFidelityTermMatchesPyTorchL1Loss() throws {
        let f = try LossFixture()
        for name in ["distinct", "duplicates"] {
            let content = try f.input("\(name).content"), hq = try f.input("\(name).hq")
            hq.requiresGrad = false
            let l1 = content.l1Loss(hq)
            XCTAssertLessThan(maximumRelativeError(l1.values, try f.values("\(name).l1")), 1e-6)
            l1.backward()
            XCTAssertLessThan(maximumRelativeError(try XCTUnwrap(content.grad).values, try f.values("\(name).grad.content")), 1e-6)
        }
    }

    func testTargetsSpreadOverEqualTextsAndAreTheIdentityOtherwise() {
        let distinct = ContrastiveTargets(texts: ["a", "b", "c"])
        XCTAssertTrue(distinct.isIdentity)
        XCTAssertEqual(distinct.matrix.values, [1, 0, 0, 0, 1, 0, 0, 0, 1])
        let repeated = ContrastiveTargets(texts: ["a", "b", "a", "a"])
        XCTAssertFalse(repeated.isIdentity)
        XCTAssertEqual(repeated.groups, [0, 1, 0, 0])
        let third: Float = 1.0 / 3
        XCTAssertEqual(repeated.matrix.values, [third, 0, third, third, 0, 1, 0, 0, third, 0, third, third, third, 0, third, third])
    }

    /// With repeated texts the image-side loss cannot fall below log m (m copies share the probability); the official
    /// hard target would also push each image away from the copies of its own text in the text→image direction.
    func testPerfectlyAlignedFeaturesReachTheSoftTargetMinimum() {
        let texts = ["x", "x", "y"]
        // Unit rows; equal texts have equal features and their images point at them.
        let features = Tensor(shape: [3, 2], values: [1, 0, 1, 0, 0, 1])
        let loss = DACLIPContrastiveLoss.clipLoss(image: features, text: features, scale: Tensor(scalar: 100),
                                                  targets: ContrastiveTargets(texts: texts))
        // Rows of the "x" group: −½·log ½ − ½·log ½ = log 2 each, both directions; the "y" row: 0.
        XCTAssertEqual(Double(loss.scalar), 2 * log(2) / 3, accuracy: 1e-5)
    }
}
