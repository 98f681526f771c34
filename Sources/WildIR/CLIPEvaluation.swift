import CLIPMetrics
import DACLIP

extension Evaluator {
    /// CLIP-I and CLIP-IQA (those of `metrics`) of every item, in order: the images are read
    /// ``Options/featureBatchSize`` items at a time (decoded on all cores at once), each image encoded once for both
    /// metrics, and every batch goes through the CLIP tower as one (``CLIPEmbedder/embeddings(_:)``).
    /// `progress(done)` counts items.
    ///
    /// Batched rather than one item per core like the other metrics: the tower's layers are large matrix products,
    /// which run faster over a batch with every core than one image per core (2 cores, CLIP-IQA on 256² images:
    /// ViT-B-32 14.8 images per second against 11.2, ViT-L-14 0.91 against 0.82; `Benchmarks/README.md`).
    ///
    /// `metrics` come as ``checked(_:)`` passed them (their CLIP loaded), and CLIP-I only with references.
    /// - Throws: ``EvaluationError/unreadableImage(_:)`` for an image that cannot be decoded,
    ///   ``EvaluationError/pairFailed(restoredPath:referencePath:reason:)`` naming the batch's first item when the
    ///   tower fails.
    func clipScores(_ metrics: [MetricName], items: [ScoredItem], progress: (Int) -> Void) throws -> [[MetricName: Double]] {
        let similarity = metrics.contains(.clipI) ? options.clip.imageSimilarity : nil
        let quality = metrics.contains(.clipiqa) ? options.clip.quality : nil
        guard let embedder = similarity?.embedder ?? quality?.embedder else { return items.map { _ in [:] } }
        var values: [[MetricName: Double]] = []
        values.reserveCapacity(items.count)
        try forEachBatch(of: items, progress: progress) { batch in
            // Restored images first, then (for CLIP-I) their references, in the same order.
            var paths = batch.map(\.restored)
            if similarity != nil { paths += batch.compactMap(\.reference) }
            let embeddings: [[Double]]
            do {
                embeddings = try embedder.embeddings(try images(at: paths))
            } catch let error as DACLIPError {
                throw EvaluationError.pairFailed(restoredPath: batch[batch.startIndex].restored,
                                                 referencePath: batch[batch.startIndex].reference, reason: error.description)
            }
            for offset in 0..<batch.count {
                var scores: [MetricName: Double] = [:]
                if let quality { scores[.clipiqa] = quality.score(embedding: embeddings[offset]) }
                if similarity != nil {
                    scores[.clipI] = CLIPImageSimilarity.score(restored: embeddings[offset], reference: embeddings[batch.count + offset])
                }
                values.append(scores)
            }
        }
        return values
    }
}
