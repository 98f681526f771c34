import Checkpoints
import DACLIP
import Foundation
import Imaging
import Models
import Restoration
import SDE
import TestSupport
import WildTensor
import XCTest

/// Restoration conditioned on DA-CLIP against the official wild-IR `test.py` computation
/// (`Tools/fixtures/daclip_inference.py`: a tiny random DA-CLIP and a tiny random image-context U-Net, both official
/// files): the embeddings the network receives, its first posterior-step noise prediction, the one-step restoration,
/// and the restorer's use of one embedding per image.
final class DACLIPConditioningTests: XCTestCase {
    static func path(_ name: String) -> String { Fixtures.path("daclip_inference", name) }

    func daclip() throws -> DACLIPModel {
        try DACLIPModel(contentsOf: URL(fileURLWithPath: Self.path("daclip_tiny224.pt")),
                        configuration: try CLIPConfiguration(nameOrJSON: Self.path("daclip_tiny224.json")))
    }

    /// The official .pth, described by the fixture's options file (network_G and sde blocks).
    func network() throws -> RestorationModel {
        try RestorationModel(contentsOf: URL(fileURLWithPath: Self.path("wild_ir_tiny.pth")),
                             description: try ModelDescription(optionsFile: Self.path("wild_ir_tiny.yml")))
    }

    func fixture(_ name: String) throws -> SafeTensorsFile {
        try SafeTensorsFile(contentsOf: URL(fileURLWithPath: Self.path(name)))
    }

    func tensor(_ file: SafeTensorsFile, _ key: String) throws -> Tensor {
        let stored = try file.tensor(key)
        return Tensor(shape: stored.shape, values: stored.floatValues())
    }

    func testTheNetworkReceivesTheOfficialFeaturesOfRealPhotos() throws {
        let conditioner = DACLIPConditioner(model: try daclip())
        let analysis = try fixture("analysis.safetensors")
        var worst = 0.0
        for photo in Fixtures.photoNames {
            let image = try Image(contentsOf: Fixtures.path("images", "\(photo).png"))
            let conditioning = try conditioner.conditioning(for: image)
            XCTAssertEqual(conditioning.content.shape, [1, 16])
            for (tensor, key) in [(conditioning.content, "content"), (conditioning.degradation, "degradation")] {
                let error = relativeError(tensor.values, try analysis.tensor("\(photo)/crop/\(key)").doubleValues())
                XCTAssertLessThanOrEqual(error, 1e-4, "\(photo) \(key)")
                worst = max(worst, error)
            }
        }
        // The 16-bit restoration input, preprocessed from its float samples as clip_transform does.
        let restoration = try fixture("restoration.safetensors")
        let input = try Image(contentsOf: Self.path("restore_input.png"))
        XCTAssertEqual(input.samples.map(Double.init), try restoration.tensor("lq").doubleValues(), "the PNG as the fixture read it")
        let conditioning = try conditioner.conditioning(for: input)
        for (tensor, key) in [(conditioning.content, "content"), (conditioning.degradation, "degradation")] {
            let error = relativeError(tensor.values, try restoration.tensor(key).doubleValues())
            XCTAssertLessThanOrEqual(error, 1e-4, key)
            worst = max(worst, error)
        }
        print("DA-CLIP conditioning: content and degradation features of 7 images, largest relative error \(worst)")
    }

    func testTheFirstPosteriorStepPredictsTheOfficialNoise() throws {
        let restoration = try fixture("restoration.safetensors")
        let model = try network()
        XCTAssertTrue(model.network.configuration.useImageContext)
        XCTAssertEqual(model.network.configuration.contextDim, 16)
        let input = try Image(contentsOf: Self.path("restore_input.png"))
        let conditioning = try DACLIPConditioner(model: try daclip()).conditioning(for: input)
        // WildIR's x_T for seed 5 is the fixture's x_T: the generator reproduces the restorer's noise stream.
        let seed = try XCTUnwrap(UInt64(restoration.metadata["seed"] ?? ""))
        let mu = Tensor(image: input)
        var random = Restorer.tileRandom(seed: seed, tile: 0)
        XCTAssertEqual(random.normal(mu.shape).values, try tensor(restoration, "noise").values,
                       "the restorer's initial noise is not the one daclip_inference.py draws; regenerate the fixture")
        let xT = try tensor(restoration, "x_T")
        let prediction = withNoGrad {
            model.network(xT, cond: mu, time: Tensor(shape: [1], values: [100]), textContext: conditioning.degradation,
                          imageContext: conditioning.content)
        }
        let error = relativeError(prediction.values, try restoration.tensor("noise_prediction").doubleValues())
        XCTAssertLessThanOrEqual(error, 1e-4)
        print("DA-CLIP conditioning: first posterior-step noise prediction, relative error \(error)")
    }

    func testOneStepRestorationIsTheOfficialReversePosterior() throws {
        let restoration = try fixture("restoration.safetensors")
        var options = RestorationOptions()
        options.steps = 1
        options.seed = try XCTUnwrap(UInt64(restoration.metadata["seed"] ?? ""))
        let restorer = try Restorer(model: try network(), options: options, conditioner: DACLIPConditioner(model: try daclip()))
        let output = try restorer.restore(try Image(contentsOf: Self.path("restore_input.png")))
        let reference = try restoration.tensor("posterior_T1").doubleValues()
        var worst = 0.0, compared = 0
        for (value, expected) in zip(output.samples, reference) where expected > 0 && expected < 1 {
            worst = max(worst, abs(Double(value) - expected))
            compared += 1
        }
        XCTAssertGreaterThan(compared, reference.count * 99 / 100)
        XCTAssertLessThanOrEqual(worst, 1e-5)
        print("DA-CLIP conditioning: one-step restoration, \(compared) unclamped samples, largest difference \(worst)")
    }

