@_exported import Checkpoints
@_exported import CLIPMetrics
@_exported import Configuration
@_exported import DACLIPTraining
@_exported import Degradation
@_exported import ImageTensors
@_exported import Imaging
@_exported import Metrics
@_exported import Models
@_exported import Parallelism
@_exported import Restoration
@_exported import SDE
@_exported import SSPIR
@_exported import SSPIRTraining
@_exported import StableDiffusion
@_exported import Training
@_exported import WildTensor

/// The WildIR facade: one import for applications (`import WildIR`) that re-exports every module — images and
/// codecs, degradation pipelines, metrics, the tensor engine, the SDE, the networks, restoration and training —
/// and adds the helpers that span them (``Evaluator``, ``DatasetDegrader``).
public enum WildIR {
    /// The library version, following semantic versioning.
    public static let version = "0.2.0"
}
