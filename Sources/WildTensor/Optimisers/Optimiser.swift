/// A first-order optimiser that updates named parameters in place from their gradients (PyTorch
/// `torch.optim.Optimizer` with a single parameter group).
///
/// The parameters are an ordered list of `(name, tensor)` pairs, as `Module.namedParameters()` returns them;
/// the names are the PyTorch state-dict keys and key the optimiser state in checkpoints. A training step is:
///
/// ```swift
/// optimiser.zeroGrad()
/// loss.backward()
/// clipGradientNorm(optimiser.parameters, maxNorm: 1)   // optional
/// optimiser.step()
/// scheduler.step()                                     // optional
/// ```
public protocol Optimiser: TrainingStateful {
    /// The parameters being optimised, in order.
    var parameters: [(name: String, tensor: Tensor)] { get }
    /// The learning rate of the next `step()` (PyTorch `param_groups[0]["lr"]`); schedulers set it.
    var learningRate: Double { get set }
    /// Updates every parameter that has a gradient; parameters whose `grad` is nil are left alone (and their
    /// per-parameter state, step count included, does not advance), as in PyTorch.
    func step()
    /// Clears every parameter's gradient (PyTorch `zero_grad(set_to_none=True)`, the default).
    func zeroGrad()
}

extension Optimiser {
    public func zeroGrad() {
        for (_, tensor) in parameters { tensor.zeroGrad() }
    }
}
