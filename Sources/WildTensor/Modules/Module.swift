import Checkpoints

/// A layer or network whose parameters form a named tree with PyTorch `state_dict` keys.
///
/// Subclasses declare their parameters as stored `Tensor` properties and their sub-layers as stored `Module`,
/// `Module?` or `[Module]` properties; nothing else is needed. Discovery uses reflection, and a property's key is
/// its name in snake_case (`initConv` → `init_conv`, `block1` → `block1`), so a Swift port of a PyTorch model
/// that keeps the PyTorch attribute names gets identical keys (`downs.0.1.block1.proj.weight`). Arrays number
/// their elements as `nn.ModuleList`/`nn.Sequential` do. Override `stateKey(forProperty:)` where a name cannot
/// follow that rule, and return nil from it to hide a property.
open class Module {
    /// Training or evaluation mode (`train()` / `eval()` in PyTorch); layers such as dropout consult it.
    public private(set) var isTraining = true

    public init() {}

    /// The key under which a stored property appears in the state dict (nil hides it).
    open func stateKey(forProperty name: String) -> String? { Module.snakeCase(name) }

    /// Direct sub-modules with their keys, in declaration order.
    open func namedChildren() -> [(key: String, module: Module)] {
        var out: [(String, Module)] = []
        forEachStoredProperty { key, value in
            switch value {
            case let module as Module: out.append((key, module))
            case let list as [Module]: for (i, m) in list.enumerated() { out.append(("\(key).\(i)", m)) }
            default: break
            }
        }
        return out
    }

    /// Parameters declared directly on this module (not its children).
    public func ownParameters() -> [(key: String, tensor: Tensor)] {
        var out: [(String, Tensor)] = []
        forEachStoredProperty { key, value in
            if let tensor = value as? Tensor { out.append((key, tensor)) }
        }
        return out
    }

    /// Every parameter in the tree with its full dotted key, in PyTorch's registration order (a module's own
    /// parameters first, then each child's).
    public func namedParameters() -> [(name: String, tensor: Tensor)] {
        var out: [(name: String, tensor: Tensor)] = ownParameters().map { ($0.key, $0.tensor) }
        for (key, child) in namedChildren() {
            out += child.namedParameters().map { ("\(key).\($0.name)", $0.tensor) }
        }
        return out
    }

    /// The parameters alone.
    public func parameters() -> [Tensor] { namedParameters().map(\.tensor) }

    /// Number of scalar parameters.
    public var parameterCount: Int { parameters().reduce(0) { $0 + $1.count } }

    /// Switches this module and every descendant to training (`true`) or evaluation mode.
    public func train(_ on: Bool = true) {
        isTraining = on
        for (_, child) in namedChildren() { child.train(on) }
    }

    /// Evaluation mode (PyTorch `eval()`).
    public func eval() { train(false) }

    /// Clears every parameter's gradient.
    public func zeroGrad() { for p in parameters() { p.zeroGrad() } }

    /// Makes every parameter require (or not require) gradients.
    public func setRequiresGrad(_ on: Bool) { for p in parameters() { p.requiresGrad = on } }

    /// Copies values from a state dict into the parameters, checking names and shapes.
    ///
    /// - Parameters:
    ///   - state: name → stored tensor (fp16/bf16/fp64 are converted to Float32).
    ///   - strict: when true, keys of the model missing from `state` and keys of `state` unknown to the model
    ///     are errors (PyTorch `strict=True`); shape mismatches are always errors.
    /// - Throws: `TensorError.stateDictMismatch` listing every problem at once; nothing is modified then.
    public func loadStateDict(_ state: [String: StoredTensor], strict: Bool = true) throws {
        let params = namedParameters()
        let known = Set(params.map(\.name))
        var missing: [String] = [], wrongShape: [String] = []
        for (name, tensor) in params {
            guard let stored = state[name] else { missing.append(name); continue }
            // Shapes must match exactly, as PyTorch's `load_state_dict` requires.
            if stored.shape != tensor.shape {
                wrongShape.append("\(name) (model \(tensor.shape), file \(stored.shape))")
            }
        }
        let unexpected = state.keys.filter { !known.contains($0) }.sorted()
        if !wrongShape.isEmpty || (strict && (!missing.isEmpty || !unexpected.isEmpty)) {
            throw TensorError.stateDictMismatch(missing: strict ? missing : [], unexpected: strict ? unexpected : [],
                                                wrongShape: wrongShape)
        }
        // Converted straight into the parameters' buffers (no intermediate array: a ViT-L-14 DA-CLIP is 3 GB).
        for (name, tensor) in params {
            guard let stored = state[name] else { continue }
            tensor.withUnsafeMutableBufferPointer { stored.copyFloatValues(into: $0) }
        }
    }

    /// The parameters as stored Float32 tensors, in registration order (for safetensors files).
    public func stateDict() -> [(name: String, tensor: StoredTensor)] {
        namedParameters().compactMap { name, tensor in
            (try? StoredTensor(shape: tensor.shape, float32: tensor.values)).map { (name, $0) }
        }
    }

    // MARK: Reflection

    private func forEachStoredProperty(_ body: (String, Any) -> Void) {
        var mirrors: [Mirror] = []
        var mirror: Mirror? = Mirror(reflecting: self)
        while let m = mirror { mirrors.append(m); mirror = m.superclassMirror }
        // Base classes first, so inherited parameters come before a subclass's own (as PyTorch registers them).
        for m in mirrors.reversed() {
            for child in m.children {
                guard let label = child.label, let key = stateKey(forProperty: label) else { continue }
                if case Optional<Any>.none = child.value as Any? { continue }
                body(key, Module.unwrapOptional(child.value))
            }
        }
    }

    private static func unwrapOptional(_ value: Any) -> Any {
        let mirror = Mirror(reflecting: value)
        guard mirror.displayStyle == .optional else { return value }
        return mirror.children.first?.value ?? value
    }

    /// `initConv` → `init_conv`, `toQKV` → `to_qkv`; digits stay attached (`block1`).
    static func snakeCase(_ name: String) -> String {
        var out = ""
        let chars = Array(name)
        for (i, c) in chars.enumerated() {
            if c.isUppercase {
                let previousIsLower = i > 0 && (chars[i - 1].isLowercase || chars[i - 1].isNumber)
                let nextIsLower = i + 1 < chars.count && chars[i + 1].isLowercase
                let previousIsUpper = i > 0 && chars[i - 1].isUppercase
                if i > 0 && (previousIsLower || (previousIsUpper && nextIsLower)) { out.append("_") }
                out.append(Character(c.lowercased()))
            } else {
                out.append(c)
            }
        }
        return out
    }
}
