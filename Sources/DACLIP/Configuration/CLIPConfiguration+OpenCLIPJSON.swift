import Configuration
import Foundation

extension CLIPConfiguration {
    /// Reads an OpenCLIP model-config JSON (`{"embed_dim", "vision_cfg", "text_cfg", …}`, as in the official
    /// `model_configs/daclip_ViT-B-32.json`) and validates it.
    ///
    /// Absent fields take OpenCLIP's defaults (`CLIPVisionCfg`, `CLIPTextCfg`: `head_width` 64, `mlp_ratio` 4, …).
    /// Options that change the architecture away from DA-CLIP's (QuickGELU, layer scale, attentional pooling,
    /// timm or Hugging Face towers, ResNet layers, …) are refused unless they hold their default value; options that
    /// only matter to training (`patch_dropout`) or to the tokenizer are accepted and ignored; unknown keys are
    /// refused with the known ones listed.
    /// - Throws: ``DACLIPError/unsupportedConfiguration(_:)`` or ``DACLIPError/invalidConfiguration(field:reason:)``.
    public init(openCLIPJSON data: Data) throws {
        // JSON is YAML: the project's one options parser reads it within its limits and refuses duplicate keys.
        let tree: ConfigurationValue
        do {
            tree = try ConfigurationValue.parse(yaml: String(decoding: data, as: UTF8.self), source: "OpenCLIP model config")
        } catch {
            throw DACLIPError.unsupportedConfiguration("\(error)")
        }
        guard case let .mapping(root) = tree else { throw DACLIPError.unsupportedConfiguration("the JSON is not an object") }
        var reader = OpenCLIPFields(root, path: "")
        self.init()
        embedDim = try reader.integer("embed_dim", required: true) ?? embedDim
        try reader.ignore(["custom_text"])
        try reader.requireDefault("quick_gelu", false, why: "DA-CLIP uses the exact GELU")
        let visionObject = try reader.object("vision_cfg")
        let textObject = try reader.object("text_cfg")
        try reader.finish()

        var v = OpenCLIPFields(visionObject, path: "vision_cfg.")
        vision.imageSize = try v.square("image_size") ?? vision.imageSize
        vision.patchSize = try v.square("patch_size") ?? vision.patchSize
        vision.width = try v.integer("width") ?? vision.width
        vision.layers = try v.integer("layers", why: "a list of layers describes a ResNet tower, not a ViT") ?? vision.layers
        vision.headWidth = try v.integer("head_width") ?? vision.headWidth
        vision.mlpRatio = try v.number("mlp_ratio") ?? vision.mlpRatio
        try v.ignore(["patch_dropout", "output_tokens", "n_queries", "attn_pooler_heads", "timm_model_pretrained",
                      "timm_pool", "timm_proj", "timm_proj_bias", "timm_drop", "timm_drop_path"])
        try v.requireDefault("ls_init_value", nil, why: "layer scale is not part of DA-CLIP")
        try v.requireDefault("input_patchnorm", false, why: "dual patch norm is not part of DA-CLIP")
        try v.requireDefault("global_average_pool", false, why: "DA-CLIP pools the class token")
        try v.requireDefault("attentional_pool", false, why: "DA-CLIP pools the class token")
        try v.requireDefault("timm_model_name", nil, why: "only the OpenCLIP ViT tower is implemented")
        try v.finish()

        var t = OpenCLIPFields(textObject, path: "text_cfg.")
        text.contextLength = try t.integer("context_length") ?? text.contextLength
        text.vocabSize = try t.integer("vocab_size") ?? text.vocabSize
        text.width = try t.integer("width") ?? text.width
        text.heads = try t.integer("heads") ?? text.heads
        text.layers = try t.integer("layers") ?? text.layers
        try t.ignore(["output_tokens", "pad_id", "hf_tokenizer_name", "hf_model_pretrained", "proj", "pooler_type"])
        try t.requireDefault("ls_init_value", nil, why: "layer scale is not part of DA-CLIP")
        try t.requireDefault("embed_cls", false, why: "DA-CLIP pools the EOT token")
        try t.requireDefault("hf_model_name", nil, why: "only the CLIP text transformer is implemented")
        try t.finish()
        try validate()
    }

