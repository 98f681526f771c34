/// A name from the outside world — a pipeline, sampler, optimiser, schedule, loss — read from YAML
/// (`loss_type: l2`) or a flag: every vocabulary is one enum with one lookup, and an unknown name is an error
/// that lists the known ones (rather than Foundation's bare "cannot initialize from invalid String value").
public protocol NamedOption: RawRepresentable, CaseIterable, Decodable where RawValue == String {}

extension NamedOption {
    /// The option called `name`; `source` says where the name came from (a flag, a key path) in the error.
    /// - Throws: ``ConfigurationError/invalidValue(_:_:_:)`` listing the known names.
    public init(named name: String, source: String) throws {
        guard let value = Self(rawValue: name) else { throw ConfigurationError.invalidValue(source, "", Self.unknown(name)) }
        self = value
    }

    /// "NAME is not one of: a, b, c".
    static func unknown(_ name: String) -> String {
        "\(name) is not one of: \(allCases.map(\.rawValue).joined(separator: ", "))"
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        let name = try container.decode(String.self)
        guard let value = Self(rawValue: name) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: Self.unknown(name))
        }
        self = value
    }
}
