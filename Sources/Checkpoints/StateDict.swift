extension TorchCheckpoint {
    /// The wrapper keys under which training frameworks store a model's weights, most preferred first: BasicSR's
    /// `params_ema` (the averaged weights, the ones to restore with) and `params`, then `state_dict` and `model`.
    public static let stateDictKeys = ["params_ema", "params", "state_dict", "model"]

    /// The model's weights as a flat, ordered list of named tensors.
    ///
    /// The first of `keys` whose value is a dictionary of tensors wins; failing that, the root itself if it is one
    /// (a plain `model.state_dict()`). Nested dictionaries of tensors are flattened with dots (`{"encoder":
    /// {"conv": {"weight": …}}}` gives `encoder.conv.weight`), in the saved order.
    public func stateDict(preferring keys: [String] = TorchCheckpoint.stateDictKeys) throws -> [(name: String, tensor: StoredTensor)] {
        for key in keys {
            if let value = root[key], let tensors = try Self.flatten(value, file: name) { return tensors }
        }
        if let tensors = try Self.flatten(root, file: name) { return tensors }
        let found: String
        if case let .dict(entries) = root {
            let shown = entries.prefix(12).map { if case let .string(s) = $0.key { "'\(s)'" } else { $0.key.kindName } }
            found = "a dict with keys " + shown.joined(separator: ", ") + (entries.count > 12 ? ", …" : "")
        } else {
            found = "a \(root.kindName)"
        }
        throw CheckpointError.unsupported(
            file: name, detail: "no dictionary of tensors at the top level or under \(keys.joined(separator: ", ")); the checkpoint holds \(found)")
    }

    /// Most dictionary entries visited while flattening (a hostile pickle can share one dictionary many times).
    static let maximumFlattenedEntries = 1 << 20

    /// The tensors of `value` when it is a non-empty dictionary whose leaves are all tensors under string keys.
    static func flatten(_ value: PickleValue, file: String) throws -> [(name: String, tensor: StoredTensor)]? {
        guard case let .dict(top) = value else { return nil }
        var out: [(name: String, tensor: StoredTensor)] = []
        var visited = 0
        // Depth first with an explicit stack (no recursion): the entries still to visit at each level.
        var pending: [(entries: ArraySlice<PickleValue.Entry>, prefix: String)] = [(top[...], "")]
        while let (entries, prefix) = pending.popLast() {
            guard let entry = entries.first else { continue }
            pending.append((entries.dropFirst(), prefix))
            visited += 1
            guard visited <= maximumFlattenedEntries else {
                throw CheckpointError.malformed(file: file, detail: "the state dict has more than \(maximumFlattenedEntries) entries")
            }
            guard case let .string(key) = entry.key else { return nil }
            let name = prefix.isEmpty ? key : prefix + "." + key
            switch entry.value {
            case let .tensor(t): out.append((name, t))
            case let .dict(inner): pending.append((inner[...], name))
            default: return nil
            }
        }
        guard !out.isEmpty else { return nil }
        var seen = Set<String>()
        for (name, _) in out where !seen.insert(name).inserted {
            throw CheckpointError.malformed(file: file, detail: "the state dict names '\(name)' twice once nested keys are joined with dots")
        }
        return out
    }
}
