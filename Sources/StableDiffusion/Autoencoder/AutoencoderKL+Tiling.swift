import WildTensor

extension AutoencoderKL {
    /// q(z|x) from the encoder run on overlapping tiles (diffusers `AutoencoderKL.tiled_encode`, which `encode` takes
    /// after `enable_tiling()` for images larger than one tile).
    ///
    /// Each tile of ``AutoencoderKLTiling/sampleTileSize`` pixels goes through `encoder` and `quant_conv`; the moments
    /// of each tile are blended linearly into those of the tile above and the tile to its left (both as already
    /// blended), cropped, and laid side by side, as diffusers does. An image no larger than one tile on either side is
    /// encoded whole: the result is then exactly ``encode(_:)``'s. The tiles run without recording gradients.
    ///
    /// - Parameter images: `[B, in_channels, H, W]` in [-1, 1]; H and W multiples of the downsampling factor when the
    ///   image is larger than one tile.
    /// - Returns: the diagonal Gaussian over latents `[B, latent_channels, H/f, W/f]`.
    /// - Throws: ``StableDiffusionError/invalidConfiguration(field:reason:)`` for tiles ``AutoencoderKLTiling/validate(for:)``
    ///   refuses; ``StableDiffusionError/invalidShape(name:shape:expected:)`` for other images.
    public func encode(_ images: Tensor, tiling: AutoencoderKLTiling) throws -> DiagonalGaussianDistribution {
        try tiling.validate(for: configuration)
        try checkImages(images)
        let (height, width) = (images.shape[2], images.shape[3])
        guard height > tiling.sampleTileSize || width > tiling.sampleTileSize else { return try encode(images) }
        let factor = configuration.downsamplingFactor
        guard height % factor == 0, width % factor == 0 else {
            throw StableDiffusionError.invalidShape(
                name: "the images (larger than one \(tiling.sampleTileSize)-pixel tile)", shape: images.shape,
                expected: "[B, \(configuration.inChannels), H, W] with H and W multiples of \(factor) (pad the image)")
        }
        let moments = try withNoGrad {
            try tiled(images, axis: tiling.encodeAxis(downsamplingFactor: factor), channels: 2 * configuration.latentChannels,
                      scale: { $0 / factor }) { quantConv(encoder($0)) }
        }
        return DiagonalGaussianDistribution(moments: moments)
    }

    /// Images from latents decoded on overlapping tiles (diffusers `AutoencoderKL.tiled_decode`, which `decode` takes
    /// after `enable_tiling()` for latents larger than one tile).
    ///
    /// Each tile of ``AutoencoderKLTiling/latentTileSize(downsamplingFactor:)`` latent pixels goes through
    /// `post_quant_conv` and `decoder`; each decoded tile is blended linearly into the tile above and the tile to its
    /// left (both as already blended), cropped, and laid side by side, as diffusers does. A latent no larger than one
    /// tile on either side is decoded whole: the result is then exactly ``decode(_:)``'s. The tiles run without
    /// recording gradients.
    ///
    /// - Parameter latents: `[B, latent_channels, h, w]`, unscaled (divided by the scaling factor).
    /// - Returns: images `[B, out_channels, f·h, f·w]` (about [-1, 1]).
    /// - Throws: ``StableDiffusionError/invalidConfiguration(field:reason:)`` for tiles ``AutoencoderKLTiling/validate(for:)``
    ///   refuses; ``StableDiffusionError/invalidShape(name:shape:expected:)`` for other latents.
    public func decode(_ latents: Tensor, tiling: AutoencoderKLTiling) throws -> Tensor {
        try tiling.validate(for: configuration)
        try checkLatents(latents)
        let factor = configuration.downsamplingFactor
        let tile = tiling.latentTileSize(downsamplingFactor: factor)
        guard latents.shape[2] > tile || latents.shape[3] > tile else { return try decode(latents) }
        return try withNoGrad {
            try tiled(latents, axis: tiling.decodeAxis(downsamplingFactor: factor), channels: configuration.outChannels,
                      scale: { $0 * factor }) { decoder(postQuantConv($0)) }
        }
    }

