import Foundation

/// A NumPy `.npy` array (format versions 1–3, C order, little-endian) read for comparison with reference outputs.
///
/// Supports the dtypes the fixture generators write: `u1`, `u2`, `i4`, `f4`, `f8`. Values are widened to `Double`.
public struct NPYArray: Sendable {
    public let shape: [Int]
    public let values: [Double]
    public let dtype: String

    public enum Failure: Error, CustomStringConvertible {
        case malformed(String, String)
        public var description: String {
            switch self { case let .malformed(path, why): return "\(path): not a readable .npy file: \(why)" }
        }
    }

    /// Reads `path`.
    public init(path: String) throws {
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        guard bytes.count >= 10, bytes[0] == 0x93, bytes[1...5].elementsEqual("NUMPY".utf8) else {
            throw Failure.malformed(path, "bad magic")
        }
        let major = bytes[6]
        let headerLength: Int
        let headerStart: Int
        if major == 1 {
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
            headerStart = 10
        } else {
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8 | Int(bytes[10]) << 16 | Int(bytes[11]) << 24
            headerStart = 12
        }
        guard let header = String(bytes: bytes[headerStart..<headerStart + headerLength], encoding: .utf8) else {
            throw Failure.malformed(path, "header is not text")
        }
        func field(_ key: String) -> String? {
            guard let r = header.range(of: "'\(key)':") else { return nil }
            return String(header[r.upperBound...]).trimmingCharacters(in: .whitespaces)
        }
        guard let descrField = field("descr"), let q1 = descrField.firstIndex(of: "'"),
              let q2 = descrField[descrField.index(after: q1)...].firstIndex(of: "'") else {
            throw Failure.malformed(path, "no descr")
        }
        let descr = String(descrField[descrField.index(after: q1)..<q2])
        if let order = field("fortran_order"), order.hasPrefix("True") { throw Failure.malformed(path, "Fortran order") }
        guard let shapeField = field("shape"), let open = shapeField.firstIndex(of: "("),
              let close = shapeField.firstIndex(of: ")") else { throw Failure.malformed(path, "no shape") }
        let dims = shapeField[shapeField.index(after: open)..<close]
            .split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        let count = dims.reduce(1, *)
        let body = Array(bytes[(headerStart + headerLength)...])
        let kind = descr.hasPrefix("<") || descr.hasPrefix("|") ? String(descr.dropFirst()) : descr
        func load<T>(_ type: T.Type, _ convert: (T) -> Double) throws -> [Double] {
            guard body.count >= count * MemoryLayout<T>.size else { throw Failure.malformed(path, "short data") }
            return body.withUnsafeBytes { raw in
                (0..<count).map { convert(raw.loadUnaligned(fromByteOffset: $0 * MemoryLayout<T>.size, as: T.self)) }
            }
        }
        switch kind {
        case "u1": values = try load(UInt8.self) { Double($0) }
        case "u2": values = try load(UInt16.self) { Double($0) }
        case "i4": values = try load(Int32.self) { Double($0) }
        case "f4": values = try load(Float.self) { Double($0) }
        case "f8": values = try load(Double.self) { $0 }
        default: throw Failure.malformed(path, "unsupported dtype \(descr)")
        }
        shape = dims
        dtype = kind
    }
}
