/// What a pipeline did to one image: the operations in order with their drawn parameters, and the degradation
/// names and text that DA-CLIP trains on ("an image with blur, noise, jpeg block").
public struct DegradationRecord: Sendable, Equatable, Codable {
    /// One applied operation and its parameters.
    public struct Operation: Sendable, Equatable, Codable {
        public let name: String
        public let parameters: [String: Parameter]

        public init(_ name: String, _ parameters: [String: Parameter] = [:]) {
            self.name = name
            self.parameters = parameters
        }
    }

    /// A parameter value: a number or a word (a kernel kind, a filter name).
    public enum Parameter: Sendable, Equatable, Codable, ExpressibleByFloatLiteral, ExpressibleByIntegerLiteral,
        ExpressibleByStringLiteral {
        case number(Double)
        case text(String)

        public init(floatLiteral value: Double) { self = .number(value) }
        public init(integerLiteral value: Int) { self = .number(Double(value)) }
        public init(stringLiteral value: String) { self = .text(value) }

        public init(from decoder: Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let number = try? container.decode(Double.self) { self = .number(number) } else {
                self = .text(try container.decode(String.self))
            }
        }

        public func encode(to encoder: Encoder) throws {
            var container = encoder.singleValueContainer()
            switch self {
            case let .number(value): try container.encode(value)
            case let .text(value): try container.encode(value)
            }
        }
    }

    /// The operations, in the order they were applied.
    public private(set) var operations: [Operation] = []
    /// The degradation names, each once, in order of first appearance
    /// ('blur', 'ringing artifact', 'noise', 'jpeg block').
    public private(set) var degradationNames: [String] = []

    public init() {}

    /// The degradation text: "an image with " and the names joined by ", " ("an image with no degradation" when
    /// nothing was applied).
    public var text: String {
        degradationNames.isEmpty ? "an image with no degradation" : "an image with " + degradationNames.joined(separator: ", ")
    }

    /// Records an operation and the degradation names it contributes.
    public mutating func append(_ operation: Operation, names: [String] = []) {
        operations.append(operation)
        for name in names where !degradationNames.contains(name) { degradationNames.append(name) }
    }
}

/// The degradation names of DACLIP-IR's pipeline.
public enum DegradationName {
    public static let blur = "blur"
    public static let ringing = "ringing artifact"
    public static let noise = "noise"
    public static let jpeg = "jpeg block"
}
