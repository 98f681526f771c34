import WildTensor
import XCTest

final class LossTests: XCTestCase {
    func testMatchesPyTorch() throws {
        try OperationCases.run(["l1_loss", "mse_loss"]) { op, inputs, p in
            let reduction: Tensor.LossReduction = p.string("reduction") == "sum" ? .sum : .mean
            return op == "l1_loss" ? inputs[0].l1Loss(inputs[1], reduction: reduction) : inputs[0].mseLoss(inputs[1], reduction: reduction)
        }
    }

    func testFiniteDifferences() {
        let x = FiniteDifference.input([2, 3, 4], seed: 61)
        // |x − t| has a kink where they meet: keep every difference away from 0.
        let offsets = FiniteDifference.awayFromZero([2, 3, 4], seed: 62)
        let t = Tensor(shape: x.shape, values: zip(x.values, offsets.values).map { $0 + $1 }, requiresGrad: true)
        for reduction in [Tensor.LossReduction.mean, .sum] {
            FiniteDifference.check("l1Loss \(reduction)", [x, t]) { $0[0].l1Loss($0[1], reduction: reduction) }
            FiniteDifference.check("mseLoss \(reduction)", [x, t]) { $0[0].mseLoss($0[1], reduction: reduction) }
        }
    }

    func testL1GradientIsZeroWhereEqual() {
        let x = Tensor(shape: [3], values: [1, 2, 3], requiresGrad: true)
        let t = Tensor(shape: [3], values: [0, 2, 5])
        x.l1Loss(t, reduction: .sum).backward()
        XCTAssertEqual(x.grad?.values, [1, 0, -1])
        XCTAssertEqual(x.l1Loss(t).shape, [])
    }

    /// Block-parallel totals on a large input equal the composite definitions.
    func testMatchesCompositeOnLargeInputs() {
        let shape = [4, 3, 130, 129]
        let a = Check.tensor(shape, seed: 63), b = Check.tensor(shape, seed: 64)
        for reduction in [Tensor.LossReduction.mean, .sum] {
            let x1 = Tensor(shape: shape, values: a.values, requiresGrad: true)
            let x2 = Tensor(shape: shape, values: a.values, requiresGrad: true)
            let l1 = x1.l1Loss(b, reduction: reduction)
            let d = (x2 - b).abs()
            let l2 = reduction == .mean ? d.mean() : d.sum()
            Check.close(l1, l2, 1e-5, "l1Loss \(reduction)")
            l1.backward()
            l2.backward()
            Check.close(x1.grad!, x2.grad!, 1e-6, "l1Loss \(reduction) backward")
            let m1 = a.mseLoss(b, reduction: reduction), sq = (a - b).squared()
            Check.close(m1, reduction == .mean ? sq.mean() : sq.sum(), 1e-5, "mseLoss \(reduction)")
        }
    }
}
