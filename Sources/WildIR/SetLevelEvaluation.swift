import Foundation

extension Evaluator {
    /// FID and KID (those of `metrics`) between every image of `paths.restored` and every image of
    /// `paths.reference`: the FID Inception's features of each set, read ``Options/featureBatchSize`` images at a
    /// time, then ``FrechetDistance`` and ``Options/kid``. `progress(done)` counts images of both sets.
    /// - Throws: ``EvaluationError/setLevelFailed(_:)`` for a set too small (checked before any image is read) or a
    ///   value that is not finite, ``EvaluationError/unreadableImage(_:)`` for an image that cannot be decoded.
    func setScores(_ metrics: [MetricName], paths: (restored: [String], reference: [String]),
                   progress: (Int) -> Void) throws -> SetScores {
        guard let inception = options.learned.fidInception else {
            throw EvaluationError.learnedMetricNotLoaded(metrics.first?.title ?? "FID")
        }
        let minimum = max(metrics.contains(.fid) ? FrechetDistance.minimumCount : 0,
                          metrics.contains(.kid) ? KernelInceptionDistance.minimumCount : 0)
        let metric = metrics.map(\.title).joined(separator: " and ")
        for (set, files) in [("restored", paths.restored), ("reference", paths.reference)] where files.count < minimum {
            throw EvaluationError.setLevelFailed(
                MetricsError.tooFewImages(metric: metric, set: set, count: files.count, minimum: minimum).description)
        }
        var done = 0
        func features(_ files: [String]) throws -> FeatureSet {
            var rows: [[Float]] = []
            let before = done
            try forEachBatch(of: files, progress: { done = before + $0; progress(done) }) { batch in
                rows += inception.features(of: try images(at: Array(batch)))
            }
            return try FeatureSet(rows)
        }
        do {
            let restored = try features(paths.restored), reference = try features(paths.reference)
            var values: [MetricName: Double] = [:]
            var kid: KernelInceptionDistance.Value?
            if metrics.contains(.fid) { values[.fid] = try FrechetDistance.between(restored, reference) }
            if metrics.contains(.kid) {
                let value = try options.kid.evaluate(restored: restored, reference: reference)
                values[.kid] = value.mean
                kid = value
            }
            return SetScores(restoredCount: restored.count, referenceCount: reference.count, values: values, kid: kid)
        } catch let error as MetricsError {
            throw EvaluationError.setLevelFailed(error.description)
        }
    }

    /// Calls `body` on `items` in order, ``Options/featureBatchSize`` at a time (the last batch shorter), then
    /// `progress(done)` with the items done so far: the batching of the passes that run a network over many images
    /// at once (FID's Inception, the CLIP towers).
    func forEachBatch<Item>(of items: [Item], progress: (Int) -> Void, _ body: (ArraySlice<Item>) throws -> Void) rethrows {
        var start = 0
        while start < items.count {
            let end = min(start + options.featureBatchSize, items.count)
            try body(items[start..<end])
            start = end
            progress(start)
        }
    }
}
