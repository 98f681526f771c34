import Checkpoints
import Foundation

/// The DA-CLIP a restoration network was trained with, as a WildIR model file records it (metadata key
/// ``metadataKey``, JSON): the weights file's name, the path training read it from, its SHA-256 and the embedding
/// width. A network trained on one DA-CLIP's embeddings reads another's as noise, so `wildir restore` finds the
/// recorded file by itself (``locate(besideModel:locator:)``) and refuses a `--daclip` with another digest
/// (``verify(_:)``).
public struct DACLIPReference: Codable, Equatable, Sendable {
    /// The metadata key of model files (and training checkpoints).
    public static let metadataKey = "wildir.daclip"

    /// The file's name (`wild-daclip.safetensors`).
    public let file: String
    /// The path the training run read it from, as its options gave it.
    public let path: String
    /// SHA-256 of the file's bytes, lower-case hex (what `sha256sum` prints).
    public let sha256: String
    /// Width of its content and degradation embeddings (the network's `context_dim`).
    public let embedDim: Int

    enum CodingKeys: String, CodingKey { case file, path, sha256, embedDim = "embed_dim" }

    public init(file: String, path: String, sha256: String, embedDim: Int) {
        self.file = file
        self.path = path
        self.sha256 = sha256
        self.embedDim = embedDim
    }

    /// Describes the weights at `path` (hashing the file).
    /// - Throws: ``CheckpointError`` when the file cannot be read.
    public init(describing path: String, embedDim: Int) throws {
        let url = URL(fileURLWithPath: path)
        self.init(file: url.lastPathComponent, path: path, sha256: try SHA256.hex(ofFileAt: url), embedDim: embedDim)
    }

    /// The reference a model file's metadata holds; nil when it records none.
    /// - Throws: ``RestorationError/invalidModel(_:_:)`` when the entry is not a valid reference; `source` names
    ///   the file.
    public init?(metadata: [String: String], source: String) throws {
        guard let text = metadata[Self.metadataKey] else { return nil }
        do { self = try JSONDecoder().decode(DACLIPReference.self, from: Data(text.utf8)) } catch {
            throw RestorationError.invalidModel(source, "the '\(Self.metadataKey)' entry is not a DA-CLIP reference: \(error)")
        }
        guard sha256.count == 64, sha256.allSatisfy(\.isHexDigit), embedDim > 0, !file.isEmpty else {
            throw RestorationError.invalidModel(source, "the '\(Self.metadataKey)' entry is incomplete (file, sha256, embed_dim)")
        }
    }

    /// The metadata entry that records this reference.
    public var metadata: [String: String] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return [Self.metadataKey: (try? encoder.encode(self)).map { String(decoding: $0, as: UTF8.self) } ?? ""]
    }

    /// Checks that `url` holds exactly the recorded weights.
    /// - Throws: ``RestorationError/incompatibleDACLIP(_:)`` naming both files and digests when they differ.
    public func verify(_ url: URL) throws {
        let digest: String
        do { digest = try SHA256.hex(ofFileAt: url) } catch {
            throw RestorationError.incompatibleDACLIP("\(error)")
        }
        guard digest == sha256 else {
            throw RestorationError.incompatibleDACLIP(
                "the network was trained with the DA-CLIP \(file) (sha256 \(sha256.prefix(16))…) but \(url.path) has sha256 "
                + "\(digest.prefix(16))…; give the DA-CLIP the network was trained with (a network reads another DA-CLIP's "
                + "embeddings as noise)")
        }
    }

    /// Where the recorded file is looked for, in order: beside the model file, the path training read it from, and
    /// the bundled model folders (``ModelLocator/candidates(for:)``).
    public func candidates(besideModel modelURL: URL?, locator: ModelLocator) -> [URL] {
        var urls: [URL] = []
        if let modelURL { urls.append(modelURL.deletingLastPathComponent().appendingPathComponent(file)) }
        urls.append(URL(fileURLWithPath: path))
        urls += locator.candidates(for: file)
        var seen = Set<String>()
        return urls.filter { seen.insert($0.standardizedFileURL.path).inserted }
    }

    /// The first candidate (``candidates(besideModel:locator:)``) that exists and holds the recorded weights.
    /// - Throws: ``RestorationError/daclipRequired(_:)`` listing where it was looked for.
    public func locate(besideModel modelURL: URL?, locator: ModelLocator) throws -> URL {
        let candidates = candidates(besideModel: modelURL, locator: locator)
        for url in candidates where FileManager.default.fileExists(atPath: url.path) {
            if (try? verify(url)) != nil { return url }
        }
        throw RestorationError.daclipRequired(
            "this network was trained with the DA-CLIP \(file) (sha256 \(sha256.prefix(16))…), which was not found: looked "
            + "for it at " + candidates.map(\.path).joined(separator: ", ") + "; give it with --daclip FILE")
    }
}
