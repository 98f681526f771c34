import Parallelism

// Matrix products (PyTorch `matmul` for rank ≥ 2 operands with broadcast batch axes) and `linear`.

extension Tensor {
    /// Batched matrix product over the last two axes; leading (batch) axes broadcast.
    public func matmul(_ other: Tensor) -> Tensor {
        precondition(rank >= 2 && other.rank >= 2, "matmul: operands need rank ≥ 2, got \(shape) and \(other.shape)")
        let m = shape[rank - 2], k = shape[rank - 1], n = other.shape[other.rank - 1]
        precondition(other.shape[other.rank - 2] == k, "matmul: \(shape) × \(other.shape): inner dimensions differ")
        let batchA = Array(shape.dropLast(2)), batchB = Array(other.shape.dropLast(2))
        guard let batch = ShapeRules.broadcast(batchA, batchB) else {
            preconditionFailure("matmul: batch axes \(batchA) and \(batchB) do not broadcast")
        }
        let batches = batch.elementCount
        let stridesA = ShapeRules.broadcastStrides(batchA, to: batch), stridesB = ShapeRules.broadcastStrides(batchB, to: batch)
        let result = Tensor.filled(batch + [m, n]) { out in
            let c = out.baseAddress!
            if batchB.elementCount == 1 && batchA == batch {
                // One shared right operand: a single GEMM over all batches' rows.
                BLAS.gemm(transA: false, transB: false, m: batches * m, n: n, k: k, a: storage.pointer, lda: k,
                          b: other.storage.pointer, ldb: n, c: c, ldc: n)
                return
            }
            // Independent products (heads, batch items) go to the threads whole; each GEMM then runs on its thread.
            let pa = UncheckedSendableBox(storage.pointer), pb = UncheckedSendableBox(other.storage.pointer)
            let pc = UncheckedSendableBox(c)
            EngineParallel.chunks(batches, minimumPerChunk: m * n * k >= BLAS.parallelWork ? batches : 1) { range in
                for index in range {
                    var rest = index, offA = 0, offB = 0
                    for axis in stride(from: batch.count - 1, through: 0, by: -1) {
                        let i = rest % batch[axis]
                        rest /= batch[axis]
                        offA += i * stridesA[axis]
                        offB += i * stridesB[axis]
                    }
                    BLAS.gemm(transA: false, transB: false, m: m, n: n, k: k, a: pa.value + offA * m * k, lda: k,
                              b: pb.value + offB * k * n, ldb: n, c: pc.value + index * m * n, ldc: n)
                }
            }
        }
        let a = self, b = other
        return Tensor.record("matmul", inputs: [a, b], result: result) { g in
            let ga = a.isTracked ? g.matmul(b.detached().transposed()).summed(toShape: a.shape) : nil
            let gb = b.isTracked ? a.detached().transposed().matmul(g).summed(toShape: b.shape) : nil
            return [ga, gb]
        }
    }

    /// `x·Wᵀ + b` over the last axis (PyTorch `F.linear`: `weight` is `[out, in]`).
    ///
    /// The forward product runs as one oneDNN matmul on the engine's threads (``LinearKernel``); the gradients go
    /// through OpenBLAS.
    public func linear(weight: Tensor, bias: Tensor?) -> Tensor {
        precondition(weight.rank == 2 && shape.last == weight.shape[1],
                     "linear: input \(shape) does not match weight \(weight.shape)")
        let inFeatures = weight.shape[1], outFeatures = weight.shape[0]
        let rows = count / Swift.max(inFeatures, 1)
        let result = LinearKernel.forward(self, weight: weight, bias: bias, activation: nil, residual: nil)
        let x = self
        let inputs = bias.map { [x, weight, $0] } ?? [x, weight]
        return Tensor.record("linear", inputs: inputs, result: result) { g in
            let g2 = Tensor(shape: [rows, outFeatures], storage: g.storage)
            var grads: [Tensor?] = []
            grads.append(x.isTracked ? Tensor.filled(x.shape) { out in
                BLAS.gemm(transA: false, transB: false, m: rows, n: inFeatures, k: outFeatures, a: g2.storage.pointer,
                          lda: outFeatures, b: weight.storage.pointer, ldb: inFeatures, c: out.baseAddress!, ldc: inFeatures)
            } : nil)
            grads.append(weight.isTracked ? Tensor.filled(weight.shape) { out in
                BLAS.gemm(transA: true, transB: false, m: outFeatures, n: inFeatures, k: rows, a: g2.storage.pointer,
                          lda: outFeatures, b: x.storage.pointer, ldb: inFeatures, c: out.baseAddress!, ldc: inFeatures)
            } : nil)
            if bias != nil { grads.append(g2.sum(axes: [0])) }
            return grads
        }
    }
}

extension Tensor {
    /// `residual + activation(x·Wᵀ + b)` over the last axis, the pieces of a transformer block that follow a
    /// product: with gradient recording off (or no tracked operand) one oneDNN matmul computes it, the activation
    /// and the addition applied as post-ops while each output tile is still in cache; otherwise the same value is
    /// composed from ``linear(weight:bias:)``, the activation and `+`, recorded for backward.
    /// `residual` has the output's shape. The sum is `residual + product`, in that order (as `x + f(x)`).
    package func linear(weight: Tensor, bias: Tensor?, activation: FusedActivation?, adding residual: Tensor?) -> Tensor {
        let recording = GradMode.isEnabled
            && (isTracked || weight.isTracked || bias?.isTracked == true || residual?.isTracked == true)
        guard recording else {
            precondition(weight.rank == 2 && shape.last == weight.shape[1],
                         "linear: input \(shape) does not match weight \(weight.shape)")
            return LinearKernel.forward(self, weight: weight, bias: bias, activation: activation, residual: residual)
        }
        var y = linear(weight: weight, bias: bias)
        if let activation { y = y.applying(activation) }
        return residual.map { $0 + y } ?? y
    }

    /// The activation a fused kernel would apply, as a recorded operation.
    func applying(_ activation: FusedActivation) -> Tensor {
        switch activation {
        case .relu: relu()
        case let .leakyReLU(slope): leakyRelu(slope: slope)
        case .silu: silu()
        case .gelu: gelu()
        case .quickGELU: quickGelu()
        }
    }
}