    /// The configuration as an OpenCLIP model-config JSON (sorted keys; `head_width` and `mlp_ratio` always written,
    /// heads given explicitly are not an OpenCLIP option and are written only through `head_width`).
    public func openCLIPJSON() -> Data {
        let object: [String: Any] = [
            "embed_dim": embedDim,
            "vision_cfg": ["image_size": vision.imageSize, "patch_size": vision.patchSize, "width": vision.width,
                           "layers": vision.layers, "head_width": vision.width / Swift.max(vision.heads, 1),
                           "mlp_ratio": vision.mlpRatio],
            "text_cfg": ["context_length": text.contextLength, "vocab_size": text.vocabSize, "width": text.width,
                         "heads": text.heads, "layers": text.layers],
        ]
        return (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
    }
}

/// Reads the fields of one mapping of the tree, remembering which were consumed so unknown keys can be refused.
private struct OpenCLIPFields {
    let object: [String: ConfigurationValue]
    let path: String
    var consumed: Set<String> = []

    init(_ object: [String: ConfigurationValue], path: String) {
        self.object = object
        self.path = path
    }

    private mutating func take(_ key: String) -> ConfigurationValue? {
        consumed.insert(key)
        guard let value = object[key], value != .null else { return nil }
        return value
    }

    /// A value for a message: a scalar's text, or its kind.
    static func summary(_ value: ConfigurationValue) -> String {
        switch value {
        case .null: return "null"
        case let .scalar(text): return "'\(text.prefix(40))'"
        case .list: return "a list"
        case .mapping: return "an object"
        }
    }

    private func integerValue(_ value: ConfigurationValue) -> Int? {
        guard case let .scalar(text) = value else { return nil }
        if let exact = Int(text) { return exact }
        // `224.0` is an integer too (Python's json writes floats that way).
        guard let number = Double(text), number.isFinite, let exact = Int(exactly: number) else { return nil }
        return exact
    }

    /// An integer field.
    mutating func integer(_ key: String, required: Bool = false, why: String? = nil) throws -> Int? {
        guard let value = take(key) else {
            if required { throw DACLIPError.unsupportedConfiguration("\(path)\(key) is missing") }
            return nil
        }
        guard let exact = integerValue(value) else {
            throw DACLIPError.unsupportedConfiguration(
                "\(path)\(key) must be an integer, got \(Self.summary(value))" + (why.map { " (\($0))" } ?? ""))
        }
        return exact
    }

    /// A number field.
    mutating func number(_ key: String) throws -> Double? {
        guard let value = take(key) else { return nil }
        guard case let .scalar(text) = value, let number = Double(text), number.isFinite else {
            throw DACLIPError.unsupportedConfiguration("\(path)\(key) must be a number, got \(Self.summary(value))")
        }
        return number
    }

    /// An integer, or a pair of equal integers (`to_2tuple` sizes; non-square images are not supported).
    mutating func square(_ key: String) throws -> Int? {
        guard let value = take(key) else { return nil }
        if case let .list(pair) = value {
            let sides = pair.compactMap(integerValue)
            guard pair.count == 2, sides.count == 2, sides[0] == sides[1] else {
                throw DACLIPError.unsupportedConfiguration("\(path)\(key) must be an integer or two equal integers, got \(Self.summary(value))")
            }
            return sides[0]
        }
        guard let exact = integerValue(value) else {
            throw DACLIPError.unsupportedConfiguration("\(path)\(key) must be an integer, got \(Self.summary(value))")
        }
        return exact
    }

    /// A nested mapping (absent: empty, so every default applies).
    mutating func object(_ key: String) throws -> [String: ConfigurationValue] {
        guard let value = take(key) else { return [:] }
        guard case let .mapping(object) = value else {
            throw DACLIPError.unsupportedConfiguration("\(path)\(key) must be an object, got \(Self.summary(value))")
        }
        return object
    }

    /// Fields accepted whatever their value.
    mutating func ignore(_ keys: [String]) throws { consumed.formUnion(keys) }

    /// A field that must be absent, null or equal to `value` (a Bool, or nil for "must be null").
    mutating func requireDefault(_ key: String, _ value: Bool?, why: String) throws {
        guard let given = take(key) else { return }
        if let value, case let .scalar(text) = given, text.lowercased() == String(value) { return }
        throw DACLIPError.unsupportedConfiguration("\(path)\(key) = \(Self.summary(given)) is not supported: \(why)")
    }

    /// Refuses keys that no call consumed.
    func finish() throws {
        let unknown = object.keys.filter { !consumed.contains($0) }.sorted()
        guard unknown.isEmpty else {
            throw DACLIPError.unsupportedConfiguration(
                "unknown key(s) \(unknown.map { path + $0 }.joined(separator: ", ")); known: "
                    + consumed.sorted().map { path + $0 }.joined(separator: ", "))
        }
    }
}
