import Foundation
import Parallelism

// Pointwise activations (PyTorch `torch.nn.functional`), each forward next to its derivative. The loops are the
// generic kernels of `Pointwise` with the branch-free exp and normal CDF of `FastMath`, so they vectorise;
// backward recomputes from the saved input (or output) instead of keeping extra intermediates.

extension Tensor {
    /// max(x, 0), PyTorch `F.relu` (gradient 0 at 0).
    public func relu() -> Tensor {
        let x = self
        return Tensor.record("relu", inputs: [x], result: Pointwise.map(x, ActivationKernels.ReLU())) { g in
            [Pointwise.zip(g, x, ActivationKernels.ReLU.Gradient())]
        }
    }

    /// x for x > 0, else `slope`·x, PyTorch `F.leaky_relu(x, negative_slope)` (gradient `slope` at 0).
    public func leakyRelu(slope: Float = 0.01) -> Tensor {
        let x = self, f = ActivationKernels.LeakyReLU(slope: slope)
        return Tensor.record("leaky_relu", inputs: [x], result: Pointwise.map(x, f)) { g in [Pointwise.zip(g, x, f.gradient)] }
    }

    /// 1 / (1 + e^−x), PyTorch `torch.sigmoid`.
    public func sigmoid() -> Tensor {
        let y = Pointwise.map(self, ActivationKernels.Sigmoid()), saved = y.detached()  // no cycle through y's own record
        return Tensor.record("sigmoid", inputs: [self], result: y) { g in [Pointwise.zip(g, saved, ActivationKernels.Sigmoid.Gradient())] }
    }

    /// Hyperbolic tangent, PyTorch `torch.tanh` (libm's tanhf: not vectorised, and not on the U-Net's path).
    public func tanh() -> Tensor {
        let y = Pointwise.map(self, ActivationKernels.Tanh()), saved = y.detached()
        return Tensor.record("tanh", inputs: [self], result: y) { g in [Pointwise.zip(g, saved, ActivationKernels.Tanh.Gradient())] }
    }

    /// x·sigmoid(x), PyTorch `F.silu` (the U-Net's non-linearity).
    public func silu() -> Tensor {
        let x = self
        return Tensor.record("silu", inputs: [x], result: Pointwise.map(x, ActivationKernels.SiLU())) { g in
            [Pointwise.zip(g, x, ActivationKernels.SiLU.Gradient())]
        }
    }

    /// x·Φ(x) with the normal CDF (the erf form), PyTorch `F.gelu(x)` (`approximate='none'`).
    public func gelu() -> Tensor {
        let x = self
        return Tensor.record("gelu", inputs: [x], result: Pointwise.map(x, ActivationKernels.GELU())) { g in
            [Pointwise.zip(g, x, ActivationKernels.GELU.Gradient())]
        }
    }

    /// x·sigmoid(1.702·x), OpenAI CLIP's `QuickGELU` (HF transformers' `quick_gelu`), composed of recorded
    /// operations (its gradient is theirs).
    public func quickGelu() -> Tensor {
        self * (self * ActivationKernels.quickGELUSlope).sigmoid()
    }

    /// The gated GELU of latent diffusion's `GEGLU` after its projection: the last axis (even length 2D) is split
    /// into halves `a, gate` (PyTorch `chunk(2, dim=-1)`) and the result is `a * F.gelu(gate)`, of last axis D.
    public func geglu() -> Tensor {
        precondition(rank >= 1 && shape[rank - 1] % 2 == 0, "geglu: the last axis of \(shape) must have even length")
        let width = shape[rank - 1] / 2, rows = count / Swift.max(2 * width, 1)
        let x = self
        let result = Tensor.filled(Array(shape.dropLast()) + [width]) { out in
            let src = UncheckedSendableBox(x.storage.pointer), dst = UncheckedSendableBox(out.baseAddress!)
            EngineParallel.chunks(rows, minimumPerChunk: Swift.max(1, Elementwise.grain / Swift.max(width, 1))) { range in
                for r in range {
                    let a = src.value + 2 * r * width, gate = a + width, o = dst.value + r * width
                    for j in 0..<width { o[j] = a[j] * ActivationKernels.GELU.value(gate[j]) }
                }
            }
        }
        return Tensor.record("geglu", inputs: [x], result: result) { g in
            [Tensor.filled(x.shape) { out in
                let src = UncheckedSendableBox(x.storage.pointer), up = UncheckedSendableBox(g.storage.pointer)
                let dst = UncheckedSendableBox(out.baseAddress!)
                EngineParallel.chunks(rows, minimumPerChunk: Swift.max(1, Elementwise.grain / Swift.max(width, 1))) { range in
                    for r in range {
                        let a = src.value + 2 * r * width, gate = a + width, gy = up.value + r * width
                        let ga = dst.value + 2 * r * width, gg = ga + width
                        for j in 0..<width {
                            ga[j] = gy[j] * ActivationKernels.GELU.value(gate[j])
                            gg[j] = gy[j] * a[j] * ActivationKernels.GELU.derivative(gate[j])
                        }
                    }
                }
            }]
        }
    }
}

