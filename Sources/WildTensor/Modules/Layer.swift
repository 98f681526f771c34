/// A module with a single input and output (what `Sequential` chains).
public protocol UnaryLayer: Module {
    func callAsFunction(_ x: Tensor) -> Tensor
}

/// Layers applied in order, numbered `0, 1, 2, …` in the state dict as `nn.Sequential`.
public final class Sequential: Module, UnaryLayer {
    public let layers: [Module]
    private let calls: [(Tensor) -> Tensor]

    public init(_ layers: [any UnaryLayer]) {
        self.layers = layers
        self.calls = layers.map { layer in { layer($0) } }
    }

    public func callAsFunction(_ x: Tensor) -> Tensor { calls.reduce(x) { $1($0) } }

    override public func namedChildren() -> [(key: String, module: Module)] {
        layers.enumerated().map { ("\($0.offset)", $0.element) }
    }
}

/// `y = x·Wᵀ + b` (PyTorch `nn.Linear`: `weight` is `[out, in]`, initialised U(−1/√in, 1/√in)).
public final class Linear: Module, UnaryLayer {
    public let weight: Tensor
    public let bias: Tensor?

    public init(_ inFeatures: Int, _ outFeatures: Int, bias: Bool = true, generator: inout TensorRandom) {
        let bound = 1 / Float(inFeatures).squareRoot()
        weight = generator.uniform([outFeatures, inFeatures], bound: bound)
        self.bias = bias ? generator.uniform([outFeatures], bound: bound) : nil
    }

    public func callAsFunction(_ x: Tensor) -> Tensor { x.linear(weight: weight, bias: bias) }
}
