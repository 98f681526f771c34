/// The VAE's tiles, as diffusers' `AutoencoderKL.enable_tiling()` sets them (`tile_sample_min_size`,
/// `tile_latent_min_size`, `tile_overlap_factor`; used by `AutoencoderKL.tiled_encode` and `tiled_decode`).
///
/// An image is encoded in square tiles of ``sampleTileSize`` pixels whose origins lie `⌊S·(1 − r)⌋` pixels apart
/// (S the tile size, r the ``overlapFactor``); each tile's moments are blended linearly into its upper and left
/// neighbours' over `⌊L·r⌋` latent pixels (L = S / f, the latent tile, f the VAE's downsampling factor) and cropped to
/// `L − ⌊L·r⌋`. Latents are decoded the other way round: tiles of L latent pixels every `⌊L·(1 − r)⌋`, blended over
/// `⌊S·r⌋` image pixels and cropped to `S − ⌊S·r⌋`. An image (or latent) no larger than one tile is encoded (decoded)
/// whole, as diffusers does. The defaults are diffusers' for SD-1.5: 512-pixel tiles (64 latent pixels), overlap 0.25.
///
/// Tiles see less context than the whole image, so a tiled result differs from the whole-image one where the image
/// is larger than a tile; what it buys is memory bounded by the tile: SD-1.5's decoder holds about 1.2 GB of
/// activations on a 512-pixel tile whatever the image's size (see ``AutoencoderKL``).
public struct AutoencoderKLTiling: Sendable, Equatable {
    /// `tile_sample_min_size`: the tile side in image pixels (512); a multiple of the VAE's downsampling factor.
    public var sampleTileSize: Int
    /// `tile_overlap_factor`: the fraction of a tile that overlaps its neighbour, in [0, 1) (0.25).
    public var overlapFactor: Double

    /// Tiles of `sampleTileSize` image pixels overlapping by `overlapFactor` (diffusers' 512 and 0.25 by default);
    /// ``validate(for:)`` checks them against a VAE, as ``AutoencoderKL/encode(_:tiling:)`` and
    /// ``AutoencoderKL/decode(_:tiling:)`` do before running.
    public init(sampleTileSize: Int = 512, overlapFactor: Double = 0.25) {
        self.sampleTileSize = sampleTileSize
        self.overlapFactor = overlapFactor
    }

    /// The largest ``sampleTileSize`` accepted (2²⁴ pixels, far beyond any image).
    public static let maximumSampleTileSize = 1 << 24

    /// `tile_latent_min_size`: the tile side in latent pixels, ``sampleTileSize`` / `downsamplingFactor` (64 for SD).
    public func latentTileSize(downsamplingFactor: Int) -> Int { sampleTileSize / max(downsamplingFactor, 1) }

    /// Checks the tiles against a VAE of `configuration`.
    ///
    /// - Throws: ``StableDiffusionError/invalidConfiguration(field:reason:)`` naming `tile_sample_min_size` for a size
    ///   that is not positive or not a multiple of the downsampling factor, `tile_overlap_factor` for a factor outside
    ///   [0, 1), and both when the overlap is not a whole number of latent pixels (diffusers' strides and crops would
    ///   then not add up to the image's size).
    public func validate(for configuration: AutoencoderKLConfiguration) throws {
        let factor = configuration.downsamplingFactor
        guard sampleTileSize > 0, sampleTileSize <= Self.maximumSampleTileSize, sampleTileSize % factor == 0 else {
            throw StableDiffusionError.invalidConfiguration(
                field: "tile_sample_min_size",
                reason: "must be a positive multiple of the VAE's downsampling factor \(factor) (image pixels per tile) up to \(Self.maximumSampleTileSize), got \(sampleTileSize)")
        }
        guard overlapFactor.isFinite, overlapFactor >= 0, overlapFactor < 1 else {
            throw StableDiffusionError.invalidConfiguration(
                field: "tile_overlap_factor", reason: "must lie in [0, 1) (the fraction of a tile its neighbour overlaps), got \(overlapFactor)")
        }
        let encode = encodeAxis(downsamplingFactor: factor), decode = decodeAxis(downsamplingFactor: factor)
        guard encode.stride == factor * encode.keep, decode.stride * factor == decode.keep else {
            let latent = latentTileSize(downsamplingFactor: factor)
            throw StableDiffusionError.invalidConfiguration(
                field: "tile_sample_min_size and tile_overlap_factor",
                reason: "(tiles of \(sampleTileSize) pixels, \(latent) latent, overlapping by \(overlapFactor) = \(Double(latent) * overlapFactor) latent pixels) must overlap by a whole number of latent pixels (e.g. 512 and 0.25), or the tiles would not add up to the image")
        }
    }

    /// One axis of the tiled computation: tiles of `tile` input pixels every `stride`, each output tile blended into
    /// its predecessor over `blend` output pixels and cropped to `keep`.
    struct Axis: Equatable {
        let tile: Int, stride: Int, blend: Int, keep: Int
    }

    /// Encoding: image tiles, latent blends (`tiled_encode`'s `overlap_size`, `blend_extent`, `row_limit`). The
    /// products are Python's (double, truncated), so the integers are diffusers'.
    func encodeAxis(downsamplingFactor factor: Int) -> Axis {
        let latent = latentTileSize(downsamplingFactor: factor)
        let blend = Int(Double(latent) * overlapFactor)
        return Axis(tile: sampleTileSize, stride: Int(Double(sampleTileSize) * (1 - overlapFactor)), blend: blend, keep: latent - blend)
    }

    /// Decoding: latent tiles, image blends (`tiled_decode`'s `overlap_size`, `blend_extent`, `row_limit`).
    func decodeAxis(downsamplingFactor factor: Int) -> Axis {
        let latent = latentTileSize(downsamplingFactor: factor)
        let blend = Int(Double(sampleTileSize) * overlapFactor)
        return Axis(tile: latent, stride: Int(Double(latent) * (1 - overlapFactor)), blend: blend, keep: sampleTileSize - blend)
    }
}
