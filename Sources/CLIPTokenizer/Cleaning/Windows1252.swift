/// Windows-1252 read "sloppily", as Web browsers and ftfy's `sloppy-windows-1252` codec do: bytes 0x80...0x9F are
/// the code page's characters (€, ‚, ƒ, „, …, curly quotes, dashes, ™, …), the five it leaves undefined (0x81,
/// 0x8D, 0x8F, 0x90, 0x9D) read as the Latin-1 control characters of the same value, and every other byte is its
/// Latin-1 character.
enum Windows1252 {
    /// The characters of bytes 0x80...0x9F.
    private static let upperControlRange: [UInt32] = [
        0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
        0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x008D, 0x017D, 0x008F,
        0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
        0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178,
    ]

    /// The character byte `byte` stands for.
    static func character(of byte: UInt8) -> Unicode.Scalar {
        guard (0x80...0x9F).contains(byte) else { return Unicode.Scalar(byte) }
        return Unicode.Scalar(upperControlRange[Int(byte) - 0x80]) ?? Unicode.Scalar(byte)
    }

    /// The byte that stands for `scalar`, or nil when the code page has none. U+001A has none: ftfy's sloppy codecs
    /// give byte 0x1A to U+FFFD instead, a case this implementation does not take up (see ``MojibakeRepair``).
    static func byte(of scalar: Unicode.Scalar) -> UInt8? {
        let value = scalar.value
        if value < 0x80 { return value == 0x1A ? nil : UInt8(value) }
        if value >= 0xA0 && value <= 0xFF { return UInt8(value) }
        return byteOfSpecial[value]
    }

    private static let byteOfSpecial: [UInt32: UInt8] = Dictionary(
        uniqueKeysWithValues: upperControlRange.enumerated().map { ($0.element, UInt8(0x80 + $0.offset)) })
}
