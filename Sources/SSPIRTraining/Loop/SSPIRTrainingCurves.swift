import Foundation
import Imaging

/// The curves of an SSP-IR run (PNG, ``LinePlot``): `losses.png`, each term's moving average over the iterations
/// (the diffusion ℓ2, the RGB and FFT ℓ1 before their weights) with the validation's at its iterations; and
/// `validation.png`, the validation restorations' PSNR-Y beside the LQ input's, when the run restores.
enum SSPIRTrainingCurves {
    static func write(_ history: [SSPIRStepRecord], validations: [SSPIRValidationReport], name: String, to folder: URL) throws {
        guard !history.isEmpty, let renderer = try? TextRenderer() else { return }
        let window = max(1, history.count / 50)
        var series: [LinePlot.Series] = [
            .init(label: "diffusion l2 (mean of \(window))", points: LinePlot.movingAverage(history.map(\.diffusion), window: window),
                  colour: [0.1, 0.25, 0.7]),
            .init(label: "RGB l1", points: LinePlot.movingAverage(history.map(\.rgb), window: window), colour: [0.8, 0.3, 0.1]),
            .init(label: "FFT l1", points: LinePlot.movingAverage(history.map(\.fft), window: window), colour: [0.1, 0.6, 0.2]),
        ]
        if !validations.isEmpty {
            series.append(.init(label: "diffusion l2 (validation)", points: validations.map { (Double($0.iteration), $0.diffusion) },
                                colour: [0.6, 0.1, 0.6]))
            series.append(.init(label: "RGB l1 (validation)", points: validations.map { (Double($0.iteration), $0.rgb) },
                                colour: [0.7, 0.6, 0.0]))
        }
        let losses = try LinePlot.render(series, title: "\(name): SSP-IR losses", xLabel: "iteration", logarithmicY: true,
                                         renderer: renderer)
        try losses.write(to: folder.appendingPathComponent("losses.png").path)
        let scored = validations.compactMap { v in v.psnr.map { (Double(v.iteration), $0, v.inputPSNR ?? 0) } }
        guard !scored.isEmpty else { return }
        let psnr = try LinePlot.render([
            .init(label: "restored PSNR-Y", points: scored.map { ($0.0, $0.1) }, colour: [0.1, 0.25, 0.7]),
            .init(label: "LQ input PSNR-Y", points: scored.map { ($0.0, $0.2) }, colour: [0.6, 0.6, 0.6]),
        ], title: "\(name): validation restorations", xLabel: "iteration", renderer: renderer)
        try psnr.write(to: folder.appendingPathComponent("validation.png").path)
    }
}
