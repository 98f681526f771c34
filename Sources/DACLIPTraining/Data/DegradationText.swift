import Degradation

/// The degradation texts of the wild DA-CLIP: "combinations of degradation types such as 'an image with blur,
/// noise, ringing artifacts'" (DACLIP-IR §3.3; the maintainer, daclip-uir issue #102: combinations of words, not
/// sentences), built from the words a ``DegradationRecord`` names.
///
/// WildIR writes the words in one **canonical order** (``vocabulary``: blur, ringing artifact, noise, jpeg block),
/// not in the order the pipeline happened to apply them (``DegradationRecord/text``): the order is not visible in
/// the image, so two texts for one set of degradations would only split a class in two. The text is then a function
/// of the set of words: equal texts mean equal sets, and the K words give 2^K texts, which are the labels of the
/// zero-shot evaluation. A crop with no degradation gets "an image with no degradation" (the record's own text for
/// an empty record).
public enum DegradationText {
    /// The degradation words of DACLIP-IR's pipelines, in canonical order.
    public static let vocabulary = [DegradationName.blur, DegradationName.ringing, DegradationName.noise, DegradationName.jpeg]

    /// The text of a clean crop.
    public static let clean = "an image with no degradation"

    /// The words of `names` in canonical order (words outside the vocabulary follow, in their given order), each once.
    public static func canonical(_ names: [String]) -> [String] {
        let known = vocabulary.filter(names.contains)
        var rest: [String] = []
        for name in names where !vocabulary.contains(name) && !rest.contains(name) { rest.append(name) }
        return known + rest
    }

    /// "an image with w1, w2, …" for the words in canonical order, ``clean`` for none.
    public static func text(_ names: [String]) -> String {
        let words = canonical(names)
        return words.isEmpty ? clean : "an image with " + words.joined(separator: ", ")
    }

    /// Every subset of `words` as (words, text), indexed by bit mask: subset m holds `words[i]` when bit i of m is
    /// set, so label 0 is the clean text and label 2^K − 1 names every word.
    public static func labels(_ words: [String] = vocabulary) -> [(words: [String], text: String)] {
        (0..<(1 << words.count)).map { mask in
            let subset = words.indices.filter { mask & (1 << $0) != 0 }.map { words[$0] }
            return (subset, text(subset))
        }
    }
}
