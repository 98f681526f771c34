/// An option read from YAML by name (`loss_type: l2`): an unknown name is a decoding error that lists the known
/// ones, rather than Foundation's bare "cannot initialize from invalid String value".
public protocol NamedOption: RawRepresentable, CaseIterable, Decodable where RawValue == String {}

extension NamedOption {
    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        let name = try container.decode(String.self)
        guard let value = Self(rawValue: name) else {
            let known = Self.allCases.map(\.rawValue).joined(separator: ", ")
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "\(name) is not one of: \(known)")
        }
        self = value
    }
}
