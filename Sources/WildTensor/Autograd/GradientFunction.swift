/// The recorded step that produced a tensor: its inputs and how to turn the output's gradient into theirs.
///
/// This is one entry of the reverse-mode tape. The closure captures whatever the forward pass saved; running
/// `backward()` releases it, which frees those saved intermediates.
final class GradientFunction {
    /// Operation name for diagnostics ("conv2d", "add", …).
    let name: String
    /// The inputs, in the order the closure returns their gradients.
    let inputs: [Tensor]
    /// Maps the output gradient to one gradient per input (nil where an input needs none).
    private(set) var backward: ((Tensor) -> [Tensor?])?

    init(name: String, inputs: [Tensor], backward: @escaping (Tensor) -> [Tensor?]) {
        self.name = name
        self.inputs = inputs
        self.backward = backward
    }

    func release() { backward = nil }
}

extension Tensor {
    /// Builds the result of an operation, recording `backward` when gradient mode is on and an input is tracked.
    ///
    /// - Parameters:
    ///   - name: the operation, for error messages.
    ///   - inputs: the operands whose gradients `backward` returns, in order.
    ///   - result: the forward output (untracked).
    ///   - backward: output gradient → input gradients; it runs with recording off.
    static func record(_ name: String, inputs: [Tensor], result: Tensor, backward: @escaping (Tensor) -> [Tensor?]) -> Tensor {
        guard GradMode.isEnabled, inputs.contains(where: \.isTracked) else { return result }
        result.gradFunction = GradientFunction(name: name, inputs: inputs, backward: backward)
        return result
    }

    /// Backpropagates from this tensor, accumulating into the `grad` of every leaf that requires it.
    ///
    /// - Parameters:
    ///   - gradient: the gradient of the objective with respect to this tensor; defaults to ones, which for a
    ///     scalar loss is d loss / d loss.
    ///   - retainGraph: keep the recorded functions (and their saved tensors) for another backward pass.
    public func backward(_ gradient: Tensor? = nil, retainGraph: Bool = false) {
        let seed = gradient ?? Tensor(shape: shape, repeating: 1)
        precondition(seed.shape == shape, "backward: gradient of shape \(seed.shape) for a tensor of shape \(shape)")
        // Order the graph so each function runs after every consumer of its output has contributed.
        var order: [Tensor] = []
        var visited = Set<ObjectIdentifier>()
        var stack: [(Tensor, Bool)] = [(self, false)]
        while let (tensor, expanded) = stack.popLast() {
            if expanded { order.append(tensor); continue }
            guard visited.insert(ObjectIdentifier(tensor)).inserted else { continue }
            stack.append((tensor, true))
            for input in tensor.gradFunction?.inputs ?? [] where input.isTracked && !visited.contains(ObjectIdentifier(input)) {
                stack.append((input, false))
            }
        }
        var pending: [ObjectIdentifier: Tensor] = [ObjectIdentifier(self): seed]
        withNoGrad {
            for tensor in order.reversed() {
                guard let upstream = pending.removeValue(forKey: ObjectIdentifier(tensor)) else { continue }
                guard let function = tensor.gradFunction else {
                    if tensor.requiresGrad { tensor.accumulateGrad(upstream) }
                    continue
                }
                guard let step = function.backward else {
                    preconditionFailure("backward: the graph through '\(function.name)' was already released; pass retainGraph: true to the first backward")
                }
                let grads = step(upstream)
                for (input, grad) in zip(function.inputs, grads) {
                    guard let grad, input.isTracked else { continue }
                    precondition(grad.shape == input.shape, "backward of \(function.name): gradient \(grad.shape) for input \(input.shape)")
                    let key = ObjectIdentifier(input)
                    if let existing = pending[key] { pending[key] = existing + grad } else { pending[key] = grad }
                }
                if !retainGraph { function.release() }
            }
        }
    }

    /// Adds `g` into `grad` (allocating it on first use).
    func accumulateGrad(_ g: Tensor) {
        guard let existing = grad else { grad = g.copy(); return }
        let dst = existing.storage.pointer, src = g.storage.pointer
        for i in 0..<count { dst[i] += src[i] }
    }

    /// Clears the accumulated gradient.
    public func zeroGrad() { grad = nil }
}
