import Configuration
import Models
import SDE

/// The network architectures a model file or options file can name (`network_G.which_model_G`).
public enum NetworkArchitecture: String, NamedOption, Codable, Sendable {
    /// IR-SDE / DACLIP-IR's conditional U-Net (``ConditionalUNet``).
    case conditionalUNet = "ConditionalUNet"
}

/// `network_G`: the network and its constructor arguments, with the official option names (`which_model_G`,
/// `setting.nf`, `ch_mult`, …). The defaults are WildIR's small CPU network; official option files give all.
public struct NetworkOptions: Codable, Equatable, Sendable, DefaultedOptions, ValidatedOptions {
    public var whichModelG: NetworkArchitecture = .conditionalUNet
    public var setting = Setting()

    enum CodingKeys: String, CodingKey { case whichModelG = "which_model_G", setting }

    /// `network_G.setting` (the `ConditionalUNet` constructor arguments).
    public struct Setting: Codable, Equatable, Sendable {
        public var inNc: Int = 3
        public var outNc: Int = 3
        public var nf: Int = 32
        public var chMult: [Int] = [1, 2, 2]
        public var contextDim: Int?
        public var useDegraContext: Bool = false
        public var useImageContext: Bool = false
        public var scale: Double = 1
        /// WildIR's own degradation encoder (``ConditionalUNetConfiguration/degradationEncoderWidths``).
        public var degradationEncoder: [Int]?
        /// WildIR's learned unsharp mask (``ConditionalUNetConfiguration/unsharpSigmas``); needs
        /// `sde.prediction: residual`.
        public var unsharpSigmas: [Double]?
        /// The learned unsharp mask's gains when the network is new
        /// (``ConditionalUNetConfiguration/unsharpInitialGains``).
        public var unsharpInitialGains: [Double]?

        public init() {}

        enum CodingKeys: String, CodingKey {
            case inNc = "in_nc", outNc = "out_nc", nf, chMult = "ch_mult", contextDim = "context_dim"
            case useDegraContext = "use_degra_context", useImageContext = "use_image_context", scale
            case degradationEncoder = "degradation_encoder", unsharpSigmas = "unsharp_sigmas"
            case unsharpInitialGains = "unsharp_initial_gains"
        }
    }

    public init() {}

    public static var defaults: NetworkOptions { NetworkOptions() }

    /// The network configuration these options describe.
    public var configuration: ConditionalUNetConfiguration {
        var c = ConditionalUNetConfiguration()
        c.inChannels = setting.inNc
        c.outChannels = setting.outNc
        c.baseChannels = setting.nf
        c.channelMultipliers = setting.chMult
        c.contextDim = setting.contextDim
        c.useDegradationContext = setting.useDegraContext
        c.useImageContext = setting.useImageContext
        c.scale = setting.scale
        c.degradationEncoderWidths = setting.degradationEncoder
        c.unsharpSigmas = setting.unsharpSigmas
        c.unsharpInitialGains = setting.unsharpInitialGains
        return c
    }

    /// The network's own limits (``ConditionalUNetConfiguration/validate()``), named by option.
    /// - Throws: ``OptionViolation`` relative to the `network_G` block (`setting.nf`, …).
    public func validate() throws {
        do { try configuration.validate() } catch let error as ModelConfigurationError {
            throw OptionViolation("setting.\(error.option)", error.reason)
        }
    }
}

/// What a restoration model is, without its weights: the `network_G` and `sde` blocks of an official or WildIR
/// options file (`wildir restore --config`). Other blocks of such a file describe training and are not read.
public struct ModelDescription: Equatable, Sendable {
    public var network: NetworkOptions
    public var sde: SDEOptions

    public init(network: NetworkOptions = NetworkOptions(), sde: SDEOptions = SDEOptions()) {
        self.network = network
        self.sde = sde
    }

    /// The `network_G` and `sde` blocks of an options file (each over its defaults; unknown keys inside them and
    /// out-of-range values are errors naming the key path).
    public init(optionsFile path: String) throws {
        let tree = try ConfigurationValue.parse(yaml: try ConfigurationLoader.text(contentsOf: path), source: path)
        guard case let .mapping(blocks) = tree else {
            throw ConfigurationError.invalidValue(path, "", "expected a mapping with network_G and sde blocks")
        }
        func block<T: Decodable>(_ type: T.Type, _ key: String) throws -> T {
            do {
                return try ConfigurationLoader.decode(type, from: blocks[key] ?? .mapping([:]), source: path)
            } catch let ConfigurationError.invalidValue(source, keyPath, reason) {
                throw ConfigurationError.invalidValue(source, keyPath.isEmpty ? key : "\(key).\(keyPath)", reason)
            } catch let ConfigurationError.unknownKey(source, keyPath, known) {
                throw ConfigurationError.unknownKey(source, "\(key).\(keyPath)", known: known)
            }
        }
        self.init(network: try block(NetworkOptions.self, "network_G"), sde: try block(SDEOptions.self, "sde"))
    }

    /// Checks what neither block can alone: a network with a ``LearnedUnsharpMask`` predicts a correction of μ, so
    /// its SDE must read the output as the residual x̂0 − μ.
    /// - Throws: ``OptionViolation`` naming `network_G.setting.unsharp_sigmas`.
    public static func checkCompatible(network: ConditionalUNetConfiguration, sde: SDEOptions) throws {
        try OptionViolation.check(network.unsharpSigmas == nil || sde.prediction == .residual, "network_G.setting.unsharp_sigmas",
                                  "needs sde.prediction: residual (the learned unsharp mask corrects μ), got \(sde.prediction.rawValue)")
    }
}
