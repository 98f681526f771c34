/// HTML character references, decoded the two ways the CLIP tokenizer's cleaning decodes them: Python's
/// `html.unescape` (applied twice after ftfy in OpenCLIP's `basic_clean`) and ftfy's own `unescape_html` fix.
///
/// Both use the full table of the 2,231 HTML5 named references (``table``, generated from Python's
/// `html.entities.html5`): a subset would change ids for texts that use the others. Names are compared as bytes, so
/// a look-alike such as U+037E GREEK QUESTION MARK never stands in for ';' the way Swift string equality would let it.
enum HTMLEntities {
    /// Python's `html.unescape` (3.11): each match of
    /// `&(#[0-9]+;?|#[xX][0-9a-fA-F]+;?|[^\t\n\f <&#;]{1,32};?)` is replaced by
    /// - for a number: the character, with the HTML5 rules: 0 → U+FFFD, 13 → CR, 0x80...0x9F → Windows-1252,
    ///   surrogates or past U+10FFFF → U+FFFD, other controls and non-characters → nothing;
    /// - for a name: its value when the name (with its ';' if present) is in the table, else the value of its
    ///   longest prefix of two or more characters that is (only the legacy names without ';' can be), followed by
    ///   the rest ("&notit;" → "¬it;"), else the text unchanged.
    static func unescape(_ text: [Unicode.Scalar]) -> [Unicode.Scalar] {
        guard text.contains("&") else { return text }
        var result: [Unicode.Scalar] = []
        result.reserveCapacity(text.count)
        var index = 0
        while index < text.count {
            if text[index] == "&", let (replacement, end) = characterReference(in: text, after: index) {
                result.append(contentsOf: replacement)
                index = end
            } else {
                result.append(text[index])
                index += 1
            }
        }
        return result
    }

    /// ftfy's `unescape_html` (6.3.1): each match of `&#?[0-9A-Za-z]{1,24};` is replaced when it is a named
    /// reference of ``ftfyNames`` (HTML5 names that end in ';', plus upper-case forms), or a numeric reference that
    /// `html.unescape` decodes completely; anything else stays as written.
    static func ftfyUnescape(_ text: [Unicode.Scalar]) -> [Unicode.Scalar] {
        guard text.contains("&") else { return text }
        var result: [Unicode.Scalar] = []
        result.reserveCapacity(text.count)
        var index = 0
        while index < text.count {
            guard text[index] == "&" else {
                result.append(text[index])
                index += 1
                continue
            }
            let numeric = index + 1 < text.count && text[index + 1] == "#"
            let nameStart = index + (numeric ? 2 : 1)
            var nameEnd = nameStart
            while nameEnd < text.count, nameEnd - nameStart < 25, text[nameEnd].isASCIIAlphanumeric { nameEnd += 1 }
            let length = nameEnd - nameStart
            guard (1...24).contains(length), nameEnd < text.count, text[nameEnd] == ";" else {
                result.append(text[index])
                index += 1
                continue
            }
            let match = Array(text[index...nameEnd])
            if numeric {
                let decoded = unescape(match)
                result.append(contentsOf: decoded.contains(";") ? match : decoded)
            } else if let value = ftfyNames[utf8(text[nameStart...nameEnd])] {
                result.append(contentsOf: value)
            } else {
                result.append(contentsOf: match)
            }
            index = nameEnd + 1
        }
        return result
    }

    /// The HTML5 names and their values, keyed by the UTF-8 bytes of the name as written after '&'.
    static let named: [[UInt8]: [Unicode.Scalar]] = {
        var result: [[UInt8]: [Unicode.Scalar]] = [:]
        for line in table.utf8.split(separator: 0x0A) {
            let fields = line.split(separator: 0x20)
            guard let name = fields.first else { continue }
            result[Array(name)] = fields.dropFirst().compactMap {
                UInt32(String(decoding: $0, as: UTF8.self), radix: 16).flatMap(Unicode.Scalar.init)
            }
        }
        return result
    }()

