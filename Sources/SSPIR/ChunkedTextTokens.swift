import WildTensor

/// SSP-IR's long-caption text path (paper §III-E: "we repeatedly use the text encoder to guide the encoding of all
/// prompts"): token rows of 75k + 2 ids for up to k = 4 chunks of 75 (zyhrainbow/SSP-IR `models/model.py:259-316`,
/// `get_text_index`), and their encoding chunk by chunk with a 77-token text encoder (`model.py:219-256`,
/// `get_unweighted_text_embeddings`, with `no_boseos_middle`).
///
/// Both are pure functions over token ids; the tokenizer and the text encoder are the caller's.
public enum ChunkedTextTokens {
    /// The text encoder's window, `tokenizer.model_max_length` (CLIP: 77 = BOS + 75 ids + EOS).
    public static let chunkLength = 77
    /// Ids per chunk between its BOS and EOS.
    public static let idsPerChunk = chunkLength - 2
    /// The official `max_embeddings_multiples` (4: at most 300 ids, rows of 302).
    public static let maximumChunks = 4

    /// The special ids of a CLIP tokenizer.
    public struct SpecialTokens: Sendable, Equatable {
        public var begin: Int, end: Int, padding: Int
        public init(begin: Int, end: Int, padding: Int) {
            self.begin = begin
            self.end = end
            self.padding = padding
        }

        /// SD-1.5's tokenizer: BOS 49406, EOS 49407, `pad_token_id` 49407 (the same id as EOS).
        public static let stableDiffusion = SpecialTokens(begin: 49406, end: 49407, padding: 49407)
    }

    /// `get_text_index`: one row per prompt, `[BOS] + ids + [PAD]… + [EOS]`, all of length 75k + 2, where
    /// k = clamp(⌈L/75⌉, 1, `maximumChunks`) for the longest prompt's L ids.
    ///
    /// - Parameter prompts: each prompt's ids *without* BOS and EOS, as the tokenizer gives them between the two.
    ///   The official tokenizer call truncates at 75·4 + 2 = 302 with BOS and EOS, so ids beyond the first 300 are
    ///   dropped here (75·`maximumChunks` in general).
    /// - Throws: ``SSPIRError/invalidTokens(_:)`` for an empty batch or `maximumChunks` < 1.
    public static func rows(_ prompts: [[Int]], special: SpecialTokens = .stableDiffusion,
                            maximumChunks: Int = ChunkedTextTokens.maximumChunks) throws -> [[Int]] {
        guard !prompts.isEmpty else { throw SSPIRError.invalidTokens("no prompt in the batch") }
        guard maximumChunks >= 1 else { throw SSPIRError.invalidTokens("maximumChunks must be at least 1, got \(maximumChunks)") }
        let kept = prompts.map { Array($0.prefix(idsPerChunk * maximumChunks)) }
        let longest = kept.map(\.count).max() ?? 0
        return try rows(kept, chunks: chunkCount(forLongest: longest, maximumChunks: maximumChunks), special: special)
    }

    /// Rows of exactly `chunks` windows, 75·`chunks` + 2 ids, each prompt cut at 75·`chunks` ids: the negative
    /// prompt's rows, which the official pipeline pads (and truncates) to the positive rows' length
    /// (`padding="max_length"`, `pipeline_bim.py:424-443`).
    /// - Throws: ``SSPIRError/invalidTokens(_:)`` for an empty batch or `chunks` < 1.
    public static func rows(_ prompts: [[Int]], chunks: Int, special: SpecialTokens = .stableDiffusion) throws -> [[Int]] {
        guard !prompts.isEmpty else { throw SSPIRError.invalidTokens("no prompt in the batch") }
        guard chunks >= 1 else { throw SSPIRError.invalidTokens("chunks must be at least 1, got \(chunks)") }
        let length = idsPerChunk * chunks + 2
        return prompts.map { ids in
            let kept = ids.prefix(length - 2)
            return [special.begin] + kept + Array(repeating: special.padding, count: length - 2 - kept.count) + [special.end]
        }
    }

    /// k = clamp(⌈L/75⌉, 1, maximumChunks), written as the official `(L − 1) // 75 + 1` (floor division, so L = 0
    /// gives 0 before the clamp).
    public static func chunkCount(forLongest longest: Int, maximumChunks: Int = ChunkedTextTokens.maximumChunks) -> Int {
        let ceiling = Int((Double(longest - 1) / Double(idsPerChunk)).rounded(.down)) + 1
        return Swift.max(1, Swift.min(maximumChunks, ceiling))
    }

    /// `get_unweighted_text_embeddings`: rows of 75k + 2 ids encoded as k windows of 77.
    ///
    /// For k > 1, window i is ids[75i ..< 75i + 77] of every row with its first id replaced by row 0's first id
    /// (BOS) and its last by row 0's last (EOS); the encoder's outputs lose their last token (i = 0), their first
    /// (i = k − 1) or both (between), and are concatenated into [B, 75k + 2, D]. For k ≤ 1 the rows go to the
    /// encoder as they are. No attention mask is used (as the official code).
    ///
    /// - Parameters:
    ///   - rows: from ``rows(_:special:maximumChunks:)``: equal lengths, 75k + 2.
    ///   - encoder: the text encoder on a batch of 77-id rows, giving [B, 77, D] (SD-1.5: `last_hidden_state`).
    /// - Throws: ``SSPIRError/invalidTokens(_:)`` for an empty batch or rows of unequal or wrong lengths;
    ///   ``SSPIRError/invalidShape(name:shape:expected:)`` when the encoder's output is not [B, 77, D]; anything
    ///   the encoder throws.
    public static func encode(_ rows: [[Int]], encoder: ([[Int]]) throws -> Tensor) throws -> Tensor {
        guard let first = rows.first else { throw SSPIRError.invalidTokens("no row in the batch") }
        let length = first.count
        guard rows.allSatisfy({ $0.count == length }) else {
            throw SSPIRError.invalidTokens("rows of different lengths \(Set(rows.map(\.count)).sorted())")
        }
        guard length >= chunkLength, (length - 2) % idsPerChunk == 0 else {
            throw SSPIRError.invalidTokens("rows of \(length) ids; expected 75k + 2 with k ≥ 1")
        }
        let chunks = (length - 2) / idsPerChunk
        func run(_ batch: [[Int]]) throws -> Tensor {
            let output = try encoder(batch)
            guard output.rank == 3, output.shape[0] == batch.count, output.shape[1] == chunkLength else {
                throw SSPIRError.invalidShape(name: "the text encoder's output", shape: output.shape,
                                              expected: "[\(batch.count), \(chunkLength), D]")
            }
            return output
        }
        guard chunks > 1 else { return try run(rows) }
        var parts: [Tensor] = []
        for i in 0..<chunks {
            let start = i * idsPerChunk
            let window = rows.map { row -> [Int] in
                var ids = Array(row[start..<(start + chunkLength)])
                ids[0] = first[0]
                ids[chunkLength - 1] = first[length - 1]
                return ids
            }
            let output = try run(window)
            let kept = i == 0 ? 0..<(chunkLength - 1) : (i == chunks - 1 ? 1..<chunkLength : 1..<(chunkLength - 1))
            parts.append(output.sliced(axis: 1, kept))
        }
        return Tensor.concatenate(parts, axis: 1)
    }
}
