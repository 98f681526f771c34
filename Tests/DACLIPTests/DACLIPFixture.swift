import Checkpoints
import DACLIP
import Foundation
import TestSupport
import WildTensor
import XCTest

/// A DA-CLIP parity fixture written by `Tools/fixtures/daclip_parity.py` from the official code: the official state
/// dict (`weights/<key>`, tiny fixture only), inputs (`image`, `tokens`, `captions`, `degradations`) and float64
/// outputs (`content_features`, `degradation_features`, `controls.<i>` in NLD, `plain_features`, `text_features`,
/// `forward.*`), with the OpenCLIP configuration and the official commit in the metadata.
struct DACLIPFixture {
    let file: SafeTensorsFile
    let path: String

    init(_ components: String...) throws {
        path = components.reduce(Fixtures.root) { $0.appendingPathComponent($1) }.path
        file = try SafeTensorsFile(contentsOf: URL(fileURLWithPath: path))
    }

    /// The tiny fixture (`Tests/Fixtures/daclip/daclip_tiny.safetensors`).
    static func tiny() throws -> DACLIPFixture { try DACLIPFixture("daclip", "daclip_tiny.safetensors") }

    /// The official model configuration of the fixture.
    var configuration: CLIPConfiguration {
        get throws { try CLIPConfiguration(openCLIPJSON: Data((file.metadata["config"] ?? "").utf8)) }
    }

    /// The official `state_dict()` keys in their order.
    var parameterOrder: [String] {
        (try? JSONDecoder().decode([String].self, from: Data((file.metadata["parameter_order"] ?? "[]").utf8))) ?? []
    }

    /// The official state dict in its order, as a checkpoint reader returns it.
    var weights: [(name: String, tensor: StoredTensor)] {
        parameterOrder.compactMap { key in file.tensors["weights/" + key].map { (key, $0) } }
    }

    func tensor(_ key: String) throws -> Tensor {
        let stored = try file.tensor(key, file: path)
        return Tensor(shape: stored.shape, values: stored.floatValues())
    }

    func values(_ key: String) throws -> [Double] { try file.tensor(key, file: path).doubleValues() }

    func shape(_ key: String) throws -> [Int] { try file.tensor(key, file: path).shape }

    /// Token-id rows stored as int64 `[B, context]`.
    func tokens(_ key: String) throws -> [[Int]] {
        let stored = try file.tensor(key, file: path)
        let values = stored.doubleValues().map { Int($0) }
        let width = stored.shape.last ?? 0
        return stride(from: 0, to: values.count, by: Swift.max(width, 1)).map { Array(values[$0..<($0 + width)]) }
    }

    /// Relative error of `tensor` against the stored reference `key` (shapes must agree), checked against `tolerance`.
    @discardableResult
    func check(_ tensor: Tensor, against key: String, tolerance: Double = 1e-5, file: StaticString = #filePath,
               line: UInt = #line) throws -> Double {
        XCTAssertEqual(tensor.shape, try shape(key), "\(key): shape", file: file, line: line)
        guard tensor.shape == (try shape(key)) else { return .infinity }
        let error = relativeError(tensor.values, try values(key))
        XCTAssertLessThanOrEqual(error, tolerance, "\(key): relative error", file: file, line: line)
        print("DA-CLIP parity \(URL(fileURLWithPath: path).lastPathComponent): \(key) relative error \(error)")
        return error
    }
}
