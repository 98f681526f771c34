import TestSupport
import WildTensor
import XCTest

/// Central-difference gradient checks of Float32 operations on tiny tensors, independent of any reference
/// implementation.
///
/// The objective is L(x) = Σ r ⊙ f(x) for a fixed pseudo-random projection r (so every output element counts,
/// with different weights), summed in Double. Autograd gives ∂L/∂x by `backward(r)`; the check compares it with
/// (L(x + h·eₖ) − L(x − h·eₖ)) / (x₊ − x₋) for every element k of every input that requires grad, where x₊, x₋ are
/// the Float values actually stored (so rounding of x ± h does not bias the quotient).
///
/// Step and tolerance. The central difference has truncation error ≈ h²·|f‴|/6 and rounding error ≈ δL/h, where
/// δL is the Float rounding of the outputs summed into L (≈ 6·10⁻⁸ per unit of |r·y|, a few 10⁻⁶ for the
/// ~10–100 elements used here). h = 10⁻² sits near the optimum ∛(3·δL/|f‴|) for inputs and derivatives of
/// order 1, where both terms stay near 10⁻⁴ of an O(1) gradient (measured: 10⁻⁵–10⁻⁴ on the engine's
/// activations, softmax, normalisations and losses; ~10⁻⁷ or less on the piecewise-linear padding and
/// upsampling). The default tolerance of 2·10⁻³ on the relative error (largest difference over largest gradient)
/// keeps a 20× margin, while a wrong formula (a missing term or factor) is off by O(1). Inputs must stay at least
/// a few h away from kinks (relu at 0, |x − t| at 0), where the difference quotient is meaningless; scale inputs
/// to order 1 or pass a larger tolerance for steep functions.
enum FiniteDifference {
    /// Default step: see the type's documentation.
    static let step: Float = 1e-2
    /// Default tolerance on the relative error.
    static let tolerance: Double = 2e-3

    /// Deterministic values in `range` (a small LCG, so checks do not depend on the system generator).
    static func values(_ count: Int, seed: UInt64, in range: ClosedRange<Float> = -1...1) -> [Float] {
        var state = seed &* 6364136223846793005 &+ 1442695040888963407
        return (0..<count).map { _ in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            let unit = Float(state >> 40) / Float(1 << 24)
            return range.lowerBound + (range.upperBound - range.lowerBound) * unit
        }
    }

    /// A tensor of deterministic values that requires grad.
    static func input(_ shape: [Int], seed: UInt64, in range: ClosedRange<Float> = -1...1) -> Tensor {
        Tensor(shape: shape, values: values(shape.reduce(1, *), seed: seed, in: range), requiresGrad: true)
    }

    /// Values of magnitude in `magnitude` with random signs, for inputs that must avoid a kink at 0.
    static func awayFromZero(_ shape: [Int], seed: UInt64, magnitude: ClosedRange<Float> = 0.1...1.5) -> Tensor {
        let n = shape.reduce(1, *)
        let sizes = values(n, seed: seed, in: magnitude), signs = values(n, seed: seed &+ 17)
        return Tensor(shape: shape, values: zip(sizes, signs).map { $1 < 0 ? -$0 : $0 }, requiresGrad: true)
    }

    /// Checks the gradients of `f` with respect to every input that requires grad; returns the worst relative
    /// error (also asserted against `tolerance`).
    @discardableResult
    static func check(
        _ name: String, _ inputs: [Tensor], step: Float = step, tolerance: Double = tolerance,
        file: StaticString = #filePath, line: UInt = #line, _ f: ([Tensor]) -> Tensor
    ) -> Double {
        for x in inputs { x.zeroGrad() }
        let y = f(inputs)
        let projection = Tensor(shape: y.shape, values: values(y.count, seed: 99))
        let weights = projection.values
        y.backward(projection)
        func objective() -> Double {
            withNoGrad { zip(f(inputs).values, weights).reduce(0.0) { $0 + Double($1.0) * Double($1.1) } }
        }
        var worst = 0.0
        for (index, x) in inputs.enumerated() where x.requiresGrad {
            guard let analytic = x.grad?.values else {
                XCTFail("\(name): input \(index) received no gradient", file: file, line: line)
                continue
            }
            var numeric = [Double](repeating: 0, count: x.count)
            for k in 0..<x.count {
                let original = x.withUnsafeBufferPointer { $0[k] }
                let up = original + step, down = original - step
                x.withUnsafeMutableBufferPointer { $0[k] = up }
                let plus = objective()
                x.withUnsafeMutableBufferPointer { $0[k] = down }
                let minus = objective()
                x.withUnsafeMutableBufferPointer { $0[k] = original }
                numeric[k] = (plus - minus) / (Double(up) - Double(down))
            }
            let error = relativeError(analytic, numeric)
            worst = Swift.max(worst, error)
            XCTAssertLessThanOrEqual(error, tolerance, "\(name): finite-difference gradient of input \(index)", file: file, line: line)
        }
        print(String(format: "finite difference %@: worst relative error %.2e", name, worst))
        return worst
    }
}
