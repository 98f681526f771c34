import Checkpoints
import Foundation
import TestSupport
import WildTensor

/// A file of `Tests/Fixtures/stable_diffusion` (written by `Tools/fixtures/stable_diffusion_vae.py`): arrays by name.
struct StableDiffusionFixture {
    let file: SafeTensorsFile

    init(_ name: String) throws {
        file = try SafeTensorsFile(contentsOf: URL(fileURLWithPath: Fixtures.path("stable_diffusion", name)))
    }

    static func url(_ components: String...) -> URL {
        URL(fileURLWithPath: components.reduce(Fixtures.path("stable_diffusion")) { $0 + "/" + $1 })
    }

    /// The stored array (float64), or an error naming the missing key.
    func array(_ key: String) throws -> (shape: [Int], values: [Double]) {
        guard let stored = file.tensors[key] else { throw FixtureMissing(key: key) }
        return (stored.shape, stored.doubleValues())
    }

    /// The array as a Float32 tensor.
    func tensor(_ key: String) throws -> Tensor {
        let (shape, values) = try array(key)
        return Tensor(shape: shape, values: values.map(Float.init))
    }

    /// The entries whose keys start with `prefix`, with the prefix removed.
    func state(under prefix: String) -> [String: StoredTensor] {
        var out: [String: StoredTensor] = [:]
        for (key, value) in file.tensors where key.hasPrefix(prefix) { out[String(key.dropFirst(prefix.count))] = value }
        return out
    }

    struct FixtureMissing: Error, CustomStringConvertible {
        let key: String
        var description: String { "the fixture has no array \(key) (re-run Tools/fixtures/stable_diffusion_vae.py)" }
    }
}
