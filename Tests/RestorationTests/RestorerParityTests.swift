import Checkpoints
import Foundation
import Imaging
import Models
import Restoration
import SDE
import TestSupport
import WildTensor
import XCTest

/// End-to-end restoration against the official IR-SDE loops (`IRSDE.reverse_posterior`, `reverse_sde`,
/// `reverse_ode`) run with the official `ConditionalUNet` (random weights) and every Gaussian draw recorded
/// (`Tools/fixtures/restorer_reference.py`): WildIR's samplers and `Restorer`, given the same draws through their
/// noise seam, reproduce the official results — the sampler loops to 1e-5 of their largest magnitude with the
/// official wild-IR SDE and `sample_T` < T, the restorer's images to 1e-5 absolute, and a restoration in blended
/// tiles to 1e-5 of the official whole-image run when the network is pixel-wise.
final class RestorerParityTests: XCTestCase {
    /// One recorded official run.
    struct Case {
        let name: String
        let network: String, sampler: SamplingMethod, level: String
        let maxSigma: Float, steps: Int, sampleSteps: Int?, eps: Float, schedule: ThetaSchedule
        let mu: StoredTensor, noise: StoredTensor, output: StoredTensor
        var height: Int { mu.shape[2] }
        var width: Int { mu.shape[3] }
    }

    struct Fixture {
        let file: SafeTensorsFile
        let cases: [String: Case]

