import CLIPTokenizer
import Foundation
import WildIR

/// CLIP's tokenizer from the vocabulary a command was given (`--vocabulary FILE`), or the bundled
/// `models/clip/bpe_simple_vocab_16e6.txt.gz` when none was.
/// - Throws: ``RestorationError/modelNotFound(_:)`` when nothing is given and the bundled file is missing, or the tokenizer's error
///   for an unreadable vocabulary.
func clipTokenizer(vocabulary: String?) throws -> CLIPTokenizer {
    try CLIPTokenizer(vocabularyURL: try vocabulary.map { URL(fileURLWithPath: $0) }
                      ?? ModelLocator().bundledFile(ModelLocator.clipVocabulary))
}
