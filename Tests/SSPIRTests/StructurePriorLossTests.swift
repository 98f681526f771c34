import SSPIR
import WildTensor
import XCTest

/// The FFT loss and the summed structure-prior loss on cases with closed forms (the PyTorch parity of both is in
/// ``StructureProcessorTests/testMatchesPyTorchForwardLossAndGradients``).
final class StructurePriorLossTests: XCTestCase {
    private func constant(_ shape: [Int], _ value: Float, requiresGrad: Bool = false) -> Tensor {
        Tensor(shape: shape, repeating: value, requiresGrad: requiresGrad)
    }

    /// A constant image has only a DC term, c·h·w, so L_FFT(c, t) = |c − t|·h·w / (h·(w/2 + 1)·2) per plane.
    func testFFTLossOfConstantImagesIsTheirDCTermAlone() throws {
        for (h, w) in [(4, 6), (3, 5), (8, 8)] {
            let loss = try FrequencyLoss()(constant([2, 3, h, w], 0.75), constant([2, 3, h, w], -0.5))
            let expected = 1.25 * Double(h * w) / Double(h * (w / 2 + 1) * 2)
            XCTAssertEqual(Double(loss.scalar), expected, accuracy: 1e-6 * expected, "\(h)×\(w)")
        }
    }

    /// A unit impulse at the origin has every bin equal to 1 + 0i: against zero the loss is ½ at any size.
    func testFFTLossOfAnImpulseIsOneHalf() throws {
        var values = [Float](repeating: 0, count: 7 * 10)
        values[0] = 1
        let loss = try FrequencyLoss()(Tensor(shape: [1, 1, 7, 10], values: values), Tensor.zeros([1, 1, 7, 10]))
        XCTAssertEqual(loss.scalar, 0.5, accuracy: 1e-7)
    }

    /// Each scale's term is λ₁·L1 + λ₂·L_FFT with λ₁ = 0.1 on the pixels and λ₂ = 0.01 on the spectrum, summed over
    /// the scales (not averaged): with a zero GT and constant maps δᵢ, L1 = |δᵢ| and L_FFT = |δᵢ|·w/(2(w/2 + 1)).
    func testScalesAreSummedWithPixelAndFrequencyWeightsInPlace() throws {
        let sizes = [(12, 20), (6, 10), (3, 5)], deltas: [Float] = [0.5, -0.25, 1]
        let rgbs = zip(sizes, deltas).map { constant([2, 3, $0.0, $0.1], $1) }
        let loss = try StructurePriorLoss()(rgbs: rgbs, groundTruth: Tensor.zeros([2, 3, 24, 40]))
        var expected = 0.0
        for ((_, w), delta) in zip(sizes, deltas) {
            let d = Double(abs(delta))
            expected += 0.1 * d + 0.01 * d * Double(w) / Double(2 * (w / 2 + 1))
        }
        XCTAssertEqual(Double(loss.scalar), expected, accuracy: 1e-6 * expected)
        let custom = try StructurePriorLoss(pixelWeight: 0, frequencyWeight: 1)(rgbs: rgbs, groundTruth: Tensor.zeros([2, 3, 24, 40]))
        XCTAssertEqual(Double(custom.scalar), 0.5 * 20 / 22 + 0.25 * 10 / 12 + 5.0 / 6, accuracy: 1e-6)
    }

    /// The targets are PyTorch's bilinear resize without antialiasing: at 1/8 an output pixel reads source pixels
    /// 8i + 3 and 8i + 4 only, so a GT that is 1 exactly there (and 0 elsewhere) is 1 at 1/8 — an area or
    /// antialiased resize would give 1/16 — and a head of ones has no loss at that scale.
    func testTargetsAreBilinearWithoutAntialiasing() throws {
        let (h, w) = (16, 24)
        var values = [Float](repeating: 0, count: 3 * h * w)
        for c in 0..<3 { for y in 0..<h where [3, 4].contains(y % 8) { for x in 0..<w where [3, 4].contains(x % 8) { values[(c * h + y) * w + x] = 1 } } }
        let gt = Tensor(shape: [1, 3, h, w], values: values)
        let terms = try StructurePriorLoss().terms(rgbs: [constant([1, 3, 2, 3], 1)], groundTruth: gt)
        XCTAssertEqual(terms.pixel[0].scalar, 0, accuracy: 1e-7)
        XCTAssertEqual(terms.frequency[0].scalar, 0, accuracy: 1e-6)
    }

    /// Gradients reach the heads' outputs, never the ground truth.
    func testOnlyThePredictionsReceiveGradients() throws {
        let gt = Tensor(shape: [1, 3, 8, 8], values: (0..<192).map { Float($0 % 7) / 3 - 1 }, requiresGrad: true)
        let rgb = Tensor(shape: [1, 3, 4, 4], values: (0..<48).map { Float($0 % 5) / 4 }, requiresGrad: true)
        try StructurePriorLoss()(rgbs: [rgb], groundTruth: gt).backward()
        XCTAssertNil(gt.grad)
        XCTAssertTrue(rgb.grad?.values.contains { $0 != 0 } ?? false)
    }

    func testMismatchedShapesAreTypedErrors() {
        let gt = Tensor.zeros([2, 3, 8, 8])
        XCTAssertThrowsError(try StructurePriorLoss()(rgbs: [Tensor.zeros([1, 3, 4, 4])], groundTruth: gt)) { XCTAssertTrue($0 is SSPIRError) }
        XCTAssertThrowsError(try StructurePriorLoss()(rgbs: [Tensor.zeros([2, 1, 4, 4])], groundTruth: gt)) { XCTAssertTrue($0 is SSPIRError) }
        XCTAssertThrowsError(try StructurePriorLoss()(rgbs: [], groundTruth: gt)) { XCTAssertTrue($0 is SSPIRError) }
        XCTAssertThrowsError(try FrequencyLoss()(Tensor.zeros([1, 3, 4, 4]), Tensor.zeros([1, 3, 4, 5]))) { XCTAssertTrue($0 is SSPIRError) }
    }
}
