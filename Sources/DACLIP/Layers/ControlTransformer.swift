import WildTensor

/// DA-CLIP's controller trunk, `ControlTransformer` (daclip-uir `open_clip/transformer.py`): a copy of the image
/// tower's `Transformer` (`transformer.resblocks.{i}`) and one zero-initialised `Linear(W, W)` with bias per block
/// (`zero_modules.{i}`, the "zero modules" of ControlNet, Zhang et al. 2023).
///
/// After block i it records the control `z_i(x_i)` of the block's output `x_i` (all tokens, class token included).
/// The control is **not** added back into the controller's own stream (the official `# x = x + zx`).
public final class ControlTransformer: Module {
    public let transformer: Transformer
    public let zeroModules: [Linear]

    /// A controller over `transformer` (the copy it owns) with zero modules of its width.
    public init(_ transformer: Transformer, generator: inout TensorRandom) {
        self.transformer = transformer
        let width = transformer.width
        zeroModules = transformer.resblocks.map { _ in
            let layer = Linear(width, width, generator: &generator)
            for p in layer.parameters() { p.withUnsafeMutableBufferPointer { $0.update(repeating: 0) } }
            return layer
        }
    }

    /// The blocks over `x` `[B, L, W]`: the final stream and the controls `[z_0(x_0), …, z_{L−1}(x_{L−1})]` in block
    /// order. `residuals`, when given, are added after each block as in ``Transformer`` (unused by DA-CLIP).
    public func callAsFunction(_ x: Tensor, mask: Tensor? = nil, adding residuals: [Tensor]? = nil)
        -> (output: Tensor, controls: [Tensor]) {
        precondition(residuals == nil || residuals?.count == zeroModules.count,
                     "ControlTransformer: \(residuals?.count ?? 0) residuals for \(zeroModules.count) blocks")
        var h = x
        var controls: [Tensor] = []
        controls.reserveCapacity(zeroModules.count)
        for (i, (block, zero)) in zip(transformer.resblocks, zeroModules).enumerated() {
            h = block(h, mask: mask)
            controls.append(zero(h))
            if let residuals { h = h + residuals[i] }
        }
        return (h, controls)
    }
}
