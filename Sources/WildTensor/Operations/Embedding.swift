import Parallelism

extension Tensor {
    /// Rows of an embedding table (PyTorch `F.embedding`): `weight` is `[vocabulary, dim]`; the result has shape
    /// `indexShape + [dim]`. The gradient adds each output row back into its table row (repeated indices add up).
    ///
    /// Indices come from outside (token ids), so a bad one is a thrown error, not a crash.
    public static func embedding(_ indices: [Int], shape indexShape: [Int]? = nil, weight: Tensor) throws -> Tensor {
        guard weight.rank == 2 else { throw TensorError.invalidShape("embedding table \(weight.shape) is not [vocabulary, dim]") }
        let (vocabulary, dim) = (weight.shape[0], weight.shape[1])
        let outerShape = indexShape ?? [indices.count]
        guard outerShape.elementCount == indices.count else {
            throw TensorError.invalidShape("\(indices.count) indices for index shape \(outerShape)")
        }
        if let bad = indices.first(where: { $0 < 0 || $0 >= vocabulary }) {
            throw TensorError.invalidShape("embedding index \(bad) outside 0..<\(vocabulary)")
        }
        let result = Tensor.filled(outerShape + [dim]) { out in
            for (row, index) in indices.enumerated() {
                (out.baseAddress! + row * dim).update(from: weight.storage.pointer + index * dim, count: dim)
            }
        }
        return record("embedding", inputs: [weight], result: result) { g in
            [Tensor.filled([vocabulary, dim]) { grad in
                grad.initialize(repeating: 0)
                for (row, index) in indices.enumerated() {
                    let source = g.storage.pointer + row * dim, target = grad.baseAddress! + index * dim
                    for j in 0..<dim { target[j] += source[j] }
                }
            }]
        }
    }
}
