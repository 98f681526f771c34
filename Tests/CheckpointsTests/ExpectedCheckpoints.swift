import Checkpoints
import Foundation
import TestSupport
import XCTest

/// The reference values of `Tests/Fixtures/checkpoints/expected.safetensors` (written by
/// `Tools/fixtures/checkpoints.py`): per fixture, the state-dict names in order with dtype and shape, and each
/// tensor's values as torch computes them (float32 for fp32/fp16/bf16, float64, int64).
struct ExpectedCheckpoints {
    let values: SafeTensorsFile
    let files: [String: [(name: String, dtype: String, shape: [Int])]]
    /// The path the malicious fixtures' payloads would create.
    let canary: String

    static func path(_ name: String) -> String { Fixtures.path("checkpoints", name) }
    static func url(_ name: String) -> URL { URL(fileURLWithPath: path(name)) }

    init() throws {
        values = try SafeTensorsFile(contentsOf: Self.url("expected.safetensors"))
        guard let text = values.metadata["manifest"], let data = text.data(using: .utf8),
              let manifest = try JSONSerialization.jsonObject(with: data) as? [String: Any],
              let files = manifest["files"] as? [String: [[Any]]], let canary = manifest["canary"] as? String else {
            throw CheckpointError.malformed(file: Self.path("expected.safetensors"), detail: "no manifest")
        }
        self.canary = canary
        self.files = files.mapValues { rows in
            rows.map { row in
                (row[0] as? String ?? "", row[1] as? String ?? "", (row[2] as? [Any] ?? []).compactMap { ($0 as? NSNumber)?.intValue })
            }
        }
    }

    /// Asserts that `loaded` has the names (in order), dtypes, shapes and values recorded under `key`.
    func check(_ loaded: [(name: String, tensor: StoredTensor)], against key: String, ordered: Bool = true,
               file: StaticString = #filePath, line: UInt = #line) throws {
        let rows = try XCTUnwrap(files[key], "no expected values for \(key)", file: file, line: line)
        XCTAssertFalse(rows.isEmpty, "\(key): the manifest lists no tensor", file: file, line: line)
        let names = loaded.map(\.name)
        if ordered {
            XCTAssertEqual(names, rows.map(\.name), key, file: file, line: line)
        } else {
            XCTAssertEqual(names.sorted(), rows.map(\.name).sorted(), key, file: file, line: line)
        }
        let byName = Dictionary(loaded.map { ($0.name, $0.tensor) }, uniquingKeysWith: { a, _ in a })
        for row in rows {
            let tensor = try XCTUnwrap(byName[row.name], "\(key): \(row.name) missing", file: file, line: line)
            let reference = try values.tensor("\(key)/\(row.name)")
            XCTAssertEqual(tensor.elementType.rawValue, row.dtype, "\(key): \(row.name)", file: file, line: line)
            XCTAssertEqual(tensor.shape, row.shape, "\(key): \(row.name)", file: file, line: line)
            switch reference.elementType {
            case .int64: XCTAssertEqual(tensor.int64Values, reference.int64Values, "\(key): \(row.name)", file: file, line: line)
            case .float64: XCTAssertEqual(tensor.doubleValues(), reference.doubleValues(), "\(key): \(row.name)", file: file, line: line)
            default: XCTAssertEqual(tensor.floatValues(), reference.floatValues(), "\(key): \(row.name)", file: file, line: line)
            }
        }
    }
}

extension StoredTensor {
    /// The elements of an int64 tensor.
    var int64Values: [Int64] {
        bytes.withUnsafeBytes { raw in (0..<count).map { Int64(littleEndian: raw.loadUnaligned(fromByteOffset: 8 * $0, as: Int64.self)) } }
    }
}