    func testConditioningChangesTheRestoration() throws {
        let model = try network()
        let input = try Image(contentsOf: Self.path("restore_input.png"))
        var options = RestorationOptions()
        options.steps = 2
        let official = try daclip()
        let other = try DACLIPModel(configuration: official.configuration, seed: 11)
        let a = try Restorer(model: model, options: options, conditioner: DACLIPConditioner(model: official)).restore(input)
        let again = try Restorer(model: model, options: options, conditioner: DACLIPConditioner(model: official)).restore(input)
        let b = try Restorer(model: model, options: options, conditioner: DACLIPConditioner(model: other)).restore(input)
        XCTAssertEqual(a.samples, again.samples, "the same weights give the same restoration")
        let change = zip(a.samples, b.samples).map { abs($0 - $1) }.max() ?? 0
        XCTAssertGreaterThan(change, 1e-3, "another DA-CLIP must change the restoration")
        // Another image conditions differently too: the same input restored with a photo's embedding differs.
        let conditioner = DACLIPConditioner(model: official)
        let own = try conditioner.conditioning(for: input), photo = try conditioner.conditioning(for: try Image(contentsOf: Fixtures.path("images", "rocket.png")))
        XCTAssertNotEqual(own.content.values, photo.content.values)
        print("DA-CLIP conditioning: another DA-CLIP changes the restoration by up to \(change)")
    }

    func testTilesShareOneEmbeddingComputedFromTheWholeImage() throws {
        let model = try network()
        let conditioner = DACLIPConditioner(model: try daclip())
        var options = RestorationOptions()
        options.steps = 1
        options.tileSize = 32
        options.overlap = 8
        let restorer = try Restorer(model: model, options: options, conditioner: conditioner)
        let image = try Image(contentsOf: Fixtures.path("images", "coffee.png")).cropped(x: 20, y: 30, width: 70, height: 50)
        var tiles = Set<Int>()
        _ = try restorer.restore(image) { tiles.insert($0.tile) }
        XCTAssertGreaterThan(tiles.count, 4)
        XCTAssertEqual(conditioner.encodings, 1, "one DA-CLIP pass for \(tiles.count) tiles")
        // The embedding is the whole image's, and it is kept for the image: restoring it again runs no DA-CLIP.
        _ = try restorer.restore(image)
        XCTAssertEqual(conditioner.encodings, 1)
        let whole = try DACLIPConditioner(model: conditioner.model).conditioning(for: image)
        XCTAssertEqual(try conditioner.conditioning(for: image).content.values, whole.content.values)
        XCTAssertEqual(conditioner.encodings, 1)
        _ = try restorer.restore(try image.cropped(x: 0, y: 0, width: 40, height: 40))
        XCTAssertEqual(conditioner.encodings, 2)
    }

    func testNetworksAndDACLIPsThatDoNotFitAreRefused() throws {
        let model = try network()
        // Context needed, no DA-CLIP.
        XCTAssertThrowsError(try Restorer(model: model)) { error in
            guard case .daclipRequired? = error as? RestorationError else { return XCTFail("\(error)") }
            XCTAssertTrue("\(error)".contains("DA-CLIP") && "\(error)".contains("--daclip"), "\(error)")
        }
        // A DA-CLIP of another embedding width (the 24-d parity model).
        let parity = try SafeTensorsFile(contentsOf: URL(fileURLWithPath: Fixtures.path("daclip", "daclip_tiny.safetensors")))
        let configuration = try CLIPConfiguration(openCLIPJSON: Data((parity.metadata["config"] ?? "").utf8))
        let wide = try DACLIPModel(configuration: configuration)
        XCTAssertThrowsError(try Restorer(model: model, conditioner: DACLIPConditioner(model: wide))) { error in
            XCTAssertTrue("\(error)".contains("context_dim is 16") && "\(error)".contains("24"), "\(error)")
        }
        // A network without context given a DA-CLIP.
        XCTAssertThrowsError(try Restorer(model: .tiny(steps: 2), conditioner: DACLIPConditioner(model: try daclip()))) { error in
            XCTAssertTrue("\(error)".contains("takes no DA-CLIP context"), "\(error)")
        }
    }

    func testDegradationContextNetworksReceiveTheDegradationEmbedding() throws {
        // A daclip-sde-style network (use_degra_context): its prompt MLP reads the degradation embedding.
        var configuration = ConditionalUNetConfiguration()
        configuration.baseChannels = 8
        configuration.channelMultipliers = [1, 2]
        configuration.contextDim = 16
        configuration.useDegradationContext = true
        configuration.useImageContext = false
        var sde = SDEOptions()
        sde.steps = 2
        let model = RestorationModel(network: ConditionalUNet(configuration, seed: 4), sdeOptions: sde)
        XCTAssertThrowsError(try Restorer(model: model))
        let input = try Image(contentsOf: Self.path("restore_input.png"))
        let official = try daclip()
        let a = try Restorer(model: model, conditioner: DACLIPConditioner(model: official)).restore(input)
        let b = try Restorer(model: model, conditioner: DACLIPConditioner(model: try DACLIPModel(configuration: official.configuration, seed: 3)))
            .restore(input)
        XCTAssertGreaterThan(zip(a.samples, b.samples).map { abs($0 - $1) }.max() ?? 0, 0)
    }
}
