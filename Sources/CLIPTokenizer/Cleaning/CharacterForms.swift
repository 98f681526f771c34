/// The character-level fixes of ftfy 6.3.1 (`ftfy.fixes`), each a map over code points, in the order
/// `fix_and_explain` applies them after the encoding repair.
enum CharacterForms {
    /// `fix_c1_controls`: a C1 control character (U+0080...U+009F) becomes the Windows-1252 character of its
    /// byte, as browsers read it (U+0093 → “); the five bytes Windows-1252 leaves undefined stay.
    static func fixC1Controls(_ text: [Unicode.Scalar]) -> [Unicode.Scalar] {
        text.map { (0x80...0x9F).contains($0.value) ? Windows1252.character(of: UInt8($0.value)) : $0 }
    }

    /// `fix_latin_ligatures`: the Latin ligatures and digraphs below become their letters (their NFKC forms);
    /// others (æ, œ) stay, since they are usually intended.
    static func fixLatinLigatures(_ text: [Unicode.Scalar]) -> [Unicode.Scalar] {
        guard text.contains(where: { ligatures[$0.value] != nil }) else { return text }
        return text.flatMap { ligatures[$0.value].map(Array.init) ?? [$0] }
    }

    private static let ligatures: [UInt32: String.UnicodeScalarView] = [
        0x0132: "IJ", 0x0133: "ij", 0x0149: "\u{02BC}n",
        0x01C4: "D\u{017D}", 0x01C5: "D\u{017E}", 0x01C6: "d\u{017E}",
        0x01C7: "LJ", 0x01C8: "Lj", 0x01C9: "lj", 0x01CA: "NJ", 0x01CB: "Nj", 0x01CC: "nj",
        0x01F1: "DZ", 0x01F2: "Dz", 0x01F3: "dz",
        0xFB00: "ff", 0xFB01: "fi", 0xFB02: "fl", 0xFB03: "ffi", 0xFB04: "ffl", 0xFB05: "\u{017F}t", 0xFB06: "st",
    ].mapValues(\.unicodeScalars)

    /// `fix_character_width`: halfwidth and fullwidth forms (U+FF01...U+FFEF) become their NFKC forms and U+3000
    /// IDEOGRAPHIC SPACE a space ("ＬＯＵＤ" → "LOUD", "ｶ" → "カ"). The table is generated (``widthTable``).
    static func fixCharacterWidth(_ text: [Unicode.Scalar]) -> [Unicode.Scalar] {
        guard text.contains(where: { widthFolds[$0.value] != nil }) else { return text }
        return text.flatMap { widthFolds[$0.value] ?? [$0] }
    }

    private static let widthFolds: [UInt32: [Unicode.Scalar]] = parseTable(widthTable)

    /// `uncurl_quotes`: U+2018...U+201B and U+02BC become an apostrophe, U+201C...U+201F a straight double quote.
    static func uncurlQuotes(_ text: [Unicode.Scalar]) -> [Unicode.Scalar] {
        text.map { scalar in
            switch scalar.value {
            case 0x02BC, 0x2018...0x201B: return "'"
            case 0x201C...0x201F: return "\""
            default: return scalar
            }
        }
    }

    /// `fix_line_breaks`: CR LF, CR, U+2028, U+2029 and U+0085 each become LF.
    static func fixLineBreaks(_ text: [Unicode.Scalar]) -> [Unicode.Scalar] {
        var result: [Unicode.Scalar] = []
        result.reserveCapacity(text.count)
        var index = 0
        while index < text.count {
            switch text[index].value {
            case 0x0D:
                result.append("\n")
                if index + 1 < text.count, text[index + 1] == "\n" { index += 1 }
            case 0x2028, 0x2029, 0x85:
                result.append("\n")
            default:
                result.append(text[index])
            }
            index += 1
        }
        return result
    }

    /// `remove_terminal_escapes`: ANSI sequences ESC '[' (decimal digits or ';')* ASCII letter are removed
    /// (`\d` of Python's `re` is any decimal digit, category Nd).
    static func removeTerminalEscapes(_ text: [Unicode.Scalar]) -> [Unicode.Scalar] {
        guard text.contains("\u{1B}") else { return text }
        var result: [Unicode.Scalar] = []
        var index = 0
        while index < text.count {
            if text[index] == "\u{1B}", index + 1 < text.count, text[index + 1] == "[" {
                var end = index + 2
                while end < text.count, text[end] == ";" || text[end].properties.generalCategory == .decimalNumber {
                    end += 1
                }
                if end < text.count, text[end].isASCIILetter {
                    index = end + 1
                    continue
                }
            }
            result.append(text[index])
            index += 1
        }
        return result
    }

    /// `remove_control_chars`: removes U+0000...U+0008, U+000B, U+000E...U+001F, U+007F, the deprecated format
    /// characters U+206A...U+206F, the byte-order mark U+FEFF and U+FFF9...U+FFFC. Tab, LF, FF, CR, C1 controls,
    /// joiners, direction marks and tag characters stay.
    static func removeControlCharacters(_ text: [Unicode.Scalar]) -> [Unicode.Scalar] {
        text.filter { scalar in
            switch scalar.value {
            case 0x00...0x08, 0x0B, 0x0E...0x1F, 0x7F, 0x206A...0x206F, 0xFEFF, 0xFFF9...0xFFFC: return false
            default: return true
            }
        }
    }

    /// Parses a generated table: lines of hexadecimal code points, the first the key, the rest its value.
    static func parseTable(_ table: String) -> [UInt32: [Unicode.Scalar]] {
        var result: [UInt32: [Unicode.Scalar]] = [:]
        for line in table.utf8.split(separator: 0x0A) {
            let fields = line.split(separator: 0x20).compactMap {
                UInt32(String(decoding: $0, as: UTF8.self), radix: 16)
            }
            guard let key = fields.first else { continue }
            result[key] = fields.dropFirst().compactMap(Unicode.Scalar.init)
        }
        return result
    }
}

extension Unicode.Scalar {
    /// 'A'...'Z' or 'a'...'z'.
    var isASCIILetter: Bool { (0x41...0x5A).contains(value) || (0x61...0x7A).contains(value) }
}
