/// 2-D convolution layer (PyTorch `nn.Conv2d`): `weight` `[out, in/groups, k, k]`, optional `bias` `[out]`,
/// initialised U(−1/√fan_in, 1/√fan_in) as PyTorch's default (kaiming-uniform with a = √5).
public final class Conv2d: Module, UnaryLayer {
    public let weight: Tensor
    public let bias: Tensor?
    public let stride: Int
    public let padding: Int
    public let groups: Int

    public init(_ inChannels: Int, _ outChannels: Int, kernelSize: Int, stride: Int = 1, padding: Int = 0,
                groups: Int = 1, bias: Bool = true, generator: inout TensorRandom) {
        precondition(inChannels % groups == 0 && outChannels % groups == 0, "Conv2d: channels not divisible by groups")
        let fanIn = inChannels / groups * kernelSize * kernelSize
        let bound = 1 / Float(fanIn).squareRoot()
        weight = generator.uniform([outChannels, inChannels / groups, kernelSize, kernelSize], bound: bound)
        self.bias = bias ? generator.uniform([outChannels], bound: bound) : nil
        self.stride = stride
        self.padding = padding
        self.groups = groups
    }

    public func callAsFunction(_ x: Tensor) -> Tensor {
        x.conv2d(weight: weight, bias: bias, stride: (stride, stride), padding: .symmetric(padding, padding), groups: groups)
    }
}
