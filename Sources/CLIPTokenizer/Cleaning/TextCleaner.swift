/// The text CLIP's tokenizer splits: `whitespace_clean(basic_clean(text)).lower()` of OpenCLIP's tokenizer.py
/// (lines 59-68 and 141).
enum TextCleaner {
    /// 1. `ftfy.fix_text` (``TextFixer``); 2. `html.unescape` twice (``HTMLEntities/unescape(_:)``), so
    /// "&amp;amp;" ends as "&"; 3. `strip()`; 4. every run of white space (the `regex` module's `\s`) becomes one
    /// space, then `strip()` again; 5. `lower()` (``PythonText/lower(_:)``).
    static func clean(_ text: String) -> [Unicode.Scalar] {
        var scalars = TextFixer.fixText(Array(text.unicodeScalars))
        scalars = HTMLEntities.unescape(HTMLEntities.unescape(scalars))
        scalars = PythonText.strip(scalars)
        var collapsed: [Unicode.Scalar] = []
        collapsed.reserveCapacity(scalars.count)
        for scalar in scalars {
            if PythonText.isRegexWhitespace(scalar) {
                if collapsed.last != " " { collapsed.append(" ") }
            } else {
                collapsed.append(scalar)
            }
        }
        return PythonText.lower(PythonText.strip(collapsed))
    }
}
