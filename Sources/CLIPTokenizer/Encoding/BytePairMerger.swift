/// Byte-pair encoding of one piece (OpenCLIP `SimpleTokenizer.bpe`, tokenizer.py lines 95-135).
///
/// The piece's UTF-8 bytes become symbols, one per byte, the last one marked as the end of the word (`</w>`).
/// Then, as long as some pair of neighbouring symbols has a merge rule, the pair whose rule has the lowest rank is
/// merged everywhere it occurs, left to right without overlaps. The ids of the final symbols are the tokens.
enum BytePairMerger {
    /// The token ids of a piece given as UTF-8 bytes (not empty).
    static func encode(_ bytes: [UInt8], vocabulary: BPEVocabulary) -> [Int] {
        guard let last = bytes.last else { return [] }
        var word = bytes.dropLast().map { vocabulary.idOfByte[Int($0)] }
        word.append(vocabulary.idOfFinalByte[Int(last)])

        while word.count > 1 {
            // The pair of lowest rank; ranks are distinct, so it is unique.
            var best: BPEVocabulary.Merge?
            var bestLeft: Int32 = 0
            var bestRight: Int32 = 0
            for index in 0..<(word.count - 1) {
                let key = BPEVocabulary.pairKey(word[index], word[index + 1])
                guard let merge = vocabulary.merges[key] else { continue }
                if best.map({ merge.rank < $0.rank }) ?? true {
                    best = merge
                    bestLeft = word[index]
                    bestRight = word[index + 1]
                }
            }
            guard let merge = best else { break }

            var merged: [Int32] = []
            merged.reserveCapacity(word.count - 1)
            var index = 0
            while index < word.count {
                if index + 1 < word.count, word[index] == bestLeft, word[index + 1] == bestRight {
                    merged.append(merge.merged)
                    index += 2
                } else {
                    merged.append(word[index])
                    index += 1
                }
            }
            word = merged
        }
        return word.map(Int.init)
    }
}
