import Checkpoints
import CLIPTokenizer
import DACLIP
import Foundation
import TestSupport
import WildTensor

/// The inference fixtures of `Tests/Fixtures/daclip_inference` (`Tools/fixtures/clip_preprocessing.py`,
/// `Tools/fixtures/daclip_inference.py`): Pillow/torchvision preprocessing references, and the official code's
/// zero-shot analysis with a tiny random DA-CLIP (`daclip_tiny224.pt`, 224-pixel input, CLIP's vocabulary).
struct InferenceFixture {
    let file: SafeTensorsFile
    let path: String

    init(_ name: String) throws {
        path = Fixtures.path("daclip_inference", name)
        file = try SafeTensorsFile(contentsOf: URL(fileURLWithPath: path))
    }

    static func path(_ name: String) -> String { Fixtures.path("daclip_inference", name) }

    /// `clip_preprocessing.safetensors`.
    static func preprocessing() throws -> InferenceFixture { try InferenceFixture("clip_preprocessing.safetensors") }
    /// `analysis.safetensors`.
    static func analysis() throws -> InferenceFixture { try InferenceFixture("analysis.safetensors") }

    /// The tiny DA-CLIP, loaded strictly from the official `.pt` with its OpenCLIP JSON.
    static func tinyModel() throws -> DACLIPModel {
        try DACLIPModel(contentsOf: URL(fileURLWithPath: path("daclip_tiny224.pt")),
                        configuration: try CLIPConfiguration(nameOrJSON: path("daclip_tiny224.json")))
    }

    /// CLIP's tokenizer with the vocabulary bundled in the checkout's `models/clip/`.
    static func tokenizer() throws -> CLIPTokenizer { try CLIPTokenizer(vocabularyURL: vocabularyURL) }

    /// `models/clip/bpe_simple_vocab_16e6.txt.gz` of the checkout.
    static var vocabularyURL: URL {
        Fixtures.root.deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("models/clip/bpe_simple_vocab_16e6.txt.gz")
    }

    func values(_ key: String) throws -> [Double] { try file.tensor(key, file: path).doubleValues() }
    func shape(_ key: String) throws -> [Int] { try file.tensor(key, file: path).shape }
    func has(_ key: String) -> Bool { file.tensors[key] != nil }

    /// A JSON value of the metadata.
    func metadata(_ key: String) -> Any? {
        file.metadata[key].flatMap { try? JSONSerialization.jsonObject(with: Data($0.utf8), options: [.fragmentsAllowed]) }
    }
}

/// Largest absolute difference.
func maximumDifference(_ a: [Double], _ b: [Double]) -> Double {
    precondition(a.count == b.count, "maximumDifference: \(a.count) vs \(b.count) values")
    return zip(a, b).reduce(0) { max($0, abs($1.0 - $1.1)) }
}
