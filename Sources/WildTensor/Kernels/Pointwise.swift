import Parallelism

/// A pointwise function of one Float, as a value type so the loops below are specialised for it.
protocol UnaryPointwise { func callAsFunction(_ x: Float) -> Float }
/// A pointwise function of two Floats (typically an upstream gradient and a saved input or output).
protocol BinaryPointwise { func callAsFunction(_ a: Float, _ b: Float) -> Float }

/// Parallel elementwise loops over contiguous buffers, generic over the function type.
///
/// `Elementwise.map` takes a closure, which the loop handed to the thread pool calls indirectly: the call cannot be
/// inlined, so the loop does not vectorise. These versions take the function as a generic value; each use is
/// specialised, the function inlined and the loop vectorised (on two cores, a 4M-element ReLU through the closure
/// takes ~6× longer than through a function type).
enum Pointwise {
    @inline(__always)
    static func map<F: UnaryPointwise>(_ a: Tensor, _ f: F) -> Tensor {
        Tensor.filled(a.shape) { out in
            let src = UncheckedSendableBox(a.storage.pointer), dst = UncheckedSendableBox(out.baseAddress!)
            EngineParallel.chunks(a.count, minimumPerChunk: Elementwise.grain) { range in
                let s = src.value, d = dst.value
                for i in range { d[i] = f(s[i]) }
            }
        }
    }

    @inline(__always)
    static func zip<F: BinaryPointwise>(_ a: Tensor, _ b: Tensor, _ f: F) -> Tensor {
        precondition(a.count == b.count, "Pointwise.zip: \(a.shape) and \(b.shape)")
        return Tensor.filled(a.shape) { out in
            let pa = UncheckedSendableBox(a.storage.pointer), pb = UncheckedSendableBox(b.storage.pointer)
            let dst = UncheckedSendableBox(out.baseAddress!)
            EngineParallel.chunks(a.count, minimumPerChunk: Elementwise.grain) { range in
                let x = pa.value, y = pb.value, d = dst.value
                for i in range { d[i] = f(x[i], y[i]) }
            }
        }
    }
}
