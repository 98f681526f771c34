import Foundation

/// A diffusers `config.json` as read by the configurations here: typed fields by key, and errors that name the key
/// and the file (``StableDiffusionError/invalidConfiguration(field:reason:)``).
package struct DiffusersConfig {
    package let json: [String: Any]
    package let file: String

    /// - Throws: ``StableDiffusionError/unreadable(path:reason:)`` for text that is not a JSON object, and an invalid
    ///   configuration when `_class_name` is present and not `className`.
    package init(data: Data, file: String, className: String) throws {
        guard let object = try? JSONSerialization.jsonObject(with: data), let json = object as? [String: Any] else {
            throw StableDiffusionError.unreadable(path: file, reason: "not a JSON object")
        }
        self.json = json
        self.file = file
        if let name = json["_class_name"] as? String, name != className {
            throw invalid("_class_name", "is \(name), not \(className)")
        }
    }

    package func invalid(_ field: String, _ reason: String) -> StableDiffusionError {
        .invalidConfiguration(field: field, reason: "\(reason) (in \(file))")
    }

    /// The whole number at `key`, or `value` when absent (an error when absent without one).
    package func integer(_ key: String, default value: Int? = nil) throws -> Int {
        guard let raw = present(key) else {
            if let value { return value }
            throw invalid(key, "is missing")
        }
        guard let int = Self.integer(raw) else { throw invalid(key, "must be an integer") }
        return int
    }

    /// The number at `key`, or `value` when absent.
    package func number(_ key: String, default value: Double) throws -> Double {
        guard let raw = present(key) else { return value }
        guard let number = Self.number(raw) else { throw invalid(key, "must be a number") }
        return number
    }

    /// The non-empty list of whole numbers at `key` (an error when absent).
    package func integers(_ key: String) throws -> [Int] {
        guard let list = present(key) as? [Any], !list.isEmpty else { throw invalid(key, "must be a non-empty list of integers") }
        return try list.map { value in
            guard let int = Self.integer(value) else { throw invalid(key, "must hold integers") }
            return int
        }
    }

    /// The list of strings at `key`, or nil when absent.
    package func strings(_ key: String) throws -> [String]? {
        guard let raw = present(key) else { return nil }
        guard let list = raw as? [String] else { throw invalid(key, "must be a list of strings") }
        return list
    }

    /// The Boolean at `key`, or `value` when absent.
    package func flag(_ key: String, default value: Bool) throws -> Bool {
        guard let raw = present(key) else { return value }
        guard Self.isBoolean(raw), let flag = raw as? Bool else { throw invalid(key, "must be true or false") }
        return flag
    }

    /// The string at `key`, or nil when absent.
    package func string(_ key: String) -> String? { present(key) as? String }

    /// The value at `key`, nil when absent or JSON null.
    package func present(_ key: String) -> Any? {
        guard let value = json[key], !(value is NSNull) else { return nil }
        return value
    }

    /// Whether a parsed JSON value is `true` or `false`. `value is Bool` cannot tell: Foundation bridges every
    /// NSNumber to Bool, so 0 and 1 would pass for booleans; JSON booleans are the NSNumbers of type "c".
    package static func isBoolean(_ value: Any) -> Bool {
        guard let number = value as? NSNumber else { return value is Bool }
        return String(cString: number.objCType) == "c"
    }

    /// A JSON number as a Double (JSONSerialization gives Int, Double or NSNumber depending on the platform); nil for
    /// booleans and everything else.
    package static func number(_ value: Any) -> Double? {
        if isBoolean(value) { return nil }
        if let int = value as? Int { return Double(int) }
        if let double = value as? Double { return double }
        return (value as? NSNumber)?.doubleValue
    }

    /// A JSON number that is a whole number.
    package static func integer(_ value: Any) -> Int? {
        guard let double = number(value), double.rounded() == double, abs(double) < 1e15 else { return nil }
        return Int(double)
    }
}
