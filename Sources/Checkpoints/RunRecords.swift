import Foundation

/// How a training run stores its records (step records, validation reports) as JSON text, in its log and in its
/// checkpoint's metadata: sorted keys, and non-finite numbers as the strings "inf", "-inf" and "nan" (JSON has no
/// such numbers, and a diverging run must still be recorded).
public enum RunRecords {
    /// The encoder runs use.
    public static var encoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return encoder
    }

    /// `value` as JSON text.
    public static func text<Value: Encodable>(_ value: Value) throws -> String {
        String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    /// The value `text` holds, or nil when there is no text or it does not decode.
    public static func value<Value: Decodable>(_ type: Value.Type, from text: String?) -> Value? {
        guard let text else { return nil }
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return try? decoder.decode(type, from: Data(text.utf8))
    }
}
