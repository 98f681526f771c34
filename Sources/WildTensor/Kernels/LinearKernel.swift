import CDNNL
import CGOMP

/// The forward product of `linear` and of its fused form: `residual + activation(x·Wᵀ + b)` over the last axis of
/// `x`, `W` `[out, in]` as PyTorch stores it.
///
/// One oneDNN matmul primitive (cached per shape, ``MatmulPrimitive``) reads the weight transposed in place, adds the
/// bias, applies the activation and the residual as post-ops, and splits the work over the engine's OpenMP team
/// itself (by rows and by output columns, which keeps both cores busy when there are few rows, as the 50 tokens of a
/// ViT-B-32). Measured on the ViT shapes (one thread, AVX-512): 90–106 GFLOP/s, where OpenBLAS's row-major `sgemm`
/// reached 64–90 because it re-packs the weight for every call.
enum LinearKernel {
    static func forward(_ x: Tensor, weight: Tensor, bias: Tensor?, activation: FusedActivation?, residual: Tensor?) -> Tensor {
        let inFeatures = weight.shape[1], outFeatures = weight.shape[0]
        let rows = x.count / Swift.max(inFeatures, 1)
        let shape = Array(x.shape.dropLast()) + [outFeatures]
        if let bias { precondition(bias.count == outFeatures, "linear: bias \(bias.shape) for \(outFeatures) outputs") }
        if let residual { precondition(residual.shape == shape, "linear: residual \(residual.shape) for an output \(shape)") }
        // An empty inner dimension, or a call from inside a parallel region (where oneDNN would run on one thread
        // behind the stream's lock), goes through OpenBLAS.
        guard inFeatures > 0, omp_in_parallel() == 0 else {
            return reference(x, weight: weight, bias: bias, activation: activation, residual: residual)
        }
        // bfloat16 operands for a prepared weight when the task asks for them and nothing records (MatmulPrecision).
        let reduced = MatmulPrecision.current == .bfloat16 && !(GradMode.isEnabled && (x.isTracked || weight.isTracked))
            ? weight.storage.bfloat16 : nil
        return Tensor.filled(shape) { out in
            guard rows > 0, outFeatures > 0, let c = out.baseAddress else { return }
            if let residual { c.update(from: residual.storage.pointer, count: rows * outFeatures) }
            let geometry = MatmulGeometry(
                a: .rowMajor(rows, inFeatures), b: .transposed(inFeatures, outFeatures), c: .rowMajor(rows, outFeatures),
                hasBias: bias != nil, activation: activation, accumulate: residual != nil, scale: 1,
                precision: reduced == nil ? .float32 : .bfloat16)
            do {
                let primitive = try MatmulPrimitive.cached(geometry)
                if let reduced {
                    var source = [UInt16](repeating: 0, count: rows * inFeatures)
                    source.withUnsafeMutableBufferPointer { bfloat16Bits(UnsafeBufferPointer(x.storage.buffer), into: $0) }
                    try source.withUnsafeBufferPointer { a in
                        try reduced.withUnsafeBufferPointer { b in
                            try primitive.run(a: UnsafeRawPointer(a.baseAddress!), b: UnsafeRawPointer(b.baseAddress!),
                                              bias: bias?.storage.pointer, c: c, context: DNNL.context())
                        }
                    }
                } else {
                    try primitive.run(a: x.storage.pointer, b: weight.storage.pointer, bias: bias?.storage.pointer, c: c,
                                      context: DNNL.context())
                }
            } catch {
                DNNL.trap(error, "linear")
            }
        }
    }

    /// The same value through OpenBLAS and the engine's pointwise operations, without recording: the path for
    /// products oneDNN is not given, and the tests' second opinion.
    static func reference(_ x: Tensor, weight: Tensor, bias: Tensor?, activation: FusedActivation?, residual: Tensor?) -> Tensor {
        let inFeatures = weight.shape[1], outFeatures = weight.shape[0]
        let rows = x.count / Swift.max(inFeatures, 1)
        return withNoGrad {
            var y = Tensor.filled(Array(x.shape.dropLast()) + [outFeatures]) { out in
                guard let c = out.baseAddress else { return }
                if let bias {
                    for r in 0..<rows { (c + r * outFeatures).update(from: bias.storage.pointer, count: outFeatures) }
                } else {
                    c.update(repeating: 0, count: rows * outFeatures)
                }
                guard inFeatures > 0 else { return }
                BLAS.gemm(transA: false, transB: true, m: rows, n: outFeatures, k: inFeatures, a: x.storage.pointer,
                          lda: inFeatures, b: weight.storage.pointer, ldb: inFeatures, beta: 1, c: c, ldc: outFeatures)
            }
            if let activation { y = y.applying(activation) }
            return residual.map { $0 + y } ?? y
        }
    }
}
