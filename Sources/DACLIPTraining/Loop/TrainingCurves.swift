import Foundation
import Imaging

/// The curves of a robust DA-CLIP run (PNG, ``LinePlot``): `losses.png` — each loss term's moving average over the
/// iterations and the validation fidelity (ℓ1 with and without the controller) — and `accuracy.png` — the zero-shot
/// balanced accuracy of each degradation word, the exact-set accuracy, and their chance levels.
enum TrainingCurves {
    static let colours: [[Float]] = [[0.1, 0.25, 0.7], [0.8, 0.3, 0.1], [0.1, 0.6, 0.2], [0.6, 0.1, 0.6], [0.3, 0.3, 0.3],
                                     [0.7, 0.6, 0.0]]

    static func writeLosses(_ history: [DACLIPStepRecord], validations: [ZeroShotReport], title: String, to url: URL) throws {
        guard !history.isEmpty, let renderer = try? TextRenderer() else { return }
        let window = max(1, history.count / 50)
        var series: [LinePlot.Series] = [
            .init(label: "degradation ClipLoss (mean of \(window))", points: LinePlot.movingAverage(history.map(\.degradation), window: window),
                  colour: colours[0]),
        ]
        let captions = history.compactMap(\.caption), fidelity = history.compactMap(\.fidelity)
        if captions.count == history.count {
            series.append(.init(label: "caption ClipLoss", points: LinePlot.movingAverage(captions, window: window), colour: colours[2]))
        }
        if fidelity.count == history.count {
            series.append(.init(label: "fidelity l1 (train)", points: LinePlot.movingAverage(fidelity, window: window), colour: colours[1]))
        }
        if !validations.isEmpty {
            series.append(.init(label: "fidelity l1 (validation)", points: validations.map { (Double($0.iteration), $0.fidelity) },
                                colour: colours[3]))
            series.append(.init(label: "l1 of plain CLIP (validation)",
                                points: validations.map { (Double($0.iteration), $0.fidelityWithoutController) }, colour: colours[4]))
        }
        let plot = try LinePlot.render(series, title: title, xLabel: "iteration", logarithmicY: true, renderer: renderer)
        try plot.write(to: url.path)
    }

    static func writeAccuracy(_ validations: [ZeroShotReport], title: String, to url: URL) throws {
        guard let first = validations.first, let renderer = try? TextRenderer() else { return }
        var series: [LinePlot.Series] = first.words.indices.map { index in
            .init(label: "\(first.words[index].word) (balanced)",
                  points: validations.map { (Double($0.iteration), $0.words[index].balancedAccuracy) },
                  colour: colours[index % colours.count])
        }
        let span = validations.map { Double($0.iteration) }
        series.append(.init(label: "chance, balanced (0.5)", points: span.map { ($0, 0.5) }, colour: [0.6, 0.6, 0.6]))
        series.append(.init(label: "exact set", points: validations.map { (Double($0.iteration), $0.exactAccuracy) },
                            colour: colours[5]))
        series.append(.init(label: "exact set, chance (majority)", points: validations.map { (Double($0.iteration), $0.exactChance) },
                            colour: [0.85, 0.8, 0.5]))
        let plot = try LinePlot.render(series, title: title, xLabel: "iteration", renderer: renderer)
        try plot.write(to: url.path)
    }
}
