import Configuration
import WildTensor

/// The pixel loss L of the training objectives (`train.loss_type`).
public enum PixelLoss: String, Codable, Sendable, NamedOption {
    /// Mean absolute error, PyTorch `F.l1_loss` (the official `loss_fn` default).
    case l1
    /// Mean squared error, PyTorch `F.mse_loss`.
    case l2
    /// The PSNR loss of HINet and NAFNet (BasicSR `PSNRLoss`): the batch mean of each sample's
    /// 10·log10(MSE + 1e-8), minus its PSNR for peak 1. Its gradient weighs each image by 1/MSE, so a small error on
    /// a near-clean image costs as many dB as a large one on a damaged image, as in mean PSNR.
    case psnr

    /// `weight · L(prediction, target)` for tensors of shape [batch, …].
    public func callAsFunction(_ prediction: Tensor, _ target: Tensor, weight: Float = 1) -> Tensor {
        switch self {
        case .l1:
            return prediction.l1Loss(target) * weight
        case .l2:
            return prediction.mseLoss(target) * weight
        case .psnr:
            let difference = prediction - target
            let meanSquared = (difference * difference).mean(axes: Array(1..<prediction.rank)) + 1e-8
            return meanSquared.log().mean() * (weight * 10 / 2.302_585_093)
        }
    }
}
