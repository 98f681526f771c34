import Foundation

/// The elementwise functions of `Operations/Arithmetic.swift` (and their derivatives) as value types, so the
/// loops of `Elementwise`/`Pointwise` are specialised for each and vectorise.
enum PointwiseFunctions {
    struct Add: BinaryPointwise { @inline(__always) func callAsFunction(_ a: Float, _ b: Float) -> Float { a + b } }
    struct Subtract: BinaryPointwise { @inline(__always) func callAsFunction(_ a: Float, _ b: Float) -> Float { a - b } }
    struct Multiply: BinaryPointwise { @inline(__always) func callAsFunction(_ a: Float, _ b: Float) -> Float { a * b } }
    struct Divide: BinaryPointwise { @inline(__always) func callAsFunction(_ a: Float, _ b: Float) -> Float { a / b } }
    /// The left operand (broadcasting copy).
    struct First: BinaryPointwise { @inline(__always) func callAsFunction(_ a: Float, _ b: Float) -> Float { a } }

    struct AddScalar: UnaryPointwise { let s: Float; @inline(__always) func callAsFunction(_ x: Float) -> Float { x + s } }
    struct MultiplyScalar: UnaryPointwise { let s: Float; @inline(__always) func callAsFunction(_ x: Float) -> Float { x * s } }
    struct DivideByScalar: UnaryPointwise { let s: Float; @inline(__always) func callAsFunction(_ x: Float) -> Float { x / s } }
    /// s − x.
    struct ScalarMinus: UnaryPointwise { let s: Float; @inline(__always) func callAsFunction(_ x: Float) -> Float { s - x } }
    /// s / x.
    struct ScalarOver: UnaryPointwise { let s: Float; @inline(__always) func callAsFunction(_ x: Float) -> Float { s / x } }
    struct Negate: UnaryPointwise { @inline(__always) func callAsFunction(_ x: Float) -> Float { -x } }
    struct Square: UnaryPointwise { @inline(__always) func callAsFunction(_ x: Float) -> Float { x * x } }
    struct Exp: UnaryPointwise { @inline(__always) func callAsFunction(_ x: Float) -> Float { FastMath.exp(x) } }
    struct Log: UnaryPointwise { @inline(__always) func callAsFunction(_ x: Float) -> Float { Foundation.log(x) } }
    struct Sqrt: UnaryPointwise { @inline(__always) func callAsFunction(_ x: Float) -> Float { x.squareRoot() } }
    struct Rsqrt: UnaryPointwise { @inline(__always) func callAsFunction(_ x: Float) -> Float { 1 / x.squareRoot() } }
    struct Sin: UnaryPointwise { @inline(__always) func callAsFunction(_ x: Float) -> Float { Foundation.sin(x) } }
    struct Cos: UnaryPointwise { @inline(__always) func callAsFunction(_ x: Float) -> Float { Foundation.cos(x) } }
    struct Abs: UnaryPointwise { @inline(__always) func callAsFunction(_ x: Float) -> Float { Swift.abs(x) } }
    struct Clamp: UnaryPointwise {
        let lower: Float, upper: Float
        @inline(__always) func callAsFunction(_ x: Float) -> Float { Swift.min(Swift.max(x, lower), upper) }
    }
    struct Power: UnaryPointwise {
        let exponent: Float
        @inline(__always) func callAsFunction(_ x: Float) -> Float { Foundation.pow(x, exponent) }
    }

    // Derivatives: (upstream gradient g, saved input x or output y) → input gradient.
    /// g·(−s/x²) for s/x.
    struct ScalarOverGradient: BinaryPointwise {
        let s: Float
        @inline(__always) func callAsFunction(_ g: Float, _ x: Float) -> Float { -g * s / (x * x) }
    }
    struct PowerGradient: BinaryPointwise {
        let exponent: Float
        @inline(__always) func callAsFunction(_ g: Float, _ x: Float) -> Float { g * exponent * Foundation.pow(x, exponent - 1) }
    }
    struct SquareGradient: BinaryPointwise { @inline(__always) func callAsFunction(_ g: Float, _ x: Float) -> Float { 2 * g * x } }
    /// g/(2y) for y = √x.
    struct SqrtGradient: BinaryPointwise { @inline(__always) func callAsFunction(_ g: Float, _ y: Float) -> Float { g / (2 * y) } }
    /// −g·y³/2 for y = 1/√x.
    struct RsqrtGradient: BinaryPointwise { @inline(__always) func callAsFunction(_ g: Float, _ y: Float) -> Float { -0.5 * g * y * y * y } }
    struct SinGradient: BinaryPointwise { @inline(__always) func callAsFunction(_ g: Float, _ x: Float) -> Float { g * Foundation.cos(x) } }
    struct CosGradient: BinaryPointwise { @inline(__always) func callAsFunction(_ g: Float, _ x: Float) -> Float { -g * Foundation.sin(x) } }
    /// g·sign(x), 0 at 0 (PyTorch).
    struct AbsGradient: BinaryPointwise {
        @inline(__always) func callAsFunction(_ g: Float, _ x: Float) -> Float { x > 0 ? g : (x < 0 ? -g : 0) }
    }
    /// g inside [lower, upper], 0 outside (PyTorch).
    struct ClampGradient: BinaryPointwise {
        let lower: Float, upper: Float
        @inline(__always) func callAsFunction(_ g: Float, _ x: Float) -> Float { x >= lower && x <= upper ? g : 0 }
    }
}
