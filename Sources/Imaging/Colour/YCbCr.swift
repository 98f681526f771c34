/// RGB ↔ YCbCr in the ITU-R BT.601 "studio swing" convention of MATLAB `rgb2ycbcr`/`ycbcr2rgb`.
///
/// For RGB in [0, 1]: `Y = (16 + 65.481 R + 128.553 G + 24.966 B) / 255`,
/// `Cb = (128 − 37.797 R − 74.203 G + 112.0 B) / 255`, `Cr = (128 + 112.0 R − 93.786 G − 18.214 B) / 255`,
/// so Y lies in [16/255, 235/255]. This is the convention under which restoration papers report PSNR/SSIM
/// "on the Y channel" (BasicSR `rgb2ycbcr(y_only=True)`). The inverse is the exact matrix inverse (as MATLAB
/// and scikit-image compute it), not the rounded constants some Python code carries.
public enum YCbCr {
    /// The forward matrix rows (Y, Cb, Cr) applied to RGB in [0, 1], giving values on the 0…255 scale.
    public static let forward: [[Double]] = [
        [65.481, 128.553, 24.966],
        [-37.797, -74.203, 112.0],
        [112.0, -93.786, -18.214],
    ]
    /// The offsets added after the matrix, on the 0…255 scale.
    public static let offset: [Double] = [16, 128, 128]

    /// The exact inverse of ``forward``, computed once in double precision.
    public static let inverse: [[Double]] = invert3x3(forward)

    static func invert3x3(_ m: [[Double]]) -> [[Double]] {
        let a = m[0][0], b = m[0][1], c = m[0][2]
        let d = m[1][0], e = m[1][1], f = m[1][2]
        let g = m[2][0], h = m[2][1], i = m[2][2]
        let det = a * (e * i - f * h) - b * (d * i - f * g) + c * (d * h - e * g)
        return [
            [(e * i - f * h) / det, (c * h - b * i) / det, (b * f - c * e) / det],
            [(f * g - d * i) / det, (a * i - c * g) / det, (c * d - a * f) / det],
            [(d * h - e * g) / det, (b * g - a * h) / det, (a * e - b * d) / det],
        ]
    }
}

extension Image {
    /// The luma channel Y of BT.601 studio swing (MATLAB `rgb2ycbcr(…)(:,:,1)`), as a one-channel image in [16/255, 235/255].
    ///
    /// A gray image (1 or 2 channels) is treated as R = G = B. Alpha is ignored.
    public var luma: Image {
        let n = planeSize
        var out = [Float](repeating: 0, count: n)
        let m = YCbCr.forward[0]
        let wr = Float(m[0] / 255), wg = Float(m[1] / 255), wb = Float(m[2] / 255)
        let bias = Float(YCbCr.offset[0] / 255)
        samples.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                if colourChannels == 1 {
                    let w = wr + wg + wb
                    for p in 0..<n { dst[p] = bias + w * src[p] }
                } else {
                    for p in 0..<n { dst[p] = bias + wr * src[p] + wg * src[n + p] + wb * src[2 * n + p] }
                }
            }
        }
        return Image(uncheckedWidth: width, height: height, channels: 1, samples: out)
    }

    /// Converts RGB(A) to YCbCr(A) (BT.601 studio swing, MATLAB `rgb2ycbcr`); alpha is carried through.
    /// - Throws: ``ImagingError/invalidParameter(_:)`` for a gray image.
    public func rgbToYCbCr() throws -> Image {
        // RGB in [0, 1] → matrix + offset on the 0…255 scale → back to [0, 1].
        try applyColourMatrix(YCbCr.forward, inputScale: 1, inputOffset: [0, 0, 0],
                              outputOffset: YCbCr.offset, outputScale: 1.0 / 255)
    }

    /// Converts YCbCr(A) (BT.601 studio swing) back to RGB(A) with the exact inverse (MATLAB `ycbcr2rgb`).
    /// Values are not clamped, so out-of-gamut YCbCr gives RGB outside [0, 1].
    /// - Throws: ``ImagingError/invalidParameter(_:)`` for a one- or two-channel image.
    public func ycbcrToRGB() throws -> Image {
        // YCbCr on the 0…255 scale minus offsets → inverse matrix gives RGB in [0, 1].
        try applyColourMatrix(YCbCr.inverse, inputScale: 255, inputOffset: YCbCr.offset,
                              outputOffset: [0, 0, 0], outputScale: 1)
    }

    /// `out = (M · (in · inputScale − inputOffset) + outputOffset) · outputScale` per pixel, in double precision.
    private func applyColourMatrix(_ m: [[Double]], inputScale: Double, inputOffset: [Double],
                                   outputOffset: [Double], outputScale: Double) throws -> Image {
        guard colourChannels == 3 else {
            throw ImagingError.invalidParameter("colour conversion needs a 3-channel image, got \(channels) channel(s)")
        }
        let n = planeSize
        var out = samples
        samples.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for p in 0..<n {
                    let v0 = Double(src[p]) * inputScale - inputOffset[0]
                    let v1 = Double(src[n + p]) * inputScale - inputOffset[1]
                    let v2 = Double(src[2 * n + p]) * inputScale - inputOffset[2]
                    for r in 0..<3 {
                        let v = m[r][0] * v0 + m[r][1] * v1 + m[r][2] * v2 + outputOffset[r]
                        dst[r * n + p] = Float(v * outputScale)
                    }
                }
            }
        }
        return Image(uncheckedWidth: width, height: height, channels: channels, samples: out)
    }
}
