import Configuration

/// `validation:`: held-out pairs, drawn once (photo k mod n for pair k) and measured every `val_freq` iterations:
/// the objective at fixed time steps and noise (comparable across runs and iterations), and, with `steps` > 0, the
/// PSNR-Y of a restoration sampled with that many DDIM steps.
public struct SSPIRValidationOptions: Codable, Equatable, Sendable, DefaultedOptions, ValidatedOptions {
    /// Folder of held-out photos (never the training folder).
    public var dataroot: String
    public var count = 4
    /// DDIM steps of the validation restorations (0: none).
    public var steps = 0
    /// Classifier-free guidance of the validation restorations (1: none, one network pass per step).
    public var guidance = 1.0

    public init(dataroot: String) { self.dataroot = dataroot }

    /// No default folder: `dataroot` must be given.
    public static var defaults: SSPIRValidationOptions { SSPIRValidationOptions(dataroot: "") }

    enum CodingKeys: String, CodingKey { case dataroot, count, steps, guidance }

    public func validate() throws {
        try OptionViolation.check(!dataroot.isEmpty, "dataroot", "is required (a folder of held-out photos)")
        try OptionViolation.check((1...10_000).contains(count), "count", "must lie in 1…10000, got \(count)")
        try OptionViolation.check((0...1000).contains(steps), "steps", "must lie in 0…1000, got \(steps)")
        try OptionViolation.check(guidance >= 1 && guidance <= 30, "guidance", "must lie in [1, 30], got \(guidance)")
    }
}