    /// diffusers' tile loop: tiles at every `axis.stride` along both sides (the last ones clipped to the input), each
    /// mapped by `network` to `channels` planes of `scale(side)`, blended into the tile above and the tile on its left
    /// over `axis.blend` output pixels, and cropped to `axis.keep`. Only the previous row of tiles is kept.
    private func tiled(_ input: Tensor, axis: AutoencoderKLTiling.Axis, channels: Int, scale: (Int) -> Int,
                       _ network: (Tensor) -> Tensor) throws -> Tensor {
        let (batch, height, width) = (input.shape[0], input.shape[2], input.shape[3])
        let (outputHeight, outputWidth) = (scale(height), scale(width))
        var output = [Float](repeating: 0, count: batch * channels * outputHeight * outputWidth)
        var above: [BlendedTile?] = []
        var top = 0
        for y in stride(from: 0, to: height, by: axis.stride) {
            var row: [BlendedTile] = []
            var (left, keptRows) = (0, 0)
            for x in stride(from: 0, to: width, by: axis.stride) {
                let (tileHeight, tileWidth) = (min(axis.tile, height - y), min(axis.tile, width - x))
                let result = network(input.sliced(axis: 2, y..<(y + tileHeight)).sliced(axis: 3, x..<(x + tileWidth)))
                let expected = [batch, channels, scale(tileHeight), scale(tileWidth)]
                guard result.shape == expected else {
                    throw StableDiffusionError.invalidShape(name: "a VAE tile's result", shape: result.shape, expected: "\(expected)")
                }
                var tile = BlendedTile(values: result.values, planes: batch * channels, height: expected[2], width: expected[3])
                if row.count < above.count, let upper = above[row.count] {
                    tile.blendVertically(below: upper, extent: axis.blend)
                    above[row.count] = nil  // no later tile reads it
                }
                if let previous = row.last { tile.blendHorizontally(after: previous, extent: axis.blend) }
                let (rows, columns) = (min(axis.keep, tile.height), min(axis.keep, tile.width))
                guard top + rows <= outputHeight, left + columns <= outputWidth else {
                    throw StableDiffusionError.invalidShape(name: "the tiled result", shape: [batch, channels, top + rows, left + columns],
                                                            expected: "at most [\(batch), \(channels), \(outputHeight), \(outputWidth)]")
                }
                tile.copy(rows: rows, columns: columns, into: &output, height: outputHeight, width: outputWidth, at: (top, left))
                (left, keptRows) = (left + columns, rows)
                row.append(tile)
            }
            guard left == outputWidth else {
                throw StableDiffusionError.invalidShape(name: "a row of the tiled result", shape: [batch, channels, keptRows, left],
                                                        expected: "width \(outputWidth)")
            }
            top += keptRows
            above = row
        }
        guard top == outputHeight else {
            throw StableDiffusionError.invalidShape(name: "the tiled result", shape: [batch, channels, top, outputWidth],
                                                    expected: "height \(outputHeight)")
        }
        return Tensor(shape: [batch, channels, outputHeight, outputWidth], values: output)
    }
}

/// One tile's output while tiles are blended: `planes` (batch × channels) planes of `height` × `width`, row-major.
private struct BlendedTile {
    var values: [Float]
    let planes: Int, height: Int, width: Int

    /// diffusers' `blend_v(above, self, extent)`: with e = min(above's height, this height, extent), row y < e becomes
    /// above's row (height − e + y) weighted 1 − y/e plus this row weighted y/e.
    mutating func blendVertically(below above: BlendedTile, extent: Int) {
        let e = min(above.height, height, extent), columns = min(width, above.width)
        for y in 0..<max(e, 0) {
            let own = Float(Double(y) / Double(e)), other = Float(1 - Double(y) / Double(e))
            for plane in 0..<min(planes, above.planes) {
                let source = (plane * above.height + above.height - e + y) * above.width, target = (plane * height + y) * width
                for x in 0..<columns { values[target + x] = above.values[source + x] * other + values[target + x] * own }
            }
        }
    }

    /// diffusers' `blend_h(left, self, extent)`: with e = min(left's width, this width, extent), column x < e becomes
    /// left's column (width − e + x) weighted 1 − x/e plus this column weighted x/e.
    mutating func blendHorizontally(after left: BlendedTile, extent: Int) {
        let e = min(left.width, width, extent), rows = min(height, left.height)
        guard e > 0 else { return }
        let own = (0..<e).map { Float(Double($0) / Double(e)) }, other = (0..<e).map { Float(1 - Double($0) / Double(e)) }
        for plane in 0..<min(planes, left.planes) {
            for y in 0..<rows {
                let source = (plane * left.height + y) * left.width + left.width - e, target = (plane * height + y) * width
                for x in 0..<e { values[target + x] = left.values[source + x] * other[x] + values[target + x] * own[x] }
            }
        }
    }

    /// Writes the top-left `rows` × `columns` of every plane into `output` (planes of `height` × `width`) at `origin`.
    func copy(rows: Int, columns: Int, into output: inout [Float], height: Int, width: Int, at origin: (y: Int, x: Int)) {
        for plane in 0..<planes {
            for y in 0..<rows {
                let source = (plane * self.height + y) * self.width, target = (plane * height + origin.y + y) * width + origin.x
                for x in 0..<columns { output[target + x] = values[source + x] }
            }
        }
    }
}
