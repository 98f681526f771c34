/// The Python `str` behaviours the CLIP tokenizer relies on, on text as code points (`[Unicode.Scalar]`, like a
/// Python string; Swift's `String` compares and searches by canonically equivalent grapheme clusters, which Python
/// never does).
enum PythonText {
    /// Python's `str.isspace()` (CPython `_PyUnicode_IsWhitespace`: bidirectional class WS, B or S, or category
    /// Zs), used by `str.strip()` and `str.split()`. It differs from the Unicode White_Space property (the `\s` of
    /// the `regex` module, ``isRegexWhitespace(_:)``) by U+001C...U+001F. The fixture records Python's own list.
    static func isSpace(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x09...0x0D, 0x1C...0x20, 0x85, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000:
            return true
        default:
            return false
        }
    }

    /// The `\s` of the `regex` module on a `str` pattern: the Unicode White_Space property.
    static func isRegexWhitespace(_ scalar: Unicode.Scalar) -> Bool { scalar.properties.isWhitespace }

    /// `str.strip()`.
    static func strip(_ text: [Unicode.Scalar]) -> [Unicode.Scalar] {
        guard let first = text.firstIndex(where: { !isSpace($0) }),
              let last = text.lastIndex(where: { !isSpace($0) }) else { return [] }
        return Array(text[first...last])
    }

    /// `str.split()` with no argument: the runs of non-space characters.
    static func splitOnWhitespace(_ text: [Unicode.Scalar]) -> [[Unicode.Scalar]] {
        text.split(whereSeparator: isSpace).map(Array.init)
    }

    /// `str.lower()`: each code point's full lowercase mapping (so 'İ' becomes "i̇"), except that a capital sigma
    /// in the Final_Sigma context (after a cased letter, not before one, case-ignorable characters skipped)
    /// becomes 'ς' (CPython `handle_capital_sigma`). Swift's `lowercased()` has no Final_Sigma rule.
    static func lower(_ text: [Unicode.Scalar]) -> [Unicode.Scalar] {
        var result: [Unicode.Scalar] = []
        result.reserveCapacity(text.count)
        for (index, scalar) in text.enumerated() {
            if scalar.value < 0x80 {
                result.append((0x41...0x5A).contains(scalar.value) ? Unicode.Scalar(UInt8(scalar.value + 0x20)) : scalar)
            } else if scalar == "\u{03A3}" {
                result.append(isFinalSigma(at: index, in: text) ? "\u{03C2}" : "\u{03C3}")
            } else {
                result.append(contentsOf: scalar.properties.lowercaseMapping.unicodeScalars)
            }
        }
        return result
    }

    /// `str.upper()`: each code point's full uppercase mapping ('ß' becomes "SS").
    static func upper(_ text: [Unicode.Scalar]) -> [Unicode.Scalar] {
        text.flatMap { Array($0.properties.uppercaseMapping.unicodeScalars) }
    }

    /// Unicode normalisation form C, as `unicodedata.normalize("NFC", …)`.
    ///
    /// Uses the standard library's own NFC (`String._nfcCodeUnits`, public though underscored): Foundation's
    /// `precomposedStringWithCanonicalMapping` on Linux misses compositions Python makes (Hangul LV + T syllables,
    /// kana + voicing mark), and the standard library exposes no decomposition data to build one from. Text below
    /// U+0300 is already NFC (no code point there decomposes or composes), so it is returned as is.
    static func nfc(_ text: [Unicode.Scalar]) -> [Unicode.Scalar] {
        guard text.contains(where: { $0.value >= 0x300 }) else { return text }
        let string = String(String.UnicodeScalarView(text))
        return Array(String(decoding: string._nfcCodeUnits, as: UTF8.self).unicodeScalars)
    }

    private static func isFinalSigma(at index: Int, in text: [Unicode.Scalar]) -> Bool {
        var before = index - 1
        while before >= 0, text[before].properties.isCaseIgnorable { before -= 1 }
        guard before >= 0, text[before].properties.isCased else { return false }
        var after = index + 1
        while after < text.count, text[after].properties.isCaseIgnorable { after += 1 }
        return after == text.count || !text[after].properties.isCased
    }
}
