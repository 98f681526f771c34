import Checkpoints

/// The tensors of an official DA-CLIP checkpoint with its two key conventions resolved, as the official loader
/// (`open_clip.factory.load_state_dict`) and the model's module tree make them:
///
/// - A `module.` prefix (DDP training, `multi_train.sh`) is removed when the **first** key starts with "module", as
///   the official loader decides it.
/// - `visual.*` is the alias of `clip.visual.*` (one module registered twice): official files hold both sets with the
///   same values. Both sets, or either one alone (a file saved without the alias), are accepted; the result names
///   them `clip.visual.*` only. When both are present they must agree tensor for tensor.
public struct DACLIPStateDict {
    /// Which of the aliased sets the file held.
    public enum VisualCopies: Equatable, Sendable {
        /// `visual.*` and `clip.visual.*`, identical (the official `state_dict()`).
        case both
        /// Only `clip.visual.*` (WildIR's own files, or deduplicating writers).
        case clipVisualOnly
        /// Only `visual.*`.
        case visualOnly
        /// Neither (not a DA-CLIP state dict; strict loading will say what is missing).
        case neither
    }

    /// The tensors under the model's names (`clip.visual.*` once, no `module.` prefix).
    public let tensors: [String: StoredTensor]
    /// Whether a `module.` prefix was removed.
    public let strippedModulePrefix: Bool
    public let visualCopies: VisualCopies
    /// The file's own name of each key that was renamed from the `visual.*` alias (for messages).
    let sourceNames: [String: String]

    static let aliasPrefix = "visual.", clipVisualPrefix = "clip.visual.", modulePrefix = "module."

    /// The tensors by key, DDP's `module.` prefix removed when the **first** key starts with "module", as the official
    /// loader (`open_clip.factory.load_state_dict`) decides it; shared by DA-CLIP and plain OpenCLIP files.
    /// - Throws: ``DACLIPError/unrecognisedStateDict(file:reason:)`` when two keys coincide once the prefix is removed.
    public static func removingModulePrefix(_ named: [(name: String, tensor: StoredTensor)], file: String) throws -> [String: StoredTensor] {
        let strip = removesModulePrefix(named)
        var flat: [String: StoredTensor] = [:]
        for (name, tensor) in named {
            let key = strip && name.hasPrefix(modulePrefix) ? String(name.dropFirst(modulePrefix.count)) : name
            guard flat.updateValue(tensor, forKey: key) == nil else {
                throw DACLIPError.unrecognisedStateDict(file: file, reason: "the key '\(key)' appears twice once the 'module.' prefix is removed")
            }
        }
        return flat
    }

    /// Whether ``removingModulePrefix(_:file:)`` removes the prefix: the first key starts with "module".
    static func removesModulePrefix(_ named: [(name: String, tensor: StoredTensor)]) -> Bool {
        named.first?.name.hasPrefix("module") ?? false
    }

    /// Resolves the named tensors of a checkpoint; `file` names it in errors.
    /// - Throws: ``DACLIPError/aliasMismatch(file:keys:)`` when `visual.*` and `clip.visual.*` differ (in a value,
    ///   a shape, or a key present in one set only), ``DACLIPError/unrecognisedStateDict(file:reason:)`` when two
    ///   keys coincide once the prefix is removed.
    public init(_ named: [(name: String, tensor: StoredTensor)], file: String) throws {
        var flat = try Self.removingModulePrefix(named, file: file)
        var alias: [String: StoredTensor] = [:], clipVisual: Set<String> = []
        for (key, tensor) in flat {
            if key.hasPrefix(Self.aliasPrefix) {
                alias[String(key.dropFirst(Self.aliasPrefix.count))] = tensor
            } else if key.hasPrefix(Self.clipVisualPrefix) {
                clipVisual.insert(String(key.dropFirst(Self.clipVisualPrefix.count)))
            }
        }
        var sourceNames: [String: String] = [:], differing: [String] = []
        for (suffix, tensor) in alias {
            flat[Self.aliasPrefix + suffix] = nil
            let key = Self.clipVisualPrefix + suffix
            if let original = flat[key] {
                if !Self.identical(original, tensor) { differing.append(Self.aliasPrefix + suffix) }
            } else if clipVisual.isEmpty {
                flat[key] = tensor
                sourceNames[key] = Self.aliasPrefix + suffix
            } else {
                differing.append("\(Self.aliasPrefix + suffix) (no \(key))")
            }
        }
        if !alias.isEmpty {
            for suffix in clipVisual where alias[suffix] == nil {
                differing.append("\(Self.clipVisualPrefix + suffix) (no \(Self.aliasPrefix + suffix))")
            }
        }
        guard differing.isEmpty else { throw DACLIPError.aliasMismatch(file: file, keys: differing.sorted()) }
        tensors = flat
        strippedModulePrefix = Self.removesModulePrefix(named)
        self.sourceNames = sourceNames
        switch (alias.isEmpty, clipVisual.isEmpty) {
        case (false, false): visualCopies = .both
        case (true, false): visualCopies = .clipVisualOnly
        case (false, true): visualCopies = .visualOnly
        case (true, true): visualCopies = .neither
        }
    }

    /// Same shape and values (same bytes, or the same numbers in another element type).
    static func identical(_ a: StoredTensor, _ b: StoredTensor) -> Bool {
        guard a.shape == b.shape else { return false }
        if a == b { return true }
        return a.doubleValues() == b.doubleValues()
    }
}
