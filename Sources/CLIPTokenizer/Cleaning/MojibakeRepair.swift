/// The part of ftfy's `fix_encoding` this implementation reproduces: a segment of text that is UTF-8 wrongly
/// decoded as Latin-1 or Windows-1252 ("cafÃ©", "doesnâ€™t", "Ð¿Ñ€Ð¸Ð²ÐµÑ‚") is decoded again as UTF-8, and
/// this is repeated until nothing changes (so double mojibake such as "Ã¢â‚¬â„¢" unwinds too).
///
/// ftfy (6.3.1, `_fix_encoding_one_step_and_explain`) repairs a segment when its "badness" heuristic, a large
/// hand-tuned table of suspicious character pairs, flags it and re-encoding in one of ten single-byte code pages
/// gives valid UTF-8. That table is ftfy's own code and is not copied here. Instead a segment is repaired only when
/// it
/// 1. encodes entirely as Latin-1 (tried first, as ftfy does) or else as sloppy Windows-1252 (``Windows1252``),
/// 2. those bytes are valid UTF-8, and
/// 3. it contains an *unmistakable* mark of mojibake: a C1 control character (U+0080...U+009F), or one of these
///    byte sequences of the re-encoded text:
///    - `C2`/`C3` followed by `A1`...`BF` except `A5`: "Â" or "Ã" before a Latin-1 sign ("Ã©" for é, "Â°" for °);
///    - `D0 B0`...`D0 BF`: "Ð°"..."Ð¿" for Cyrillic а...п;
///    - `E2 80 xx`: "â€" and one more character, for General Punctuation (’ “ ” – — … •);
///    - `E2 82 AC` ("â‚¬" for €) and `E2 9C xx` ("âœ…" for the dingbats ✓ ✔ ✨);
///    - `F0 9F xx xx`: "ðŸ" and two more characters, for emoji.
///
/// Each mark was checked against ftfy 6.3.1: it is flagged in every context tried (alone, inside words, between
/// spaces, digits or quotes), so whenever this repair acts, ftfy makes the same repair. ftfy repairs more: these
/// are left as they are here, and the fixture corpus avoids them:
/// - mojibake without one of the marks above (e.g. "Ã‰" alone for É), which ftfy may or may not repair;
/// - mojibake through the other code pages ftfy tries (Windows-1250/1251/1253/1254/1257, ISO-8859-2, MacRoman,
///   CP437);
/// - mojibake mixed with correct non-ASCII text in one segment (ftfy's `decode_inconsistent_utf8`);
/// - a no-break space turned into a space ("voilÃ le", ftfy's `restore_byte_a0`), sequences with "?" or U+FFFD
///   where bytes were lost (`replace_lossy_sequences`), and Java/CESU-8 forms (`utf-8-variants`).
enum MojibakeRepair {
    /// The segment with every layer of recognised mojibake decoded.
    static func repair(_ text: [Unicode.Scalar]) -> [Unicode.Scalar] {
        var current = text
        while let decoded = decodeOnce(current) { current = decoded }
        return current
    }

    /// The text decoded once, or nil when it is not (recognised) mojibake.
    static func decodeOnce(_ text: [Unicode.Scalar]) -> [Unicode.Scalar]? {
        guard text.contains(where: { $0.value >= 0x80 }) else { return nil }
        // ftfy takes the first code page in which the text can be encoded and whose bytes decode; Latin-1 and
        // Windows-1252 give the same bytes to any text both can encode.
        let encodings: [(Unicode.Scalar) -> UInt8?] = [
            { $0.value <= 0xFF ? UInt8($0.value) : nil },
            Windows1252.byte(of:),
        ]
        for encode in encodings {
            var bytes: [UInt8] = []
            bytes.reserveCapacity(text.count)
            var encodable = true
            for scalar in text {
                guard let byte = encode(scalar) else { encodable = false; break }
                bytes.append(byte)
            }
            guard encodable, let decoded = strictUTF8(bytes) else { continue }
            let marked = text.contains { (0x80...0x9F).contains($0.value) } || hasMojibakeMark(bytes)
            return marked ? decoded : nil
        }
        return nil
    }

    /// Whether the re-encoded bytes hold one of the marks listed in the type's documentation.
    static func hasMojibakeMark(_ bytes: [UInt8]) -> Bool {
        let count = bytes.count
        for index in 0..<count {
            let next = index + 1 < count ? bytes[index + 1] : 0
            switch bytes[index] {
            case 0xC2, 0xC3:
                if (0xA1...0xBF).contains(next) && next != 0xA5 { return true }
            case 0xD0:
                if (0xB0...0xBF).contains(next) { return true }
            case 0xE2:
                guard index + 2 < count else { continue }
                if next == 0x80 || next == 0x9C || (next == 0x82 && bytes[index + 2] == 0xAC) { return true }
            case 0xF0:
                if next == 0x9F && index + 3 < count { return true }
            default:
                continue
            }
        }
        return false
    }

    /// The code points of `bytes` when they are well-formed UTF-8 (no overlong forms, surrogates or values past
    /// U+10FFFF), else nil.
    static func strictUTF8(_ bytes: [UInt8]) -> [Unicode.Scalar]? {
        var scalars: [Unicode.Scalar] = []
        var decoder = UTF8()
        var iterator = bytes.makeIterator()
        while true {
            switch decoder.decode(&iterator) {
            case let .scalarValue(scalar): scalars.append(scalar)
            case .emptyInput: return scalars
            case .error: return nil
            }
        }
    }
}
