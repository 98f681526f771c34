import Foundation

// Broadcasting arithmetic (PyTorch/NumPy broadcasting rules) with gradients reduced back to each operand's shape.

extension Tensor {
    /// Applies a broadcasting binary operation and records its backward.
    fileprivate static func binary<F: BinaryPointwise>(
        _ name: String, _ a: Tensor, _ b: Tensor, _ f: F,
        backward: @escaping (_ g: Tensor) -> (Tensor?, Tensor?)
    ) -> Tensor {
        let result: Tensor
        if a.shape == b.shape {
            result = Elementwise.zip(a, b, f)
        } else {
            guard let shape = ShapeRules.broadcast(a.shape, b.shape) else {
                preconditionFailure("\(name): shapes \(a.shape) and \(b.shape) do not broadcast")
            }
            result = Elementwise.broadcast(a, b, to: shape, f)
        }
        let aShape = a.shape, bShape = b.shape
        return record(name, inputs: [a, b], result: result) { g in
            let (ga, gb) = backward(g)
            return [ga.map { $0.summed(toShape: aShape) }, gb.map { $0.summed(toShape: bShape) }]
        }
    }

    /// Sums a broadcast gradient back to `shape` (the inverse of broadcasting).
    public func summed(toShape target: [Int]) -> Tensor {
        if shape == target { return self }
        var reduced = self
        let offset = rank - target.count
        precondition(offset >= 0, "summed(toShape:): \(shape) cannot reduce to \(target)")
        if offset > 0 { reduced = reduced.sum(axes: Array(0..<offset), keepDims: false) }
        let axes = target.indices.filter { target[$0] == 1 && reduced.shape[$0] != 1 }
        if !axes.isEmpty { reduced = reduced.sum(axes: axes, keepDims: true) }
        return reduced.reshaped(target)
    }

    public static func + (a: Tensor, b: Tensor) -> Tensor {
        binary("add", a, b, PointwiseFunctions.Add()) { g in (g, g) }
    }

    public static func - (a: Tensor, b: Tensor) -> Tensor {
        binary("sub", a, b, PointwiseFunctions.Subtract()) { g in (g, -g) }
    }

    public static func * (a: Tensor, b: Tensor) -> Tensor {
        binary("mul", a, b, PointwiseFunctions.Multiply()) { g in (g * b.detached(), g * a.detached()) }
    }

    public static func / (a: Tensor, b: Tensor) -> Tensor {
        binary("div", a, b, PointwiseFunctions.Divide()) { g in
            let bd = b.detached()
            return (g / bd, -(g * a.detached() / (bd * bd)))
        }
    }

    public static prefix func - (a: Tensor) -> Tensor {
        record("neg", inputs: [a], result: Elementwise.map(a, PointwiseFunctions.Negate())) { g in [-g] }
    }

    public static func + (a: Tensor, s: Float) -> Tensor {
        record("add_scalar", inputs: [a], result: Elementwise.map(a, PointwiseFunctions.AddScalar(s: s))) { g in [g] }
    }
    public static func + (s: Float, a: Tensor) -> Tensor { a + s }
    public static func - (a: Tensor, s: Float) -> Tensor { a + (-s) }
    public static func - (s: Float, a: Tensor) -> Tensor {
        record("rsub_scalar", inputs: [a], result: Elementwise.map(a, PointwiseFunctions.ScalarMinus(s: s))) { g in [-g] }
    }
    public static func * (a: Tensor, s: Float) -> Tensor {
        record("mul_scalar", inputs: [a], result: Elementwise.map(a, PointwiseFunctions.MultiplyScalar(s: s))) { g in [g * s] }
    }
    public static func * (s: Float, a: Tensor) -> Tensor { a * s }
    public static func / (a: Tensor, s: Float) -> Tensor {
        record("div_scalar", inputs: [a], result: Elementwise.map(a, PointwiseFunctions.DivideByScalar(s: s))) { g in [g / s] }
    }
    public static func / (s: Float, a: Tensor) -> Tensor {
        let result = Elementwise.map(a, PointwiseFunctions.ScalarOver(s: s))
        return record("rdiv_scalar", inputs: [a], result: result) { g in
            [Elementwise.zip(g, a, PointwiseFunctions.ScalarOverGradient(s: s))]
        }
    }

