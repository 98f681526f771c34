import Foundation
@testable import StableDiffusion
import TestSupport
import WildTensor
import XCTest

/// The tiled VAE against diffusers' `enable_tiling()` path (`tiled_encode`, `tiled_decode`) on the tiny VAE of
/// `Tests/Fixtures/stable_diffusion` with 16-pixel tiles (`vae-tiled-io.safetensors`, written by
/// `Tools/fixtures/stable_diffusion_vae_tiling.py`); the whole-image path within one tile; the tiles' geometry;
/// refused tilings; and memory bounded by the tile.
final class AutoencoderKLTilingTests: XCTestCase {
    static let fixture = "vae-tiled-io.safetensors"

    /// Both fixture cases: 2×3 tiles at overlap 0.25 (batch 1, 22×34 pixels) and 3×2 at 0.5 (batch 2, 18×14, the
    /// last tile row 2 pixels high, its blend clipped) — mean, logvar and decoded within 1e-4 of diffusers, and far
    /// from the whole-image result, so a run that skipped the tiles would fail.
    func testTiledEncodeAndDecodeMatchDiffusers() throws {
        let vae = try AutoencoderKL.load(diffusersFolder: StableDiffusionFixture.url("diffusers"))
        let io = try StableDiffusionFixture(Self.fixture)
        var cases = 0
        for (name, factor) in [("quarter", 0.25), ("half", 0.5)] {
            XCTAssertEqual(io.file.metadata["\(name).tile_sample_min_size"], "16", name)
            XCTAssertEqual(io.file.metadata["\(name).tile_latent_min_size"], "8", name)
            XCTAssertEqual(io.file.metadata["\(name).tile_overlap_factor"].flatMap(Double.init), factor, name)
            let tiling = AutoencoderKLTiling(sampleTileSize: 16, overlapFactor: factor)
            let image = try io.tensor("\(name).image"), latent = try io.tensor("\(name).latent")
            let (posterior, decoded, whole, wholeDecoded) = try withNoGrad {
                (try vae.encode(image, tiling: tiling), try vae.decode(latent, tiling: tiling), try vae.encode(image), try vae.decode(latent))
            }
            for (key, value, untiled) in [("mean", posterior.mean, whole.mean), ("logvar", posterior.logvar, whole.logvar),
                                          ("decoded", decoded, wholeDecoded)] {
                let expected = try io.array("\(name).\(key)")
                XCTAssertEqual(value.shape, expected.shape, "\(name) \(key)")
                let error = relativeError(value.values, expected.values)
                print(String(format: "tiled AutoencoderKL (%@) %@: relative error %.2e", name, key, error))
                XCTAssertLessThanOrEqual(error, 1e-4, "\(name) \(key)")
                XCTAssertGreaterThan(relativeError(untiled.values, expected.values), 1e-2, "\(name) \(key): the tiles must matter")
            }
            cases += 1
        }
        XCTAssertEqual(cases, 2)
    }

    /// diffusers' integers for SD's defaults: encode tiles of 512 every 384 pixels, blended over 16 latent pixels and
    /// cropped to 48; decode tiles of 64 every 48 latent pixels, blended over 128 pixels and cropped to 384.
    func testDefaultTilesAreDiffusers() throws {
        let tiling = AutoencoderKLTiling()
        XCTAssertEqual(tiling.sampleTileSize, 512)
        XCTAssertEqual(tiling.overlapFactor, 0.25)
        XCTAssertEqual(tiling.latentTileSize(downsamplingFactor: 8), 64)
        XCTAssertNoThrow(try tiling.validate(for: .stableDiffusion15))
        XCTAssertEqual(tiling.encodeAxis(downsamplingFactor: 8), .init(tile: 512, stride: 384, blend: 16, keep: 48))
        XCTAssertEqual(tiling.decodeAxis(downsamplingFactor: 8), .init(tile: 64, stride: 48, blend: 128, keep: 384))
        let none = AutoencoderKLTiling(sampleTileSize: 256, overlapFactor: 0)
        XCTAssertNoThrow(try none.validate(for: .stableDiffusion15))
        XCTAssertEqual(none.encodeAxis(downsamplingFactor: 8), .init(tile: 256, stride: 256, blend: 0, keep: 32))
    }

    /// An image (latent) no larger than one tile takes the whole-image path: exactly `encode(_:)`'s (`decode(_:)`'s)
    /// values, up to a tile on both sides; one row or column more tiles it (and changes the result).
    func testWithinOneTileIsTheWholeImagePathExactly() throws {
        var generator = TensorRandom(seed: 7)
        let vae = try AutoencoderKL(AutoencoderKLParityTests.tiny, generator: &generator)
        let tiling = AutoencoderKLTiling(sampleTileSize: 16)
        for shape in [[1, 3, 16, 16], [2, 3, 10, 16], [1, 3, 16, 6]] {
            let image = generator.uniform(shape, bound: 1)
            let (tiled, whole) = try withNoGrad { (try vae.encode(image, tiling: tiling), try vae.encode(image)) }
            XCTAssertEqual(tiled.mean.values, whole.mean.values, "\(shape)")
            XCTAssertEqual(tiled.logvar.values, whole.logvar.values, "\(shape)")
            let latent = generator.normal([shape[0], 4, shape[2] / 2, shape[3] / 2])
            let (decoded, wholeDecoded) = try withNoGrad { (try vae.decode(latent, tiling: tiling), try vae.decode(latent)) }
            XCTAssertEqual(decoded.values, wholeDecoded.values, "\(shape)")
        }
        // The SD default (512) leaves the fixture's 32-pixel images whole.
        let io = try StableDiffusionFixture("vae-io.safetensors")
        let image = try io.tensor("image")
        XCTAssertEqual(try withNoGrad { try vae.encode(image, tiling: AutoencoderKLTiling()).mean.values },
                       try withNoGrad { try vae.encode(image).mean.values })
        // Two more pixels make two tile columns.
        let wider = generator.uniform([1, 3, 16, 18], bound: 1)
        let (tiled, whole) = try withNoGrad { (try vae.encode(wider, tiling: tiling), try vae.encode(wider)) }
        XCTAssertEqual(tiled.mean.shape, whole.mean.shape)
        XCTAssertNotEqual(tiled.mean.values, whole.mean.values)
    }

