/// The pickle opcodes the restricted machine executes (CPython's `pickletools` names them; protocols 0–5).
///
/// Every one of them builds data: containers, numbers, strings, references to allowlisted globals. The opcodes
/// that instantiate classes by name or fetch code (`INST`, `OBJ`, `EXT*`, `NEWOBJ_EX`, out-of-band buffers) are
/// absent, and ``refusedNames`` lets the error name what was refused.
enum PickleOpcode: UInt8 {
    case proto = 0x80, frame = 0x95, stop = 0x2E
    case mark = 0x28, pop = 0x30, popMark = 0x31
    case emptyDict = 0x7D, emptyList = 0x5D, emptyTuple = 0x29, dict = 0x64, list = 0x6C
    case tuple = 0x74, tuple1 = 0x85, tuple2 = 0x86, tuple3 = 0x87
    case binUnicode = 0x58, shortBinUnicode = 0x8C, binUnicode8 = 0x8D
    case binBytes = 0x42, shortBinBytes = 0x43, binBytes8 = 0x8E, binString = 0x54, shortBinString = 0x55
    case binInt = 0x4A, binInt1 = 0x4B, binInt2 = 0x4D, long1 = 0x8A, long4 = 0x8B
    case binFloat = 0x47, newTrue = 0x88, newFalse = 0x89, none = 0x4E
    case setItem = 0x73, setItems = 0x75, append = 0x61, appends = 0x65
    case binPut = 0x71, longBinPut = 0x72, memoize = 0x94, binGet = 0x68, longBinGet = 0x6A
    case global = 0x63, stackGlobal = 0x93, reduce = 0x52, build = 0x62, binPersId = 0x51, newObj = 0x81

    /// Opcodes of the pickle format that this machine refuses, by their `pickletools` names.
    static let refusedNames: [UInt8: String] = [
        0x32: "DUP", 0x46: "FLOAT", 0x49: "INT", 0x4C: "LONG", 0x50: "PERSID", 0x53: "STRING", 0x56: "UNICODE",
        0x67: "GET", 0x69: "INST", 0x6F: "OBJ", 0x70: "PUT",
        0x82: "EXT1", 0x83: "EXT2", 0x84: "EXT4", 0x8F: "EMPTY_SET", 0x90: "ADDITEMS", 0x91: "FROZENSET",
        0x92: "NEWOBJ_EX", 0x96: "BYTEARRAY8", 0x97: "NEXT_BUFFER", 0x98: "READONLY_BUFFER",
    ]
}