        init() throws {
            file = try SafeTensorsFile(contentsOf: URL(fileURLWithPath: Fixtures.path("restoration", "restorer.safetensors")))
            var cases: [String: Case] = [:]
            for (name, json) in file.metadata where name != "architecture" && name != "parameter_order" {
                let p = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any], name)
                let sampleSteps = try XCTUnwrap(p["sample_T"] as? Int)
                cases[name] = Case(
                    name: name, network: try XCTUnwrap(p["network"] as? String),
                    sampler: try XCTUnwrap(SamplingMethod(rawValue: try XCTUnwrap(p["sampler"] as? String))),
                    level: try XCTUnwrap(p["level"] as? String),
                    maxSigma: Float(try XCTUnwrap(p["max_sigma"] as? Double)), steps: try XCTUnwrap(p["T"] as? Int),
                    sampleSteps: sampleSteps > 0 ? sampleSteps : nil, eps: Float(try XCTUnwrap(p["eps"] as? Double)),
                    schedule: try XCTUnwrap(ThetaSchedule(rawValue: try XCTUnwrap(p["schedule"] as? String))),
                    mu: try file.tensor("\(name)/mu"), noise: try file.tensor("\(name)/noise"), output: try file.tensor("\(name)/output"))
            }
            self.cases = cases
        }

        /// The official state dict (float16 values).
        var weights: [String: StoredTensor] {
            Dictionary(uniqueKeysWithValues: file.tensors.compactMap { key, value in
                key.hasPrefix("weights/") ? (String(key.dropFirst("weights/".count)), value) : nil
            })
        }

        /// The official network's configuration: nf 32, one level, no context.
        static var configuration: ConditionalUNetConfiguration {
            var c = ConditionalUNetConfiguration()
            c.baseChannels = 32
            c.channelMultipliers = [1]
            c.contextDim = nil
            c.useDegradationContext = false
            c.useImageContext = false
            return c
        }

        /// The network a case names: `random` as stored, `pointwise` derived from it by the generator's rule (spatial
        /// convolutions cut to their centre tap, linear attention's output projection zeroed).
        func network(_ kind: String) throws -> ConditionalUNet {
            var state = weights
            if kind == "pointwise" {
                for (key, tensor) in state {
                    var values = tensor.floatValues()
                    if key.hasSuffix("to_out.0.weight") {
                        values = [Float](repeating: 0, count: values.count)
                    } else if tensor.shape.count == 4, tensor.shape[2] > 1 || tensor.shape[3] > 1 {
                        let (kh, kw) = (tensor.shape[2], tensor.shape[3])
                        let centre = (kh / 2) * kw + kw / 2
                        values = values.indices.map { $0 % (kh * kw) == centre ? values[$0] : 0 }
                    } else {
                        continue
                    }
                    state[key] = try StoredTensor(shape: tensor.shape, float32: values)
                }
            } else {
                XCTAssertEqual(kind, "random")
            }
            let network = ConditionalUNet(Self.configuration)
            try network.loadStateDict(state, strict: true)
            network.eval()
            return network
        }

        /// The official SDE of a case, over its sampling steps.
        func sdeOptions(_ c: Case) -> SDEOptions {
            var options = SDEOptions()
            options.maxSigma = c.maxSigma
            options.steps = c.steps
            options.eps = c.eps
            options.schedule = c.schedule
            options.samplingMode = c.sampler
            return options
        }
    }

    /// Replays a case's recorded draws — the whole image's, or a tile's share of them — and counts what was taken.
    final class RecordedNoise: GaussianNoiseSource {
        let draws: StoredTensor
        let region: TilePlan.Tile
        private(set) var taken = 0
        private(set) var mismatches: [String] = []

        init(_ draws: StoredTensor, region: TilePlan.Tile) {
            self.draws = draws
            self.region = region
        }

        func normal(_ shape: [Int]) -> Tensor {
            let (count, height, width) = (draws.shape[0], draws.shape[3], draws.shape[4])
            defer { taken += 1 }
            guard taken < count, shape == [1, 3, region.height, region.width] else {
                mismatches.append("draw \(taken) of \(count), shape \(shape) for tile \(region)")
                return Tensor(shape: shape, repeating: 0)
            }
            let all = draws.floatValues(), plane = height * width, start = taken * 3 * plane
            var values: [Float] = []
            values.reserveCapacity(3 * region.height * region.width)
            for c in 0..<3 {
                for y in region.y..<(region.y + region.height) {
                    let row = start + c * plane + y * width
                    values += all[(row + region.x)..<(row + region.x + region.width)]
                }
            }
            return Tensor(shape: shape, values: values)
        }
    }

    func image(_ tensor: StoredTensor) throws -> Image {
        try Image(width: tensor.shape[3], height: tensor.shape[2], channels: 3, samples: tensor.floatValues())
    }

    /// Restores `c.mu` with `network` through `Restorer` in tiles of `tileSize` (overlap 8), each tile replaying its
    /// share of the case's draws; returns the image, the number of tiles and the noise sources.
    func restore(_ c: Case, network: ConditionalUNet, fixture: Fixture, tileSize: Int) throws -> (Image, Int, [RecordedNoise]) {
        var options = RestorationOptions()
        options.sampler = c.sampler
        options.steps = c.sampleSteps
        options.tileSize = tileSize
        options.overlap = 8
        let restorer = try Restorer(model: RestorationModel(network: network, sdeOptions: fixture.sdeOptions(c)), options: options)
        let plan = TilePlan(width: c.width, height: c.height, tileSize: tileSize, overlap: 8)
        let sources = plan.tiles.map { RecordedNoise(c.noise, region: $0) }
        restorer.tileNoise = { sources[$0] }
        var tiles = 0
        let restored = try restorer.restore(try image(c.mu)) { tiles = max(tiles, $0.tiles) }
        for source in sources {
            XCTAssertEqual(source.mismatches, [], c.name)
            XCTAssertEqual(source.taken, c.noise.shape[0], "\(c.name): every recorded draw is used once, in order")
        }
        return (restored, tiles, sources)
    }

    /// Largest |ours − clamp(reference)| over the image, and the share of reference samples inside [0, 1] (a sample
    /// the restorer clamps compares nothing, so most must lie inside).
    func compare(_ restored: Image, _ reference: StoredTensor) -> (difference: Double, inside: Double) {
        let values = reference.floatValues()
        let difference = zip(restored.samples, values).map { abs(Double($0) - Double(min(max($1, 0), 1))) }.max() ?? .infinity
        return (difference, Double(values.filter { (0...1).contains($0) }.count) / Double(values.count))
    }

    func testFixtureHoldsEveryCase() throws {
        let fixture = try Fixture()
        XCTAssertEqual(fixture.cases.count, 9)
        XCTAssertEqual(Set(fixture.cases.values.map(\.sampler)), [.posterior, .sde, .ode])
        XCTAssertEqual(fixture.cases.values.filter { $0.level == "sampler" }.count, 3)
        XCTAssertEqual(fixture.cases.values.filter { $0.level == "restorer" }.count, 4)
        XCTAssertEqual(fixture.cases.values.filter { $0.level == "tiled" }.count, 2)
        XCTAssertTrue(fixture.cases.values.contains { $0.sampleSteps != nil && $0.sampleSteps! < $0.steps }, "sample_T < T")
        XCTAssertTrue(fixture.cases.values.contains { $0.sampleSteps == nil }, "all T steps")
    }

    /// The official wild-IR SDE (λ = 50/255, T = 100, eps 0.005) sampled in sample_T = 4 steps: the loops of the
    /// three samplers, from the same initial noise and per-step draws, agree with the official ones to 1e-5 of the
    /// largest magnitude (a random network does not restore, so the states leave [0, 1] and are compared unclamped).
    func testSamplerLoopsReproduceTheOfficialLoopsWithTheirDraws() throws {
        let fixture = try Fixture()
        let network = try fixture.network("random")
        let cases = fixture.cases.values.filter { $0.level == "sampler" }.sorted { $0.name < $1.name }
        XCTAssertEqual(cases.count, 3)
        for c in cases {
            let sde = try fixture.sdeOptions(c).makeSDE(sampleSteps: c.sampleSteps)
            XCTAssertLessThan(sde.steps, sde.trainingSteps, "\(c.name): the sample_T < T schedule")
            let noise = RecordedNoise(c.noise, region: TilePlan(width: c.width, height: c.height, tileSize: 512, overlap: 0).tiles[0])
            var source: any GaussianNoiseSource = noise
            let mu = Tensor(shape: c.mu.shape, values: c.mu.floatValues())
            let state = sde.initialState(mu: mu, noise: source.normal(mu.shape))
            var steps = 0
            let output = ReverseSampler(sde: sde, method: c.sampler).sample(from: state, mu: mu, noise: &source,
                                                                            progress: { done, _ in steps = done }) { x, m, time in
                network(x, cond: m, time: Tensor(shape: [1], values: [time]))
            }
            XCTAssertEqual(steps, c.sampleSteps)
            XCTAssertEqual(noise.mismatches, [], c.name)
            XCTAssertEqual(noise.taken, c.noise.shape[0], "\(c.name): draws used")
            let error = relativeError(output.values, c.output.doubleValues())
            XCTAssertLessThanOrEqual(error, 1e-5, "\(c.name): relative error against the official loop")
            print("\(c.name): relative error \(error) against the official \(c.sampler) loop")
        }
    }

    /// `Restorer` with a mild SDE (λ = 10/255, eps 0.5) whose restorations stay inside [0, 1]: posterior, reverse SDE
    /// and ODE with sample_T = 3 of T = 100, and the posterior over all T = 5 steps, each within 1e-5 of the official
    /// result (clamped to [0, 1], as the restorer outputs it).
    func testRestorerReproducesTheOfficialRestorations() throws {
        let fixture = try Fixture()
        let network = try fixture.network("random")
        let cases = fixture.cases.values.filter { $0.level == "restorer" }.sorted { $0.name < $1.name }
        XCTAssertEqual(cases.count, 4)
        for c in cases {
            let (restored, tiles, _) = try restore(c, network: network, fixture: fixture, tileSize: 512)
            XCTAssertEqual(tiles, 1)
            let (difference, inside) = compare(restored, c.output)
            XCTAssertGreaterThan(inside, 0.9, c.name)
            XCTAssertLessThanOrEqual(difference, 1e-5, "\(c.name): largest difference from the official restoration")
            print("\(c.name): largest |Δ| \(difference) against the official \(c.sampler) restoration (\(Int(inside * 100)) % unclamped)")
        }
    }

    /// With a pixel-wise network (each output pixel a function of that pixel's state, μ and t), tiles that replay
    /// their share of the whole image's draws restore to exactly the whole image's result, so the blended tiles
    /// must reproduce the official whole-image run: this checks the tiles' cropping, their noise alignment and the
    /// blend weights (which must sum to one everywhere). The same restorer without tiles agrees too.
    func testTiledRestorationOfAPixelwiseNetworkEqualsTheOfficialWholeImageRun() throws {
        let fixture = try Fixture()
        let network = try fixture.network("pointwise")
        let cases = fixture.cases.values.filter { $0.level == "tiled" }.sorted { $0.name < $1.name }
        XCTAssertEqual(cases.count, 2)
        for c in cases {
            let (tiled, tiles, _) = try restore(c, network: network, fixture: fixture, tileSize: 32)
            XCTAssertEqual(tiles, 4, "\(c.name): a \(c.width)×\(c.height) image in 32-pixel tiles")
            let (whole, single, _) = try restore(c, network: network, fixture: fixture, tileSize: 512)
            XCTAssertEqual(single, 1)
            let (tiledDifference, inside) = compare(tiled, c.output)
            XCTAssertGreaterThan(inside, 0.9, c.name)
            XCTAssertLessThanOrEqual(tiledDifference, 1e-5, "\(c.name): tiles against the official whole-image run")
            XCTAssertLessThanOrEqual(compare(whole, c.output).difference, 1e-5, "\(c.name): whole image")
            print("\(c.name): tiled restoration within \(tiledDifference) of the official whole-image run")
        }
    }

    /// The control of the test above: with the random network (whose convolutions and attention see neighbours),
    /// the same tiles do not reproduce the whole-image result, so the agreement above is the pixel-wise property
    /// at work and not tiles that were never used.
    func testTilesOfANetworkWithSpatialContextDifferFromTheWholeImage() throws {
        let fixture = try Fixture()
        let network = try fixture.network("random")
        let c = try XCTUnwrap(fixture.cases["tiled_posterior"])
        let (tiled, tiles, _) = try restore(c, network: network, fixture: fixture, tileSize: 32)
        let (whole, _, _) = try restore(c, network: network, fixture: fixture, tileSize: 512)
        XCTAssertEqual(tiles, 4)
        let difference = zip(tiled.samples, whole.samples).map { abs($0 - $1) }.max() ?? 0
        XCTAssertGreaterThan(difference, 1e-3)
    }
}