/// The pointwise functions of the activations, each with the gradient that backward applies to (upstream gradient, saved value).
enum ActivationKernels {
    /// The slope of QuickGELU's sigmoid, 1.702 (Hendrycks & Gimpel 2016, §2: x·σ(1.702x) ≈ GELU).
    static let quickGELUSlope: Float = 1.702

    struct ReLU: UnaryPointwise {
        @inline(__always) func callAsFunction(_ x: Float) -> Float { x > 0 ? x : 0 }

        struct Gradient: BinaryPointwise {
            @inline(__always) func callAsFunction(_ g: Float, _ x: Float) -> Float { x > 0 ? g : 0 }
        }
    }

    struct LeakyReLU: UnaryPointwise {
        let slope: Float
        @inline(__always) func callAsFunction(_ x: Float) -> Float { x > 0 ? x : x * slope }

        var gradient: Gradient { Gradient(slope: slope) }
        struct Gradient: BinaryPointwise {
            let slope: Float
            @inline(__always) func callAsFunction(_ g: Float, _ x: Float) -> Float { x > 0 ? g : g * slope }
        }
    }

    struct Sigmoid: UnaryPointwise {
        @inline(__always) func callAsFunction(_ x: Float) -> Float { 1 / (1 + FastMath.exp(-x)) }

        /// g·s·(1 − s) from the saved output s.
        struct Gradient: BinaryPointwise {
            @inline(__always) func callAsFunction(_ g: Float, _ s: Float) -> Float { g * s * (1 - s) }
        }
    }

    struct Tanh: UnaryPointwise {
        @inline(__always) func callAsFunction(_ x: Float) -> Float { Foundation.tanh(x) }

        /// g·(1 − t²) from the saved output t.
        struct Gradient: BinaryPointwise {
            @inline(__always) func callAsFunction(_ g: Float, _ t: Float) -> Float { g * (1 - t * t) }
        }
    }

    struct SiLU: UnaryPointwise {
        @inline(__always) func callAsFunction(_ x: Float) -> Float { x / (1 + FastMath.exp(-x)) }

        /// g·s·(1 + x·(1 − s)) with s = sigmoid(x), from the saved input.
        struct Gradient: BinaryPointwise {
            @inline(__always) func callAsFunction(_ g: Float, _ x: Float) -> Float {
                let s = 1 / (1 + FastMath.exp(-x))
                return g * s * (1 + x * (1 - s))
            }
        }
    }

    /// GELU: x·Φ(x), derivative Φ(x) + x·φ(x) with φ(x) = e^(−x²/2)/√(2π); Φ from `FastMath` (absolute error
    /// ≈ 10⁻⁷, below the Float rounding of the rest of a network).
    struct GELU: UnaryPointwise {
        @inline(__always) static func value(_ x: Float) -> Float { x * FastMath.normalCDF(x).cdf }
        @inline(__always) static func derivative(_ x: Float) -> Float {
            let (cdf, gaussian) = FastMath.normalCDF(x)
            return cdf + x * 0.398_942_280_401_432_7 * gaussian  // 1/√(2π)
        }

        @inline(__always) func callAsFunction(_ x: Float) -> Float { GELU.value(x) }

        struct Gradient: BinaryPointwise {
            @inline(__always) func callAsFunction(_ g: Float, _ x: Float) -> Float { g * GELU.derivative(x) }
        }
    }
}
