import Checkpoints
import Foundation

/// Conversions and checks shared by the `TrainingStateful` components.
enum StateCoding {
    /// A Float32 record of `tensor`'s values (a copy).
    static func stored(_ tensor: Tensor) -> StoredTensor {
        tensor.withUnsafeBufferPointer { buffer in
            // The byte count matches the shape by construction.
            try! StoredTensor(shape: tensor.shape, elementType: .float32, bytes: Data(buffer: buffer))
        }
    }

    /// A rank-0 Int64 record (step counts: exact, unlike PyTorch's float32 `step`).
    static func stored(_ value: Int) -> StoredTensor {
        withUnsafeBytes(of: Int64(value).littleEndian) { try! StoredTensor(shape: [], elementType: .int64, bytes: Data($0)) }
    }

    /// A new tensor with the values of a validated Float32 record.
    static func tensor(_ stored: StoredTensor) -> Tensor {
        Tensor(shape: stored.shape, values: stored.floatValues())
    }

    /// The value of a validated rank-0 Int64 record.
    static func integer(_ stored: StoredTensor) -> Int {
        Int(Int64(littleEndian: stored.bytes.withUnsafeBytes { $0.loadUnaligned(as: Int64.self) }))
    }

    /// A Double as metadata text: Swift's shortest representation that reads back to the same value.
    static func text(_ value: Double) -> String { "\(value)" }

    /// What a component expects of one saved tensor.
    struct Expected {
        let shape: [Int]
        let elementType: StoredElementType
        /// Why it has this shape, for messages ("parameter 'head.weight'").
        let owner: String
    }

    /// Checks saved tensors against the expected ones and throws one `stateMismatch` listing every problem.
    ///
    /// - Parameters:
    ///   - component: the component's name, for the message ("Adam", "ExponentialMovingAverage").
    ///   - groups: names that must be present together (the entries of one parameter); a group may be
    ///     entirely absent only if `optionalGroups` is true.
    static func validate(
        _ component: String, tensors: [String: StoredTensor], expected: [String: Expected], groups: [[String]],
        optionalGroups: Bool
    ) throws {
        var problems: [String] = []
        let unexpected = tensors.keys.filter { expected[$0] == nil }.sorted()
        if !unexpected.isEmpty {
            problems.append("unexpected entries (\(unexpected.count)), not state of any current parameter: " + list(unexpected))
        }
        var missing: [String] = []
        for group in groups {
            let present = group.filter { tensors[$0] != nil }
            if present.isEmpty && optionalGroups { continue }
            missing += group.filter { tensors[$0] == nil }
        }
        if !missing.isEmpty { problems.append("missing entries (\(missing.count)): " + list(missing)) }
        var wrong: [String] = []
        for (name, saved) in tensors.sorted(by: { $0.key < $1.key }) {
            guard let want = expected[name] else { continue }
            if saved.shape != want.shape {
                wrong.append("'\(name)' is \(saved.shape) but \(want.owner) is \(want.shape)")
            } else if saved.elementType != want.elementType {
                wrong.append("'\(name)' is \(saved.elementType.rawValue), expected \(want.elementType.rawValue)")
            }
        }
        if !wrong.isEmpty { problems.append("wrong shape or type (\(wrong.count)): " + list(wrong)) }
        if !problems.isEmpty {
            throw TensorError.stateMismatch("\(component): " + problems.joined(separator: "; "))
        }
    }

    /// Checks that the saved metadata is for `type` and that its configuration equals the current one.
    static func checkConfiguration(_ component: String, metadata: [String: String], type: String, configuration: [String: String]) throws {
        guard let saved = metadata["type"] else {
            throw TensorError.stateMismatch("\(component): the saved state has no 'type' entry (not written by \(type))")
        }
        guard saved == type else { throw TensorError.stateMismatch("\(component): the saved state is for \(saved), not \(type)") }
        var differences: [String] = []
        for (key, value) in configuration.sorted(by: { $0.key < $1.key }) {
            guard let savedValue = metadata[key] else { differences.append("\(key) absent from the saved state"); continue }
            if savedValue != value { differences.append("\(key) saved \(savedValue), configured \(value)") }
        }
        if !differences.isEmpty {
            throw TensorError.stateMismatch(
                "\(component): the saved configuration differs (" + differences.joined(separator: "; ")
                    + "); configure the component as it was when saved, load, then change settings deliberately")
        }
    }

    /// An integer metadata entry.
    static func integer(_ component: String, _ metadata: [String: String], _ key: String) throws -> Int {
        guard let text = metadata[key], let value = Int(text), value >= 0 else {
            throw TensorError.stateMismatch("\(component): metadata '\(key)' is \(metadata[key].map { "'\($0)'" } ?? "absent"), expected a count")
        }
        return value
    }

    /// A floating-point metadata entry.
    static func double(_ component: String, _ metadata: [String: String], _ key: String) throws -> Double {
        guard let text = metadata[key], let value = Double(text) else {
            throw TensorError.stateMismatch("\(component): metadata '\(key)' is \(metadata[key].map { "'\($0)'" } ?? "absent"), expected a number")
        }
        return value
    }

    /// Precondition: names are unique and no tensor appears twice.
    static func checkUnique(_ parameters: [(name: String, tensor: Tensor)], _ component: String) {
        var names = Set<String>(), tensors = Set<ObjectIdentifier>()
        for (name, tensor) in parameters {
            precondition(names.insert(name).inserted, "\(component): parameter name '\(name)' appears twice")
            precondition(tensors.insert(ObjectIdentifier(tensor)).inserted, "\(component): parameter '\(name)' is listed twice under different names")
        }
    }

    static func list(_ items: [String]) -> String {
        items.count <= 8 ? items.joined(separator: ", ") : items.prefix(8).joined(separator: ", ") + ", … (\(items.count - 8) more)"
    }
}
