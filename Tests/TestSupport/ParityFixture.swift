import Checkpoints
import Foundation

/// A file of PyTorch parity cases written by `Tools/fixtures/_torch_parity.py` (`Tests/Fixtures/tensor/NAME.safetensors`).
///
/// Case `C` has inputs `C.x0…`, output `C.y`, upstream gradient `C.gy`, input gradients `C.gx0…` (float64), and
/// its parameters as JSON in the metadata under `C`.
public struct ParityFixture {
    public let file: SafeTensorsFile
    public let path: String

    /// Loads `Tests/Fixtures/tensor/<name>.safetensors`.
    public init(_ name: String) throws {
        path = Fixtures.path("tensor", "\(name).safetensors")
        file = try SafeTensorsFile(contentsOf: URL(fileURLWithPath: path))
    }

    /// The names of all cases.
    public var cases: [String] { file.metadata.keys.sorted() }

    /// A stored array: shape and values (widened to Double), or nil when absent.
    public func array(_ key: String) -> (shape: [Int], values: [Double])? {
        guard let t = file.tensors[key] else { return nil }
        return (t.shape, t.doubleValues())
    }

    /// The parameters of case `name` (the JSON object in the metadata).
    public func parameters(_ name: String) -> [String: Any] {
        guard let text = file.metadata[name], let data = text.data(using: .utf8),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return [:] }
        return object
    }
}

/// Largest |a − b| divided by the largest |b| (the engine's relative error measure against a reference).
public func relativeError(_ a: [Float], _ b: [Double]) -> Double {
    precondition(a.count == b.count, "relativeError: \(a.count) vs \(b.count) values")
    var maxDiff = 0.0, maxRef = 0.0
    for (x, y) in zip(a, b) {
        maxDiff = max(maxDiff, abs(Double(x) - y))
        maxRef = max(maxRef, abs(y))
    }
    return maxDiff / max(maxRef, 1e-12)
}
