import Parallelism

// Pixel losses between a prediction and a target of the same shape, reduced to a scalar tensor. Both operands
// receive gradients (the target's is the negation), as in PyTorch.

extension Tensor {
    /// How a loss reduces its elementwise terms.
    public enum LossReduction: Sendable {
        /// The mean over all elements (PyTorch `reduction='mean'`, the default).
        case mean
        /// The sum over all elements (PyTorch `reduction='sum'`).
        case sum
    }

    /// Mean (or sum) of |self − target|, PyTorch `F.l1_loss(self, target, reduction=…)`; the gradient of |d| at
    /// d = 0 is 0.
    public func l1Loss(_ target: Tensor, reduction: LossReduction = .mean) -> Tensor {
        LossKernel.apply(.l1, self, target, reduction)
    }

    /// Mean (or sum) of (self − target)², PyTorch `F.mse_loss(self, target, reduction=…)`.
    public func mseLoss(_ target: Tensor, reduction: LossReduction = .mean) -> Tensor {
        LossKernel.apply(.squared, self, target, reduction)
    }
}

enum LossKernel {
    enum Kind { case l1, squared }

    /// Σ term(x − t) with per-thread partial totals; backward is the derivative of the term times g/n (mean) or g
    /// (sum) for x, and its negation for t.
    static func apply(_ kind: Kind, _ x: Tensor, _ t: Tensor, _ reduction: Tensor.LossReduction) -> Tensor {
        let name = kind == .l1 ? "l1_loss" : "mse_loss"
        precondition(x.shape == t.shape, "\(name): prediction \(x.shape) and target \(t.shape) differ")
        let n = x.count
        let blocks = Accumulation.blockCount(n, minimumPerBlock: Elementwise.grain)
        var partial = [Double](repeating: 0, count: Swift.max(blocks, 1))
        partial.withUnsafeMutableBufferPointer { buffer in
            let totals = UncheckedSendableBox(buffer.baseAddress!)
            let px = UncheckedSendableBox(x.storage.pointer), pt = UncheckedSendableBox(t.storage.pointer)
            Accumulation.parallelBlocks(n, minimumPerBlock: Elementwise.grain) { block, range in
                let a = px.value + range.lowerBound, b = pt.value + range.lowerBound
                switch kind {
                case .l1:
                    totals.value[block] = Accumulation.blockedSum(
                        range.count,
                        lanes: {
                            let d = Accumulation.load(a + $0) - Accumulation.load(b + $0)
                            return d.replacing(with: -d, where: d .< 0)
                        },
                        scalar: { Swift.abs(a[$0] - b[$0]) })
                case .squared:
                    totals.value[block] = Accumulation.blockedSum(
                        range.count,
                        lanes: { let d = Accumulation.load(a + $0) - Accumulation.load(b + $0); return d * d },
                        scalar: { let d = a[$0] - b[$0]; return d * d })
                }
            }
        }
        let total = partial.reduce(0, +)
        let divisor = reduction == .mean ? Double(Swift.max(n, 1)) : 1
        let result = Tensor(shape: [], values: [Float(total / divisor)])
        return Tensor.record(name, inputs: [x, t], result: result) { g in
            let scale = g.storage.pointer[0] / Float(divisor)
            let gx: Tensor = switch kind {
            case .l1: Pointwise.zip(x, t, LossKernel.L1Gradient(scale: scale))
            case .squared: Pointwise.zip(x, t, LossKernel.SquaredGradient(scale: scale))
            }
            return [x.isTracked ? gx : nil, t.isTracked ? -gx : nil]
        }
    }

    /// scale·sign(x − t), 0 where they are equal.
    struct L1Gradient: BinaryPointwise {
        let scale: Float
        @inline(__always) func callAsFunction(_ x: Float, _ t: Float) -> Float { x > t ? scale : (x < t ? -scale : 0) }
    }

    /// 2·scale·(x − t).
    struct SquaredGradient: BinaryPointwise {
        let scale: Float
        @inline(__always) func callAsFunction(_ x: Float, _ t: Float) -> Float { 2 * scale * (x - t) }
    }
}