    /// ftfy's `HTML_ENTITIES` (`chardata._build_html_entities`) without the leading '&': every HTML5 name that ends
    /// in ';', and for each of those written in lower case, its upper-case form ("NTILDE;" → "Ñ", the value
    /// upper-cased by `str.upper`) unless `html.unescape` already decodes that form.
    static let ftfyNames: [[UInt8]: [Unicode.Scalar]] = {
        var result: [[UInt8]: [Unicode.Scalar]] = [:]
        for (name, value) in named where name.last == UInt8(ascii: ";") {
            result[name] = value
            guard !name.contains(where: { (0x41...0x5A).contains($0) }) else { continue }
            let upperName = name.map { (0x61...0x7A).contains($0) ? $0 - 0x20 : $0 }
            let reference = [ampersandScalar] + upperName.map { Unicode.Scalar($0) }
            if unescape(reference) == reference { result[upperName] = PythonText.upper(value) }
        }
        return result
    }()

    /// The replacement and end index of the character reference whose '&' is at `ampersand`, or nil when the text
    /// there is not one (Python's `_charref` pattern).
    private static func characterReference(in text: [Unicode.Scalar], after ampersand: Int) -> ([Unicode.Scalar], Int)? {
        let start = ampersand + 1
        guard start < text.count else { return nil }
        if text[start] == "#" {
            let hex = start + 1 < text.count && (text[start + 1] == "x" || text[start + 1] == "X")
            let digitsStart = start + (hex ? 2 : 1)
            var end = digitsStart
            while end < text.count, hex ? text[end].isASCIIHexDigit : text[end].isASCIIDigit { end += 1 }
            guard end > digitsStart else { return nil }
            let value = numericValue(text[digitsStart..<end], radix: hex ? 16 : 10)
            if end < text.count, text[end] == ";" { end += 1 }
            return (numericReference(value), end)
        }
        var end = start
        while end < text.count, end - start < 32, !isNameTerminator(text[end]) { end += 1 }
        guard end > start else { return nil }
        if end < text.count, text[end] == ";" { end += 1 }
        let name = Array(text[start..<end])
        if let value = named[utf8(name[...])] { return (value, end) }
        var prefix = name.count - 1
        while prefix >= 2 {
            if let value = named[utf8(name[..<prefix])] { return (value + name[prefix...], end) }
            prefix -= 1
        }
        return ([ampersandScalar] + name, end)
    }

    /// The value of a run of digits, saturated at 0x110000 (past the last code point, which is all that matters).
    private static func numericValue(_ digits: ArraySlice<Unicode.Scalar>, radix: UInt32) -> UInt32 {
        var value: UInt32 = 0
        for digit in digits {
            let digitValue = digit.isASCIIDigit ? digit.value - 0x30 : (digit.value | 0x20) - 0x61 + 10
            value = min(value * radix + digitValue, 0x110000)
        }
        return value
    }

    /// `html._replace_charref` for a number.
    private static func numericReference(_ value: UInt32) -> [Unicode.Scalar] {
        switch value {
        case 0x00: return ["\u{FFFD}"]
        case 0x0D: return ["\r"]
        case 0x80...0x9F: return [Windows1252.character(of: UInt8(value))]
        case 0xD800...0xDFFF, 0x110000...: return ["\u{FFFD}"]
        case 0x01...0x08, 0x0B, 0x0E...0x1F, 0x7F, 0xFDD0...0xFDEF: return []
        case _ where value & 0xFFFE == 0xFFFE: return []   // U+xFFFE and U+xFFFF of every plane
        default: return Unicode.Scalar(value).map { [$0] } ?? ["\u{FFFD}"]
        }
    }

    private static func isNameTerminator(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case "\t", "\n", "\u{0C}", " ", "<", "&", "#", ";": return true
        default: return false
        }
    }

    private static func utf8(_ scalars: ArraySlice<Unicode.Scalar>) -> [UInt8] {
        Array(String(String.UnicodeScalarView(scalars)).utf8)
    }

    private static let ampersandScalar: Unicode.Scalar = "&"
}

extension Unicode.Scalar {
    var isASCIIDigit: Bool { (0x30...0x39).contains(value) }
    var isASCIIHexDigit: Bool { isASCIIDigit || (0x41...0x46).contains(value) || (0x61...0x66).contains(value) }
    var isASCIIAlphanumeric: Bool { isASCIIDigit || isASCIILetter }
}
