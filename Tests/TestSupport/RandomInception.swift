import Checkpoints
import Foundation
import Metrics

/// The random FID Inception of `Tools/fixtures/fid_kid.py`, regenerated bit for bit from its seed, so that the FID
/// and KID fixtures hold only images, features and scores.
///
/// The rule (the generator's docstring): one ``SplitMix64`` stream from ``seed``; value `Float(centre + (2u − 1)·bound)`
/// in Double, u = (z >> 40)/2²⁴; the tensors in the sorted order of their state-dict names, each in C order;
/// `*.conv.weight` centre 0 and bound √(6/fan_in), `bn.weight` 1 ± 0.25, `bn.bias` 0 ± 0.1, `bn.running_mean`
/// 0 ± 0.1, `bn.running_var` 1 ± 0.25.
public enum RandomInception {
    /// The seed of `fid_kid.py`.
    public static let seed: UInt64 = 20_240_716

    /// Every tensor FID reads, in the generator's (sorted) order.
    public static func tensors() -> [(name: String, shape: [Int], values: [Float])] {
        var generator = SplitMix64(seed: seed)
        return FIDInception.parameterShapes.sorted { $0.name < $1.name }.map { name, shape in
            let count = shape.reduce(1, *)
            let (centre, bound): (Double, Double)
            if name.hasSuffix("conv.weight") {
                (centre, bound) = (0, (6 / Double(shape[1] * shape[2] * shape[3])).squareRoot())
            } else if name.hasSuffix("bn.weight") || name.hasSuffix("bn.running_var") {
                (centre, bound) = (1, 0.25)
            } else {
                (centre, bound) = (0, 0.1)
            }
            // Two steps in Double, as NumPy's float32((2u − 1)·bound) then + centre in float64 do.
            let values = (0..<count).map { _ in
                Float(Double(Float((Double(generator.next() >> 40) / 16_777_216 * 2 - 1) * bound)) + centre)
            }
            return (name, shape, values)
        }
    }

    /// The same as a state dict.
    public static func stateDict() throws -> [(name: String, tensor: StoredTensor)] {
        try tensors().map { ($0.name, try StoredTensor(shape: $0.shape, float32: $0.values)) }
    }
}
