import Foundation
import Imaging

/// Procedural photos for training tests: sums of oriented sinusoids and a disc, so that crops hold edges and texture.
/// Tests train on these rather than on photos reserved for evaluation.
public enum ProceduralPhotos {
    /// Writes `count` 48² PNG photos `photo0.png`, … into `folder`, different for each `salt`.
    public static func write(count: Int, salt: Int, into folder: URL) throws {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let side = 48
        for index in 0..<count {
            let k = Float(index + 7 * salt + 1)
            var samples = [Float](repeating: 0, count: 3 * side * side)
            for c in 0..<3 {
                for y in 0..<side {
                    for x in 0..<side {
                        let (fx, fy) = (Float(x), Float(y))
                        var v = 0.5 + 0.2 * sin(0.21 * k * fx + 0.13 * fy + Float(c)) + 0.15 * cos(0.09 * fy * (1 + 0.1 * k) - 0.05 * fx)
                        let (dx, dy) = (fx - 24 - k, fy - 20 + k)
                        if dx * dx + dy * dy < 90 { v = 0.9 - 0.3 * Float(c) / 2 }
                        samples[(c * side + y) * side + x] = min(max(v, 0), 1)
                    }
                }
            }
            try Image(width: side, height: side, channels: 3, samples: samples).quantisedTo8Bit
                .write(to: folder.appendingPathComponent("photo\(index).png").path)
        }
    }
}
