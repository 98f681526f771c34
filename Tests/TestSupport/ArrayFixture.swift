import Checkpoints
import Foundation
import WildTensor

/// Where a family of array fixtures lives and which generator writes it.
public protocol ArrayFixtureSource {
    /// The folder under `Tests/Fixtures`.
    static var folder: String { get }
    /// The script that writes it, named in the error for a missing array.
    static var generator: String { get }
}

/// A safetensors file of `Tests/Fixtures/<Source.folder>`: arrays by name, read as float64 or as Float32 tensors,
/// and the state dicts stored under a prefix.
public struct ArrayFixture<Source: ArrayFixtureSource> {
    public let file: SafeTensorsFile

    public init(_ name: String) throws {
        file = try SafeTensorsFile(contentsOf: URL(fileURLWithPath: Fixtures.path(Source.folder, name)))
    }

    /// A path inside the fixture folder.
    public static func url(_ components: String...) -> URL {
        URL(fileURLWithPath: components.reduce(Fixtures.path(Source.folder)) { $0 + "/" + $1 })
    }

    /// The stored array (float64), or an error naming the missing key.
    public func array(_ key: String) throws -> (shape: [Int], values: [Double]) {
        guard let stored = file.tensors[key] else { throw FixtureMissing(key: key) }
        return (stored.shape, stored.doubleValues())
    }

    /// The array as a Float32 tensor.
    public func tensor(_ key: String, requiresGrad: Bool = false) throws -> Tensor {
        let (shape, values) = try array(key)
        return Tensor(shape: shape, values: values.map(Float.init), requiresGrad: requiresGrad)
    }

    /// The entries whose keys start with `prefix`, with the prefix removed.
    public func state(under prefix: String) -> [String: StoredTensor] {
        var out: [String: StoredTensor] = [:]
        for (key, value) in file.tensors where key.hasPrefix(prefix) { out[String(key.dropFirst(prefix.count))] = value }
        return out
    }

    /// The relative errors of the gradients a backward pass left in `inputs` (against `grad/<key>`) and in the
    /// parameters of `module` that the file's metadata lists as `checked_parameters` (against `gw/<name>`), labelled
    /// by key.
    public func gradientErrors(inputs: [String: Tensor], of module: Module) throws -> (inputs: [(String, Double)], parameters: [(String, Double)]) {
        let checked = try JSONDecoder().decode([String].self, from: Data((file.metadata["checked_parameters"] ?? "[]").utf8))
        let parameters = Dictionary(uniqueKeysWithValues: module.namedParameters().map { ($0.name, $0.tensor) })
        return (try inputs.map { key, input in (key, relativeError(input.grad?.values ?? [], try array("grad/\(key)").values)) },
                try checked.map { key in (key, relativeError(parameters[key]?.grad?.values ?? [], try array("gw/\(key)").values)) })
    }

    /// A missing array, naming the generator to re-run.
    public struct FixtureMissing: Error, CustomStringConvertible {
        public let key: String
        public init(key: String) { self.key = key }
        public var description: String { "the fixture has no array \(key) (re-run \(Source.generator))" }
    }
}

/// `Tests/Fixtures/sspir_unet` (written by `Tools/fixtures/sspir_unet.py`): the Stable Diffusion and SSP-IR U-Nets
/// and SSP-IR's ControlNet, read by the StableDiffusion and SSP-IR tests.
public enum SSPIRNetworkArrays: ArrayFixtureSource {
    public static let folder = "sspir_unet"
    public static let generator = "Tools/fixtures/sspir_unet.py"
}

public typealias SSPIRNetworkFixture = ArrayFixture<SSPIRNetworkArrays>
