import DACLIP
import WildTensor

/// Which DA-CLIP parameters train (the official `lock_clip()`): the controller `visual_control.*` and DA-CLIP's
/// own `logit_scale`; CLIP (`clip.*`, image and text towers and its own `logit_scale`) stays frozen, so the
/// content space that downstream restorers read and the text space of the labels are CLIP's.
///
/// With `trainText` (models trained from scratch only) the text tower — `clip.token_embedding`,
/// `clip.positional_embedding`, `clip.transformer.*`, `clip.ln_final.*`, `clip.text_projection` — trains too. A
/// frozen *random* CLIP is a fixed random content and text space: the controller can still learn to map LQ images
/// into it (the ℓ1 term pulls the LQ content embedding to the random tower's HQ embedding, the degradation term pulls
/// the degradation embedding to fixed random text points), which is what the tiny run checks; training the text
/// tower lets the label texts move apart when a random tower puts them too close together to separate.
public enum DACLIPTrainableParameters {
    /// Prefixes of the text tower's parameter names.
    static let textTower = ["clip.token_embedding.", "clip.positional_embedding", "clip.transformer.", "clip.ln_final.",
                            "clip.text_projection"]

    /// Whether the parameter called `name` trains.
    public static func trains(_ name: String, trainText: Bool) -> Bool {
        name == "logit_scale" || name.hasPrefix("visual_control.") || (trainText && textTower.contains { name.hasPrefix($0) })
    }

    /// Marks the trained parameters as requiring gradients and every other one as not (so backward does not even
    /// compute theirs), and returns the trained ones with their state-dict names, in model order.
    @discardableResult
    public static func freeze(_ model: DACLIPModel, trainText: Bool) -> [(name: String, tensor: Tensor)] {
        var trained: [(name: String, tensor: Tensor)] = []
        for (name, tensor) in model.namedParameters() {
            tensor.requiresGrad = trains(name, trainText: trainText)
            tensor.grad = nil
            if tensor.requiresGrad { trained.append((name, tensor)) }
        }
        return trained
    }

    /// A 64-bit FNV-1a fingerprint of the frozen parameters' names and values: a checkpoint stores it, so a resume
    /// that would rebuild a different frozen CLIP (other pretrained file, other seed or configuration) is refused.
    public static func frozenFingerprint(_ model: DACLIPModel, trainText: Bool) -> String {
        parameterFingerprint(model.namedParameters().filter { !trains($0.name, trainText: trainText) })
    }
}
