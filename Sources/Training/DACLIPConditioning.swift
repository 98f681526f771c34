import DACLIP
import Foundation
import Restoration

/// The DA-CLIP that conditions a restorer while it trains (`path.daclip`), as the official wild-IR `train.py` does it
/// (daclip-uir `universal-image-restoration/config/wild-ir/train.py`; DACLIP-IR §3.4): every LQ patch, after its
/// flips and rotations, goes through the inference preprocessing (``CLIPPreprocessing``, the official
/// `clip_transform`) and `encode_image(control=True)`; the content embedding becomes the network's `image_context`
/// and the degradation embedding its `text_context`, exactly as ``Restorer`` feeds them at inference. The DA-CLIP
/// stays frozen (its embeddings are computed without gradients).
///
/// The weights are loaded strictly and checked against the network (``DACLIPConditioner/check(network:)``: a context
/// of the DA-CLIP's embedding width) when the run is planned, so a wrong file or width is refused before the first
/// iteration; the file's name and SHA-256 (``DACLIPReference``) go into the checkpoint and the trained model.
public struct DACLIPConditioning {
    /// Runs the DA-CLIP (the same type the restorer uses).
    public let conditioner: DACLIPConditioner
    /// The weights file: name, path, SHA-256, embedding width.
    public let reference: DACLIPReference

    /// Loads `options.path.daclip` for `options.network_G`; nil when the network takes no DA-CLIP context.
    /// - Throws: ``TrainingError/invalidOptions(_:_:)`` naming `path.daclip` (or `path.daclip_config`) and what is
    ///   wrong: a missing or unreadable file, weights that do not load, an embedding width other than `context_dim`.
    public init?(options: TrainingOptions, optionsFile: String) throws {
        guard let path = options.path.daclip else { return nil }
        guard FileManager.default.fileExists(atPath: path) else {
            throw TrainingError.invalidOptions(optionsFile, "path.daclip: no file \(path)")
        }
        let configuration: CLIPConfiguration?
        do { configuration = try options.path.daclipConfig.map { try CLIPConfiguration(nameOrJSON: $0) } } catch {
            throw TrainingError.invalidOptions(optionsFile, "path.daclip_config: \(error)")
        }
        let model: DACLIPModel
        do { model = try DACLIPModel(contentsOf: URL(fileURLWithPath: path), configuration: configuration) } catch {
            throw TrainingError.invalidOptions(optionsFile, "path.daclip: \(error)")
        }
        conditioner = DACLIPConditioner(model: model)
        do { try conditioner.check(network: options.networkG.configuration) } catch {
            throw TrainingError.invalidOptions(optionsFile, "path.daclip \(path) and network_G.setting: \(error)")
        }
        do { reference = try DACLIPReference(describing: path, embedDim: model.configuration.embedDim) } catch {
            throw TrainingError.invalidOptions(optionsFile, "path.daclip: \(error)")
        }
    }
}
