@_exported import Checkpoints
@_exported import Degradation
@_exported import Imaging
@_exported import Metrics
@_exported import Models
@_exported import SDE
@_exported import Training
@_exported import WildTensor

/// The WildIR facade: one import for applications (`import WildIR`) that re-exports the image, degradation and metric modules.
public enum WildIR {
    /// The library version, following semantic versioning.
    public static let version = "0.1.0"
}
