/// Splits cleaned text into the pieces BPE encodes, as OpenCLIP's `re.findall(self.pat, text)` with the pattern
/// (tokenizer.py line 93, `regex` module, IGNORECASE)
///
///     <start_of_text>|<end_of_text>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+
///
/// At each position the alternatives are tried in that order and the first that matches is taken; where none
/// does (white space), the scan moves on one code point. So letters group into runs, every number character is
/// its own piece (digits are single tokens), and punctuation runs greedily over anything that is not white space,
/// a letter or a number, including a '<' or an apostrophe that a later alternative could have started with
/// ("!<start_of_text>" is "!<", "start", "_", "of", "_", "text", ">").
///
/// A hand-written scanner rather than `NSRegularExpression`: it works on code points as the `regex` module does
/// (no UTF-16 offsets), and it states the two places where IGNORECASE matters on text that is already lower case,
/// found by running the `regex` module over every code point (the fixture records both, and the tests check them):
/// - simple case folding makes 'ſ' (U+017F LONG S) match 's', in "'s" and in "<start_of_text>";
/// - U+0345 COMBINING GREEK YPOGEGRAMMENI folds to the letter 'ι', so the negated class rejects it while the
///   letter class does not accept it: it matches nothing and is skipped like white space.
///
/// `\s` is the Unicode White_Space property, `\p{L}` the categories Lu Ll Lt Lm Lo and `\p{N}` Nd Nl No, from the
/// Swift standard library's Unicode tables.
enum PieceSplitter {
    /// A piece: the special token it spells, or text to encode with BPE.
    enum Piece: Equatable {
        case special(Int)
        case text(ArraySlice<Unicode.Scalar>)
    }

    /// The pieces of `text`; `startOfText` and `endOfText` are the ids a literal special token becomes.
    static func pieces(of text: [Unicode.Scalar], startOfText: Int, endOfText: Int) -> [Piece] {
        var pieces: [Piece] = []
        var index = 0
        while index < text.count {
            let scalar = text[index]
            if scalar == "<", let (end, exact) = match(startOfTextLiteral, in: text, at: index) {
                // The cache of `SimpleTokenizer.bpe` holds the literal spelling only: "<ſtart_of_text>" is matched
                // as one piece here but encoded by BPE.
                pieces.append(exact ? .special(startOfText) : .text(text[index..<end]))
                index = end
            } else if scalar == "<", let (end, exact) = match(endOfTextLiteral, in: text, at: index) {
                pieces.append(exact ? .special(endOfText) : .text(text[index..<end]))
                index = end
            } else if scalar == "'", let end = contraction(in: text, at: index) {
                pieces.append(.text(text[index..<end]))
                index = end
            } else if isLetter(scalar) {
                var end = index + 1
                while end < text.count, isLetter(text[end]) { end += 1 }
                pieces.append(.text(text[index..<end]))
                index = end
            } else if isNumber(scalar) {
                pieces.append(.text(text[index...index]))
                index += 1
            } else if isOther(scalar) {
                var end = index + 1
                while end < text.count, isOther(text[end]) { end += 1 }
                pieces.append(.text(text[index..<end]))
                index = end
            } else {
                index += 1
            }
        }
        return pieces
    }

    private static let startOfTextLiteral = Array("<start_of_text>".unicodeScalars)
    private static let endOfTextLiteral = Array("<end_of_text>".unicodeScalars)
    private static let contractions = ["s", "t", "re", "ve", "m", "ll", "d"].map { Array($0.unicodeScalars) }

    /// The end of `literal` matched case-insensitively at `start`, and whether it was matched exactly.
    private static func match(_ literal: [Unicode.Scalar], in text: [Unicode.Scalar], at start: Int) -> (Int, Bool)? {
        guard text.count - start >= literal.count else { return nil }
        var exact = true
        for (offset, expected) in literal.enumerated() {
            let actual = text[start + offset]
            if actual == expected { continue }
            guard foldsTogether(actual, expected) else { return nil }
            exact = false
        }
        return (start + literal.count, exact)
    }

    /// The end of the contraction ("'s", "'t", "'re", "'ve", "'m", "'ll", "'d", in that order) at `start`.
    private static func contraction(in text: [Unicode.Scalar], at start: Int) -> Int? {
        for suffix in contractions {
            guard text.count - start - 1 >= suffix.count else { continue }
            let matches = suffix.enumerated().allSatisfy { offset, expected in
                let actual = text[start + 1 + offset]
                return actual == expected || foldsTogether(actual, expected)
            }
            if matches { return start + 1 + suffix.count }
        }
        return nil
    }

    /// Whether `actual` matches the ASCII character `expected` under simple case folding.
    private static func foldsTogether(_ actual: Unicode.Scalar, _ expected: Unicode.Scalar) -> Bool {
        if expected.isASCIILetter, actual.value == expected.value ^ 0x20 { return true }
        return expected == "s" && actual == "\u{017F}"
    }

    /// `\p{L}` (U+0345 is not a letter in any case).
    static func isLetter(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter: return true
        default: return false
        }
    }

    /// `\p{N}`.
    static func isNumber(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.properties.generalCategory {
        case .decimalNumber, .letterNumber, .otherNumber: return true
        default: return false
        }
    }

    /// `[^\s\p{L}\p{N}]` under IGNORECASE.
    static func isOther(_ scalar: Unicode.Scalar) -> Bool {
        scalar != "\u{0345}" && !PythonText.isRegexWhitespace(scalar) && !isLetter(scalar) && !isNumber(scalar)
    }
}
