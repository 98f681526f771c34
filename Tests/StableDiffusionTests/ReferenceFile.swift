import Checkpoints
import Foundation
import TestSupport
import WildTensor

/// A safetensors fixture of `Tests/Fixtures/<folder>`: arrays by name, widened to Double.
struct ReferenceFile {
    let file: SafeTensorsFile
    let name: String

    init(_ folder: String, _ name: String) throws {
        self.name = "\(folder)/\(name)"
        file = try SafeTensorsFile(contentsOf: URL(fileURLWithPath: Fixtures.path(folder, name)))
    }

    /// The stored array, or an error naming the missing key.
    func array(_ key: String) throws -> (shape: [Int], values: [Double]) {
        guard let stored = file.tensors[key] else { throw Missing(key: key, file: name) }
        return (stored.shape, stored.doubleValues())
    }

    /// The array as a Float32 tensor.
    func tensor(_ key: String) throws -> Tensor {
        let (shape, values) = try array(key)
        return Tensor(shape: shape, values: values.map(Float.init))
    }

    /// An array of ids stored as floats, as rows.
    func rows(_ key: String) throws -> [[Int]] {
        let (shape, values) = try array(key)
        let width = shape.last ?? 0
        return (0..<(values.count / Swift.max(width, 1))).map { r in values[(r * width)..<((r + 1) * width)].map { Int($0) } }
    }

    struct Missing: Error, CustomStringConvertible {
        let key: String, file: String
        var description: String { "\(file) has no array \(key) (re-run its generator under Tools/fixtures)" }
    }
}