    /// Zero, negative, too large or odd tile sizes, overlap factors outside [0, 1) and overlaps that are not whole
    /// latent pixels are refused with a typed error naming diffusers' attribute, by `validate`, `encode` and `decode`
    /// alike; a tiled image whose sides are not multiples of the factor is a shape error.
    func testBadTilingsAreTypedErrors() throws {
        var generator = TensorRandom(seed: 8)
        let vae = try AutoencoderKL(AutoencoderKLParityTests.tiny, generator: &generator)
        let image = generator.uniform([1, 3, 8, 8], bound: 1), latent = generator.normal([1, 4, 4, 4])
        let bad: [(AutoencoderKLTiling, String)] = [
            (.init(sampleTileSize: 0), "tile_sample_min_size"), (.init(sampleTileSize: -16), "tile_sample_min_size"),
            (.init(sampleTileSize: 15), "tile_sample_min_size"), (.init(sampleTileSize: Int.max), "tile_sample_min_size"),
            (.init(sampleTileSize: 16, overlapFactor: 1), "tile_overlap_factor"),
            (.init(sampleTileSize: 16, overlapFactor: 1.5), "tile_overlap_factor"),
            (.init(sampleTileSize: 16, overlapFactor: -0.25), "tile_overlap_factor"),
            (.init(sampleTileSize: 16, overlapFactor: .nan), "tile_overlap_factor"),
            (.init(sampleTileSize: 16, overlapFactor: .infinity), "tile_overlap_factor"),
            (.init(sampleTileSize: 12, overlapFactor: 0.25), "tile_sample_min_size and tile_overlap_factor"),  // 1.5 latent pixels
        ]
        for (tiling, field) in bad {
            let attempts: [() throws -> Void] = [{ try tiling.validate(for: vae.configuration) },
                                                 { _ = try vae.encode(image, tiling: tiling) },
                                                 { _ = try vae.decode(latent, tiling: tiling) }]
            for attempt in attempts {
                XCTAssertThrowsError(try attempt(), "\(tiling)") { error in
                    guard case let .invalidConfiguration(name, reason)? = error as? StableDiffusionError else {
                        return XCTFail("\(tiling): \(error)")
                    }
                    XCTAssertEqual(name, field, "\(tiling)")
                    XCTAssertTrue(reason.contains("must"), reason)
                    XCTAssertTrue("\(error)".contains(field), "\(error)")
                }
            }
        }
        XCTAssertThrowsError(try vae.encode(generator.uniform([1, 3, 17, 40], bound: 1), tiling: .init(sampleTileSize: 16))) { error in
            guard case .invalidShape? = error as? StableDiffusionError else { return XCTFail("\(error)") }
            XCTAssertTrue("\(error)".contains("multiples of 2"), "\(error)")
        }
        XCTAssertThrowsError(try vae.decode(Tensor.zeros([1, 3, 20, 20]), tiling: .init(sampleTileSize: 16))) {
            XCTAssertTrue($0 is StableDiffusionError)
        }
    }

    /// The tensors held at once by a tiled encode or decode of a 96 × 80-pixel image in 16-pixel tiles stay near one
    /// tile's (plus the result), while the whole-image path holds many times more.
    func testTiledMemoryIsBoundedByTheTile() throws {
        var generator = TensorRandom(seed: 9)
        let vae = try AutoencoderKL(AutoencoderKLParityTests.tiny, generator: &generator)
        let tiling = AutoencoderKLTiling(sampleTileSize: 16)
        func peak(_ body: () throws -> Tensor) rethrows -> Int {
            BufferPoolProbe.resetPeak()
            let before = BufferPoolProbe.inUseBytes
            let result = try withNoGrad { try body() }
            return BufferPoolProbe.peakInUseBytes - before - result.count * 4
        }
        let tile = generator.uniform([1, 3, 16, 16], bound: 1), image = generator.uniform([1, 3, 96, 80], bound: 1)
        let tileLatent = generator.normal([1, 4, 8, 8]), latent = generator.normal([1, 4, 48, 40])
        let encodeTile = try peak { try vae.encode(tile).mean }
        let encodeTiled = try peak { try vae.encode(image, tiling: tiling).mean }
        let encodeWhole = try peak { try vae.encode(image).mean }
        let decodeTile = try peak { try vae.decode(tileLatent) }
        let decodeTiled = try peak { try vae.decode(latent, tiling: tiling) }
        let decodeWhole = try peak { try vae.decode(latent) }
        print("tiled AutoencoderKL peak tensor bytes: encode tile \(encodeTile), tiled \(encodeTiled), whole \(encodeWhole); "
              + "decode tile \(decodeTile), tiled \(decodeTiled), whole \(decodeWhole)")
        XCTAssertLessThan(encodeTiled, encodeTile * 3 / 2)
        XCTAssertLessThan(decodeTiled, decodeTile * 3 / 2)
        XCTAssertGreaterThan(encodeWhole, encodeTile * 10)
        XCTAssertGreaterThan(decodeWhole, decodeTile * 10)
    }
}
