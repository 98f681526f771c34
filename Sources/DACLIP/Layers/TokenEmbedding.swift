import WildTensor

/// A table of token vectors, PyTorch `nn.Embedding(vocabulary, width)` (`weight` `[vocabulary, width]`, initialised
/// N(0, 0.02²) as OpenCLIP's `TextTransformer.init_parameters`).
public final class TokenEmbedding: Module {
    public let weight: Tensor

    public init(vocabulary: Int, width: Int, generator: inout TensorRandom) {
        weight = generator.normal([vocabulary, width]) * 0.02
        weight.requiresGrad = true
    }

    /// The rows of `ids` (each in `0..<vocabulary`) as `[batch, length, width]`.
    /// - Throws: ``DACLIPError/invalidInput(_:)`` for an id outside the table.
    public func callAsFunction(_ ids: [Int], batch: Int, length: Int) throws -> Tensor {
        do {
            return try Tensor.embedding(ids, shape: [batch, length], weight: weight)
        } catch {
            throw DACLIPError.invalidInput("token ids: \(error)")
        }
    }
}
