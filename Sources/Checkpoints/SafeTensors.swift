import Foundation

/// The safetensors format (Hugging Face): an 8-byte little-endian header length, a JSON header mapping names to
/// `{dtype, shape, data_offsets}` plus an optional `__metadata__` string map, then the raw data.
///
/// Reading memory-maps the file; writing is atomic (temporary file, then rename), so an interrupted write never
/// leaves a half-written checkpoint under the final name.
public struct SafeTensorsFile: Sendable {
    /// The tensors, by name.
    public let tensors: [String: StoredTensor]
    /// Names in the order of their data in the file.
    public let names: [String]
    /// The free-form `__metadata__` string map.
    public let metadata: [String: String]

    /// Largest header this reader accepts (the format's own limit is 100 MB).
    static let maximumHeaderBytes = 100_000_000

    /// Reads a safetensors file.
    public init(contentsOf url: URL) throws {
        let data = try CheckpointError.mappedContents(of: url)
        try self.init(data: data, name: url.path)
    }

    /// Parses safetensors bytes; `name` appears in error messages.
    public init(data: Data, name: String = "<memory>") throws {
        func bad(_ detail: String) -> CheckpointError { .malformed(file: name, detail: detail) }
        guard data.count >= 8 else { throw bad("file is \(data.count) bytes, shorter than the 8-byte header length") }
        let headerLength = data.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(fromByteOffset: 0, as: UInt64.self)) }
        guard headerLength <= UInt64(Self.maximumHeaderBytes), 8 + Int(headerLength) <= data.count else {
            throw bad("header length \(headerLength) exceeds the file (\(data.count) bytes)")
        }
        let start = data.startIndex
        let headerBytes = data[(start + 8)..<(start + 8 + Int(headerLength))]
        guard let header = try? JSONSerialization.jsonObject(with: headerBytes) as? [String: Any] else {
            throw bad("header is not a JSON object")
        }
        let body = data[(start + 8 + Int(headerLength))...]
        var tensors: [String: StoredTensor] = [:]
        var spans: [(name: String, begin: Int)] = []
        var metadata: [String: String] = [:]
        var ranges: [(Int, Int)] = []
        for (key, value) in header {
            if key == "__metadata__" {
                guard let map = value as? [String: Any] else { throw bad("__metadata__ is not an object") }
                for (k, v) in map {
                    guard let text = v as? String else { throw bad("__metadata__ value for '\(k)' is not a string") }
                    metadata[k] = text
                }
                continue
            }
            guard let entry = value as? [String: Any],
                  let dtypeName = entry["dtype"] as? String,
                  let shapeValues = entry["shape"] as? [Any],
                  let offsetValues = entry["data_offsets"] as? [Any], offsetValues.count == 2 else {
                throw bad("entry '\(key)' lacks dtype, shape or data_offsets")
            }
            guard let elementType = StoredElementType(rawValue: dtypeName) else {
                throw CheckpointError.unsupported(file: name, detail: "tensor '\(key)' has dtype \(dtypeName)")
            }
            let shape = try shapeValues.map { v -> Int in
                guard let n = (v as? NSNumber)?.intValue, n >= 0, n <= Int(Int32.max) else { throw bad("tensor '\(key)' has a bad shape") }
                return n
            }
            guard let begin = (offsetValues[0] as? NSNumber)?.intValue, let end = (offsetValues[1] as? NSNumber)?.intValue,
                  begin >= 0, begin <= end, end <= body.count else {
                throw bad("tensor '\(key)' has data offsets outside the file")
            }
            let (count, overflow) = shape.reduce((1, false)) { acc, d in
                let (p, o) = acc.0.multipliedReportingOverflow(by: d)
                return (p, acc.1 || o)
            }
            guard !overflow, count.multipliedReportingOverflow(by: elementType.byteCount) == (end - begin, false) else {
                throw bad("tensor '\(key)' of shape \(shape) \(dtypeName) does not fit its \(end - begin) data bytes")
            }
            let slice = body[(body.startIndex + begin)..<(body.startIndex + end)]
            tensors[key] = try StoredTensor(shape: shape, elementType: elementType, bytes: slice)
            spans.append((key, begin))
            ranges.append((begin, end))
        }
        ranges.sort { $0.0 < $1.0 }
        for i in ranges.indices.dropFirst() where ranges[i].0 < ranges[i - 1].1 {
            throw bad("tensor data ranges overlap")
        }
        self.tensors = tensors
        self.names = spans.sorted { ($0.begin, $0.name) < ($1.begin, $1.name) }.map(\.name)
        self.metadata = metadata
    }

    /// The named tensor, or a `missingTensor` error naming the file.
    public func tensor(_ name: String, file: String = "<safetensors>") throws -> StoredTensor {
        guard let t = tensors[name] else { throw CheckpointError.missingTensor(file: file, name: name) }
        return t
    }

    /// Serialises tensors (in the given order) and metadata to safetensors bytes.
    public static func encode(_ tensors: [(name: String, tensor: StoredTensor)], metadata: [String: String] = [:]) throws -> Data {
        var header: [String: Any] = [:]
        if !metadata.isEmpty { header["__metadata__"] = metadata }
        var offset = 0
        for (name, tensor) in tensors {
            guard name != "__metadata__", header[name] == nil else {
                throw CheckpointError.malformed(file: "<writing>", detail: "duplicate or reserved tensor name '\(name)'")
            }
            header[name] = ["dtype": tensor.elementType.rawValue, "shape": tensor.shape, "data_offsets": [offset, offset + tensor.bytes.count]]
            offset += tensor.bytes.count
        }
        var json = try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])
        // Pad the header with spaces so the data starts 8-byte aligned (as the reference writer does).
        while (8 + json.count) % 8 != 0 { json.append(0x20) }
        var out = Data(capacity: 8 + json.count + offset)
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { out.append(contentsOf: $0) }
        out.append(json)
        for (_, tensor) in tensors { out.append(tensor.bytes) }
        return out
    }

    /// Writes tensors and metadata to `url` atomically.
    public static func write(_ tensors: [(name: String, tensor: StoredTensor)], metadata: [String: String] = [:], to url: URL) throws {
        let data = try encode(tensors, metadata: metadata)
        do { try data.write(to: url, options: .atomic) } catch {
            throw CheckpointError.io(file: url.path, detail: "cannot write: \(error.localizedDescription)")
        }
    }
}
