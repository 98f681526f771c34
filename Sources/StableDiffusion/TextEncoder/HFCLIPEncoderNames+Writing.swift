import Checkpoints
import Foundation

extension HFCLIPEncoderNames {
    /// The HF suffix of each OpenCLIP block parameter (`transformer.resblocks.{i}.<key>` → `encoder.layers.{i}.<value>`),
    /// apart from `attn.in_proj_*`, which is split: ``blockRenames`` read the other way.
    static let transformersSuffixes = Dictionary(uniqueKeysWithValues: blockRenames.map { ($0.openCLIP, $0.hf) })

    /// The inverse of ``openCLIPState(_:layers:)``: the HF keys (`encoder.layers.{i}.…`, no prefix) of the OpenCLIP
    /// block tensors in `state` (`transformer.resblocks.{i}.…`), `in_proj_weight`/`in_proj_bias` split into q, k and v
    /// in that order; tensors outside the blocks are returned apart, as they are.
    /// - Throws: ``StableDiffusionError/invalidShape(name:shape:expected:)`` for an `in_proj` that is not three
    ///   projections, ``StableDiffusionError/invalidConfiguration(field:reason:)`` for a block parameter HF has no
    ///   name for.
    package static func transformersState(_ state: [(name: String, tensor: StoredTensor)])
        throws -> (layers: [(name: String, tensor: StoredTensor)], others: [(name: String, tensor: StoredTensor)]) {
        var layers: [(name: String, tensor: StoredTensor)] = [], others: [(name: String, tensor: StoredTensor)] = []
        let blockPrefix = "transformer.resblocks."
        for (name, tensor) in state {
            guard name.hasPrefix(blockPrefix) else {
                others.append((name, tensor))
                continue
            }
            let rest = name.dropFirst(blockPrefix.count)
            let index = rest.prefix { $0 != "." }, key = String(rest.dropFirst(index.count + 1))
            let layer = "encoder.layers.\(index)."
            if key == "attn.in_proj_weight" || key == "attn.in_proj_bias" {
                guard let rows = tensor.shape.first, rows % 3 == 0, rows > 0 else {
                    throw StableDiffusionError.invalidShape(name: name, shape: tensor.shape, expected: "[3·width, …] (q, k and v stacked)")
                }
                let values = tensor.floatValues(), third = values.count / 3
                let part = key.hasSuffix("weight") ? "weight" : "bias"
                for (i, projection) in ["q_proj", "k_proj", "v_proj"].enumerated() {
                    let piece = try StoredTensor(shape: [rows / 3] + tensor.shape.dropFirst(),
                                                 float32: Array(values[(i * third)..<((i + 1) * third)]))
                    layers.append((layer + "self_attn.\(projection).\(part)", piece))
                }
            } else if let renamed = transformersSuffixes[key] {
                layers.append((layer + renamed, tensor))
            } else {
                throw StableDiffusionError.invalidConfiguration(field: name, reason: "has no HF transformers CLIP name")
            }
        }
        return (layers, others)
    }
}
