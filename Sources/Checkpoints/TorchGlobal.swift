/// The globals a `torch.save` pickle of tensors and state dicts may name: the only names the pickle machine
/// resolves. Anything else (`os.system`, `builtins.eval`, …) is refused with ``CheckpointError/forbiddenGlobal(file:name:)``
/// before any later opcode runs. These entries are interpreted by ``TorchEnvironment``, never imported or called.
enum TorchGlobal: Equatable {
    /// `collections.OrderedDict`: state dicts and the (empty) backward-hook dictionaries.
    case orderedDict
    /// `torch._utils._rebuild_tensor_v2(storage, offset, size, stride, requires_grad, hooks[, metadata])`.
    case rebuildTensor
    /// `torch._utils._rebuild_tensor(storage, offset, size, stride)`: how PyTorch before 0.4 pickled tensors
    /// (legacy checkpoints such as torchvision's 2017 weights).
    case rebuildTensorV1
    /// `torch._utils._rebuild_parameter(data, requires_grad, hooks)`: an `nn.Parameter`, read as its tensor.
    case rebuildParameter
    /// `torch._utils._rebuild_parameter_with_state(data, requires_grad, hooks, state)`: the same, its Python
    /// attributes (`state`) ignored.
    case rebuildParameterWithState
    /// A typed storage class (`torch.FloatStorage`, …), which persistent ids name to give a storage's type.
    case storageType(StoredElementType)

    /// Storage classes by name, with the element types they hold.
    static let storageTypes: [String: StoredElementType] = [
        "FloatStorage": .float32, "HalfStorage": .float16, "BFloat16Storage": .bfloat16, "DoubleStorage": .float64,
        "LongStorage": .int64, "IntStorage": .int32, "ShortStorage": .int16, "CharStorage": .int8,
        "ByteStorage": .uint8, "BoolStorage": .bool,
    ]

    /// The allowlisted global `module.name`, or `forbiddenGlobal`.
    init(module: String, name: String, file: String) throws {
        switch (module, name) {
        case ("collections", "OrderedDict"): self = .orderedDict
        case ("torch._utils", "_rebuild_tensor_v2"): self = .rebuildTensor
        case ("torch._utils", "_rebuild_tensor"): self = .rebuildTensorV1
        case ("torch._utils", "_rebuild_parameter"): self = .rebuildParameter
        case ("torch._utils", "_rebuild_parameter_with_state"): self = .rebuildParameterWithState
        default:
            guard module == "torch", let type = Self.storageTypes[name] else {
                throw CheckpointError.forbiddenGlobal(file: file, name: "\(module).\(name)")
            }
            self = .storageType(type)
        }
    }

    /// `module.name`, as the pickle spells it.
    var qualifiedName: String {
        switch self {
        case .orderedDict: return "collections.OrderedDict"
        case .rebuildTensor: return "torch._utils._rebuild_tensor_v2"
        case .rebuildTensorV1: return "torch._utils._rebuild_tensor"
        case .rebuildParameter: return "torch._utils._rebuild_parameter"
        case .rebuildParameterWithState: return "torch._utils._rebuild_parameter_with_state"
        case let .storageType(type):
            return "torch." + (Self.storageTypes.first { $0.value == type }?.key ?? type.rawValue)
        }
    }
}
