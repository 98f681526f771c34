import Restoration
import SDE

/// What a client may choose for one restoration: sampler, steps and seed (the others are the server's).
struct JobOptions: Codable, Sendable, Equatable {
    var sampler: String?
    var steps: Int?
    var seed: UInt64 = 0

    /// The options from the form's text fields; unknown fields and bad values are refused.
    /// - Throws: ``APIError`` (400) naming the field.
    init(fields: [String: String]) throws {
        for name in fields.keys where !["sampler", "steps", "seed"].contains(name) {
            throw APIError.badRequest("unknown field '\(name)'; the fields are image, sampler, steps, seed")
        }
        if let value = fields["sampler"], !value.isEmpty {
            guard SamplingMethod(rawValue: value) != nil else {
                let known = SamplingMethod.allCases.map(\.rawValue).joined(separator: ", ")
                throw APIError.badRequest("sampler '\(value)' is not one of \(known)")
            }
            sampler = value
        }
        if let value = fields["steps"], !value.isEmpty {
            guard let steps = Int(value), steps >= 1 else { throw APIError.badRequest("steps must be a positive integer, got '\(value)'") }
            self.steps = steps
        }
        if let value = fields["seed"], !value.isEmpty {
            guard let seed = UInt64(value) else { throw APIError.badRequest("seed must be an integer in 0…2^64−1, got '\(value)'") }
            self.seed = seed
        }
    }

    /// The restorer's options (tiles as `wildir restore`'s defaults).
    func restorationOptions() -> RestorationOptions {
        var options = RestorationOptions()
        options.sampler = sampler.flatMap(SamplingMethod.init(rawValue:))
        options.steps = steps
        options.seed = seed
        return options
    }
}
