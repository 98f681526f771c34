/// `ftfy.fix_text` with its default settings (ftfy 6.3.1), the first step of OpenCLIP's `basic_clean`, for what
/// matters to CLIP's tokenizer.
///
/// As ftfy does, the text is fixed in segments that end after each line feed (and at most 1,000,000 code points
/// long), and each segment is fixed by applying the steps below in this order, again and again until a pass
/// changes nothing:
/// 1. `unescape_html`: HTML character references (``HTMLEntities/ftfyUnescape(_:)``, full HTML5 table). Setting
///    "auto": skipped for a segment containing '<' (it may be real HTML) and, as ftfy's loop rebinds its
///    configuration, for every segment after it too.
/// 2. `fix_encoding`: mojibake, in the recognised forms only (``MojibakeRepair``, which lists what ftfy repairs
///    beyond them).
/// 3. `fix_c1_controls`, 4. `fix_latin_ligatures`, 5. `fix_character_width`, 6. `uncurl_quotes`,
///    7. `fix_line_breaks`: exactly as ftfy (``CharacterForms``).
/// 8. `fix_surrogates`: nothing to do, a Swift string cannot hold a surrogate code point.
/// 9. `remove_terminal_escapes`, 10. `remove_control_chars`: exactly as ftfy (``CharacterForms``).
/// 11. NFC normalisation (``PythonText/nfc(_:)``).
///
/// Why these: they are all of ftfy's default fixes, and captions met in the wild (HTML-escaped alt text, curly
/// quotes, full-width text from CJK input methods, "ﬁ" from PDFs, stray controls) go through them all. Only the
/// encoding repair is partial: ftfy decides it with a hand-tuned "badness" table of its own that is not copied
/// here, and the forms recognised are the common ones, each verified to be repaired identically by ftfy.
enum TextFixer {
    /// ftfy's `max_decode_length`.
    static let maximumSegmentLength = 1_000_000

    /// `ftfy.fix_text(text)`.
    static func fixText(_ text: [Unicode.Scalar]) -> [Unicode.Scalar] {
        var result: [Unicode.Scalar] = []
        result.reserveCapacity(text.count)
        var unescapesHTML = true
        var start = 0
        while start < text.count {
            var end = text[start...].firstIndex(of: "\n").map { $0 + 1 } ?? text.count
            end = min(end, start + maximumSegmentLength)
            let segment = Array(text[start..<end])
            if unescapesHTML && segment.contains("<") { unescapesHTML = false }
            result.append(contentsOf: fixSegment(segment, unescapesHTML: unescapesHTML))
            start = end
        }
        return result
    }

    /// `ftfy.fix_and_explain(segment)` without the explanation.
    static func fixSegment(_ segment: [Unicode.Scalar], unescapesHTML: Bool) -> [Unicode.Scalar] {
        var text = segment
        while true {
            let before = text
            if unescapesHTML { text = HTMLEntities.ftfyUnescape(text) }
            text = MojibakeRepair.repair(text)
            text = CharacterForms.fixC1Controls(text)
            text = CharacterForms.fixLatinLigatures(text)
            text = CharacterForms.fixCharacterWidth(text)
            text = CharacterForms.uncurlQuotes(text)
            text = CharacterForms.fixLineBreaks(text)
            text = CharacterForms.removeTerminalEscapes(text)
            text = CharacterForms.removeControlCharacters(text)
            text = PythonText.nfc(text)
            if text == before { return text }   // code-point equality, as Python's `==`
        }
    }
}
