@testable import Checkpoints
import Foundation

/// Builds torch-like zip archives (stored members) and pickles opcode by opcode, for tests that need inputs no
/// PyTorch would write.
enum TorchArchiveBuilder {
    /// A zip of stored members with correct CRCs, laid out as `torch.save` lays it out under `archive/`.
    static func archive(pickle: [UInt8], storages: [String: [UInt8]] = [:], byteorder: String = "little") -> Data {
        var members: [(String, [UInt8])] = [("archive/data.pkl", pickle), ("archive/byteorder", Array(byteorder.utf8))]
        for key in storages.keys.sorted() { members.append(("archive/data/\(key)", storages[key] ?? [])) }
        members.append(("archive/version", Array("3\n".utf8)))
        return zip(members)
    }

    /// A zip archive of stored members.
    static func zip(_ members: [(String, [UInt8])]) -> Data {
        var out: [UInt8] = []
        var central: [UInt8] = []
        func u16(_ v: Int, _ buffer: inout [UInt8]) { buffer += [UInt8(v & 0xFF), UInt8((v >> 8) & 0xFF)] }
        func u32(_ v: UInt32, _ buffer: inout [UInt8]) { for k in 0..<4 { buffer.append(UInt8((v >> (8 * UInt32(k))) & 0xFF)) } }
        for (name, bytes) in members {
            let nameBytes = Array(name.utf8)
            let crc = bytes.withUnsafeBytes { CRC32.checksum($0) }
            let offset = UInt32(out.count)
            u32(0x0403_4B50, &out); u16(20, &out); u16(0, &out); u16(0, &out); u16(0, &out); u16(0x21, &out)
            u32(crc, &out); u32(UInt32(bytes.count), &out); u32(UInt32(bytes.count), &out)
            u16(nameBytes.count, &out); u16(0, &out)
            out += nameBytes + bytes
            u32(0x0201_4B50, &central); u16(20, &central); u16(20, &central); u16(0, &central); u16(0, &central)
            u16(0, &central); u16(0x21, &central); u32(crc, &central); u32(UInt32(bytes.count), &central)
            u32(UInt32(bytes.count), &central); u16(nameBytes.count, &central); u16(0, &central); u16(0, &central)
            u16(0, &central); u16(0, &central); u32(0, &central); u32(offset, &central)
            central += nameBytes
        }
        let directoryOffset = UInt32(out.count)
        out += central
        u32(0x0605_4B50, &out); u16(0, &out); u16(0, &out); u16(members.count, &out); u16(members.count, &out)
        u32(UInt32(central.count), &out); u32(directoryOffset, &out); u16(0, &out)
        return Data(out)
    }
}

/// Pickle opcodes written out, so that tests read like `pickletools` listings.
enum Op {
    static let proto2: [UInt8] = [0x80, 2]
    static let stop: [UInt8] = [0x2E]
    static let mark: [UInt8] = [0x28]
    static let emptyDict: [UInt8] = [0x7D]
    static let emptyList: [UInt8] = [0x5D]
    static let emptyTuple: [UInt8] = [0x29]
    static let tuple: [UInt8] = [0x74]
    static let tuple1: [UInt8] = [0x85]
    static let tuple2: [UInt8] = [0x86]
    static let setItem: [UInt8] = [0x73]
    static let setItems: [UInt8] = [0x75]
    static let append: [UInt8] = [0x61]
    static let reduce: [UInt8] = [0x52]
    static let binPersId: [UInt8] = [0x51]
    static let newFalse: [UInt8] = [0x89]
    static let none: [UInt8] = [0x4E]

    static func string(_ s: String) -> [UInt8] {
        let bytes = Array(s.utf8)
        return [0x58] + withUnsafeBytes(of: UInt32(bytes.count).littleEndian, Array.init) + bytes
    }
    static func int(_ n: Int32) -> [UInt8] { [0x4A] + withUnsafeBytes(of: n.littleEndian, Array.init) }
    static func long1(_ bytes: [UInt8]) -> [UInt8] { [0x8A, UInt8(bytes.count)] + bytes }
    static func global(_ module: String, _ name: String) -> [UInt8] { [0x63] + Array("\(module)\n\(name)\n".utf8) }
    static func binPut(_ i: UInt8) -> [UInt8] { [0x71, i] }
    static func binGet(_ i: UInt8) -> [UInt8] { [0x68, i] }
    static func longBinGet(_ i: UInt32) -> [UInt8] { [0x6A] + withUnsafeBytes(of: i.littleEndian, Array.init) }
    static func ints(_ values: [Int32]) -> [UInt8] { mark + values.flatMap(int) + tuple }

    /// `_rebuild_tensor_v2(('storage', FloatStorage, key, 'cpu', numel), offset, size, stride, False, OrderedDict())`.
    static func tensor(key: String, storageType: String = "FloatStorage", numel: Int32, offset: Int32, size: [Int32], stride: [Int32]) -> [UInt8] {
        global("torch._utils", "_rebuild_tensor_v2") + mark
            + mark + string("storage") + global("torch", storageType) + string(key) + string("cpu") + int(numel) + tuple
            + binPersId + int(offset) + ints(size) + ints(stride) + newFalse
            + global("collections", "OrderedDict") + emptyTuple + reduce + tuple + reduce
    }

    /// `{name: tensor}` as a whole pickle.
    static func stateDict(_ entries: [(String, [UInt8])]) -> [UInt8] {
        proto2 + emptyDict + mark + entries.flatMap { string($0.0) + $0.1 } + setItems + stop
    }
}

extension Array where Element == Float {
    /// Little-endian bytes.
    var bytes: [UInt8] { flatMap { Swift.withUnsafeBytes(of: $0.bitPattern.littleEndian) { [UInt8]($0) } } }
}
