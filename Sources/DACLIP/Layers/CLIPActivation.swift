import WildTensor

/// The non-linearity of a CLIP transformer's MLP: the exact GELU of `nn.GELU` (OpenCLIP's default, DA-CLIP's
/// towers) or OpenAI CLIP's `QuickGELU`, x·σ(1.702x) (OpenCLIP `quick_gelu: true`; HF transformers
/// `hidden_act: "quick_gelu"`, the text encoder of Stable Diffusion 1.x). The names are HF's `hidden_act` values.
public enum CLIPActivation: String, Sendable, Equatable, CaseIterable {
    case gelu
    case quickGELU = "quick_gelu"

    /// The engine's fused form (a oneDNN post-op of the product, or the recorded operations).
    var fused: FusedActivation {
        switch self {
        case .gelu: .gelu
        case .quickGELU: .quickGELU
        }
    }
}
