import ImageTensors
import Imaging
import Metrics
import SSPIR
import WildTensor

/// The held-out measure of an SSP-IR run: the objective on fixed pairs at fixed time steps (pair k at
/// t = ⌊(k + ½)·T / n⌋, spread over the schedule) and fixed noise, so values compare across iterations and runs;
/// and, with `validation.steps` > 0, restorations sampled with that many DDIM steps (seed fixed), scored by PSNR-Y
/// (BasicSR's Y) against the GT beside the LQ input's.
final class SSPIRValidation {
    let samples: [SSPIRSample]
    let options: SSPIRValidationOptions?
    let seed: UInt64

    init(samples: [SSPIRSample], options: SSPIRValidationOptions?, seed: UInt64) {
        self.samples = samples
        self.options = options
        self.seed = seed
    }

    func evaluate(_ objective: SSPIRObjective, iteration: Int) throws -> SSPIRValidationReport {
        let steps = objective.schedule.trainTimesteps, n = samples.count
        var totals = (loss: 0.0, diffusion: 0.0, rgb: 0.0, fft: 0.0)
        for (k, sample) in samples.enumerated() {
            let batch = try SSPIRBatch([sample])
            var random = TensorRandom(seed: seed ^ (0xA5A5_0000 &+ UInt64(k)))
            let noise = random.normal(objective.latentShape(forImages: batch.groundTruth))
            let t = (2 * k + 1) * steps / (2 * n)
            let value = try withNoGrad {
                try objective(groundTruth: batch.groundTruth, lowQuality: batch.lowQuality, captions: batch.captions, timesteps: [t],
                              noise: noise, generator: &random)
            }
            totals.loss += Double(value.total.scalar)
            totals.diffusion += Double(value.diffusion.scalar)
            totals.rgb += value.structure.pixel.reduce(0) { $0 + Double($1.scalar) }
            totals.fft += value.structure.frequency.reduce(0) { $0 + Double($1.scalar) }
        }
        var psnr: Double?, inputPSNR: Double?
        if let options, options.steps > 0 {
            let metric = PSNR(region: ComparisonRegion(yChannel: .basicsr))
            var restored = 0.0, input = 0.0
            var settings = SSPIRPipeline.Options()
            settings.steps = options.steps
            settings.scheduler = .ddim
            settings.guidance = Float(options.guidance)
            settings.seed = seed
            for sample in samples {
                let output = try withNoGrad {
                    try objective.pipeline.restore(Tensor(image: sample.lowQuality), prompt: sample.caption, options: settings)
                }
                restored += try metric.evaluate(restored: try output.image(at: 0).quantisedTo8Bit, reference: sample.groundTruth)
                input += try metric.evaluate(restored: sample.lowQuality, reference: sample.groundTruth)
            }
            (psnr, inputPSNR) = (restored / Double(n), input / Double(n))
        }
        let d = Double(n)
        return SSPIRValidationReport(iteration: iteration, loss: totals.loss / d, diffusion: totals.diffusion / d, rgb: totals.rgb / d,
                                     fft: totals.fft / d, psnr: psnr, inputPSNR: inputPSNR)
    }
}
