import Configuration

/// `validation:`: zero-shot degradation classification of held-out photos (``ZeroShotEvaluation``).
public struct DACLIPValidationOptions: Codable, Equatable, Sendable, DefaultedOptions, ValidatedOptions {
    /// Folder of held-out photos (never the training folder).
    public var dataroot: String
    /// Degraded crops drawn from them (photo k mod n for crop k), fixed for the whole run.
    public var count = 200
    /// The validation pipeline's settings (`data.degradation`'s fields, over its published values): a YAML file
    /// path or an inline mapping; `{}` is the published pipeline itself. Without it, validation crops are degraded
    /// with the training settings (`data.degradation_config`). A run that trains on wider ranges than the published
    /// ones still measures its accuracy on the published pipeline this way.
    public var degradationConfig: ConfigurationValue?

    public init(dataroot: String) { self.dataroot = dataroot }

    /// No default folder: `dataroot` must be given.
    public static var defaults: DACLIPValidationOptions { DACLIPValidationOptions(dataroot: "") }

    enum CodingKeys: String, CodingKey { case dataroot, count, degradationConfig = "degradation_config" }

    public func validate() throws {
        try OptionViolation.check(!dataroot.isEmpty, "dataroot", "is required (a folder of held-out photos)")
        try OptionViolation.check((1...100_000).contains(count), "count", "must lie in 1…100000, got \(count)")
    }
}
