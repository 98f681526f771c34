import Checkpoints
import Foundation

/// Writes a dictionary of Float32 tensors as `torch.save(state_dict, path)` does by default: a zip archive of
/// stored members `archive/data.pkl` (protocol-2 pickle of `{name: _rebuild_tensor_v2(storage, 0, size, stride,
/// False, OrderedDict())}`), `archive/byteorder`, one `archive/data/<k>` record per tensor and `archive/version`.
/// For tests that need `.pth` files too large to commit (random trunk weights under torchvision's file names).
/// `legacy: true` writes the format before PyTorch 1.6 instead (`_use_new_zipfile_serialization=False`), the one
/// torchvision's 2017 weights are in: the magic number, protocol 1001 and system-information pickles, the
/// dictionary with 6-element persistent ids, the list of storage keys, then each storage as an 8-byte element count
/// and its bytes.
public enum TorchSaveWriter {
    /// The bytes of the checkpoint.
    public static func data(_ tensors: [(name: String, shape: [Int], values: [Float])], legacy: Bool = false) -> Data {
        var pickle: [UInt8] = [0x80, 2, 0x7D, 0x28]  // PROTO 2, EMPTY_DICT, MARK
        var members: [(String, Data)] = []
        for (k, tensor) in tensors.enumerated() {
            precondition(tensor.values.count == tensor.shape.reduce(1, *), "TorchSaveWriter: \(tensor.name) shape and values differ")
            var strides = [Int](repeating: 1, count: tensor.shape.count)
            for axis in stride(from: tensor.shape.count - 2, through: 0, by: -1) { strides[axis] = strides[axis + 1] * tensor.shape[axis + 1] }
            pickle += string(tensor.name)
            pickle += global("torch._utils", "_rebuild_tensor_v2") + [0x28]  // MARK
            pickle += [0x28] + string("storage") + global("torch", "FloatStorage") + string("\(k)") + string("cpu")
                + int(tensor.values.count) + (legacy ? [0x4E] : []) + [0x74, 0x51]  // (legacy: view None), TUPLE, BINPERSID
            pickle += int(0) + ints(tensor.shape) + ints(strides) + [0x89]  // offset, size, stride, NEWFALSE
            pickle += global("collections", "OrderedDict") + [0x29, 0x52]  // EMPTY_TUPLE, REDUCE
            pickle += [0x74, 0x52]  // TUPLE, REDUCE
            members.append(("\(k)", tensor.values.withUnsafeBytes { Data($0) }))
        }
        pickle += [0x75, 0x2E]  // SETITEMS, STOP
        guard !legacy else { return legacyStream(object: pickle, storages: members) }
        return zip([("archive/data.pkl", Data(pickle)), ("archive/byteorder", Data("little".utf8))]
            + members.map { ("archive/data/\($0.0)", $0.1) } + [("archive/version", Data("3\n".utf8))])
    }

    /// Writes the checkpoint to `url`.
    public static func write(_ tensors: [(name: String, shape: [Int], values: [Float])], to url: URL, legacy: Bool = false) throws {
        try data(tensors, legacy: legacy).write(to: url)
    }

    /// The legacy stream around the object's pickle: its storages are Float32 records named by their keys.
    public static func legacyStream(object: [UInt8], storages: [(String, Data)]) -> Data {
        let magic: [UInt8] = [0x80, 2, 0x8A, 10, 0x6C, 0xFC, 0x9C, 0x46, 0xF9, 0x20, 0x6A, 0xA8, 0x50, 0x19, 0x2E]  // LONG1
        let version: [UInt8] = [0x80, 2, 0x4D, 0xE9, 0x03, 0x2E]  // BININT2 1001
        let systemInformation: [UInt8] = [0x80, 2, 0x7D, 0x28] + string("protocol_version") + [0x4D, 0xE9, 0x03]
            + string("little_endian") + [0x88] + string("type_sizes") + [0x7D, 0x28] + string("short") + [0x4B, 2]
            + string("int") + [0x4B, 4] + string("long") + [0x4B, 4] + [0x75, 0x75, 0x2E]
        let keys: [UInt8] = [0x80, 2, 0x5D, 0x28] + storages.flatMap { string($0.0) } + [0x65, 0x2E]  // EMPTY_LIST, MARK … APPENDS
        var out = Data(magic + version + systemInformation + object + keys)
        for (_, bytes) in storages {
            out.append(contentsOf: le(UInt64(bytes.count / 4)))
            out.append(bytes)
        }
        return out
    }

    private static func string(_ s: String) -> [UInt8] { [0x58] + le(UInt32(s.utf8.count)) + Array(s.utf8) }  // BINUNICODE
    private static func int(_ n: Int) -> [UInt8] { [0x4A] + le(UInt32(bitPattern: Int32(n))) }  // BININT
    private static func ints(_ values: [Int]) -> [UInt8] { [0x28] + values.flatMap(int) + [0x74] }  // MARK … TUPLE
    private static func global(_ module: String, _ name: String) -> [UInt8] { [0x63] + Array("\(module)\n\(name)\n".utf8) }
    private static func le<T: FixedWidthInteger>(_ v: T) -> [UInt8] { withUnsafeBytes(of: v.littleEndian, Array.init) }

    /// A zip archive of stored (uncompressed) members with their CRC-32s.
    static func zip(_ members: [(String, Data)]) -> Data {
        var out = Data(), central = Data()
        for (name, bytes) in members {
            let nameBytes = Array(name.utf8)
            let crc = bytes.withUnsafeBytes { CRC32.checksum($0) }
            let offset = UInt32(out.count)
            out.append(contentsOf: le(UInt32(0x0403_4B50)) + le(UInt16(20)) + le(UInt16(0)) + le(UInt16(0)) + le(UInt16(0)) + le(UInt16(0x21))
                + le(crc) + le(UInt32(bytes.count)) + le(UInt32(bytes.count)) + le(UInt16(nameBytes.count)) + le(UInt16(0)) + nameBytes)
            out.append(bytes)
            central.append(contentsOf: le(UInt32(0x0201_4B50)) + le(UInt16(20)) + le(UInt16(20)) + le(UInt16(0)) + le(UInt16(0))
                + le(UInt16(0)) + le(UInt16(0x21)) + le(crc) + le(UInt32(bytes.count)) + le(UInt32(bytes.count))
                + le(UInt16(nameBytes.count)) + le(UInt16(0)) + le(UInt16(0)) + le(UInt16(0)) + le(UInt16(0)) + le(UInt32(0))
                + le(offset) + nameBytes)
        }
        let directoryOffset = UInt32(out.count)
        out.append(central)
        out.append(contentsOf: le(UInt32(0x0605_4B50)) + le(UInt16(0)) + le(UInt16(0)) + le(UInt16(members.count))
            + le(UInt16(members.count)) + le(UInt32(central.count)) + le(directoryOffset) + le(UInt16(0)))
        return out
    }
}