    /// Elementwise power with a constant exponent.
    public func pow(_ exponent: Float) -> Tensor {
        let x = self
        return Tensor.record("pow", inputs: [x], result: Elementwise.map(x, PointwiseFunctions.Power(exponent: exponent))) { g in
            [Elementwise.zip(g, x, PointwiseFunctions.PowerGradient(exponent: exponent))]
        }
    }

    /// Elementwise square.
    public func squared() -> Tensor {
        let x = self
        return Tensor.record("square", inputs: [x], result: Elementwise.map(x, PointwiseFunctions.Square())) { g in
            [Elementwise.zip(g, x, PointwiseFunctions.SquareGradient())]
        }
    }

    /// Elementwise e^x.
    public func exp() -> Tensor {
        // The backward keeps a detached view of y: capturing y itself would make y → record → closure → y a cycle,
        // which leaks the whole graph behind y when it is never backpropagated (``GradientFunction``).
        let y = Elementwise.map(self, PointwiseFunctions.Exp()), saved = y.detached()
        return Tensor.record("exp", inputs: [self], result: y) { g in [Elementwise.zip(g, saved, PointwiseFunctions.Multiply())] }
    }

    /// Elementwise natural logarithm.
    public func log() -> Tensor {
        let x = self
        return Tensor.record("log", inputs: [x], result: Elementwise.map(x, PointwiseFunctions.Log())) { g in
            [Elementwise.zip(g, x, PointwiseFunctions.Divide())]
        }
    }

    /// Elementwise square root.
    public func sqrt() -> Tensor {
        let y = Elementwise.map(self, PointwiseFunctions.Sqrt()), saved = y.detached()
        return Tensor.record("sqrt", inputs: [self], result: y) { g in [Elementwise.zip(g, saved, PointwiseFunctions.SqrtGradient())] }
    }

    /// Elementwise 1/√x.
    public func rsqrt() -> Tensor {
        let y = Elementwise.map(self, PointwiseFunctions.Rsqrt()), saved = y.detached()
        return Tensor.record("rsqrt", inputs: [self], result: y) { g in
            [Elementwise.zip(g, saved, PointwiseFunctions.RsqrtGradient())]
        }
    }

    /// Elementwise sine.
    public func sin() -> Tensor {
        let x = self
        return Tensor.record("sin", inputs: [x], result: Elementwise.map(x, PointwiseFunctions.Sin())) { g in
            [Elementwise.zip(g, x, PointwiseFunctions.SinGradient())]
        }
    }

    /// Elementwise cosine.
    public func cos() -> Tensor {
        let x = self
        return Tensor.record("cos", inputs: [x], result: Elementwise.map(x, PointwiseFunctions.Cos())) { g in
            [Elementwise.zip(g, x, PointwiseFunctions.CosGradient())]
        }
    }

    /// Elementwise absolute value (gradient sign(x), 0 at 0 as PyTorch).
    public func abs() -> Tensor {
        let x = self
        return Tensor.record("abs", inputs: [x], result: Elementwise.map(x, PointwiseFunctions.Abs())) { g in
            [Elementwise.zip(g, x, PointwiseFunctions.AbsGradient())]
        }
    }

    /// Clamps into `[lower, upper]` (gradient 1 inside, 0 outside, as PyTorch).
    public func clamped(_ lower: Float, _ upper: Float) -> Tensor {
        let x = self
        return Tensor.record("clamp", inputs: [x], result: Elementwise.map(x, PointwiseFunctions.Clamp(lower: lower, upper: upper))) { g in
            [Elementwise.zip(g, x, PointwiseFunctions.ClampGradient(lower: lower, upper: upper))]
        }
    }
}
