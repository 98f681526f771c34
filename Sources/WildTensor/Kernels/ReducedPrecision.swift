import CDNNL

/// The arithmetic of the engine's `linear` products.
///
/// `bfloat16` rounds both operands to bfloat16 (round to nearest even: the top 16 bits of a Float32) and accumulates
/// in Float32, on oneDNN's AVX512-BF16 kernels, about twice the Float32 speed on CPUs that have them. It is how
/// PyTorch's `autocast(dtype=torch.bfloat16)` computes a Linear layer, and the reduced precision the official DA-CLIP
/// code runs under (CUDA autocast). It is opt-in and for inference: the weights must be prepared first
/// (``Module/prepareBFloat16()``), recording products stay Float32, and a CPU without AVX512-BF16 computes Float32.
public enum MatmulPrecision: String, Sendable, CaseIterable {
    /// Float32 throughout (the default, which the parity tests check).
    case float32
    /// bfloat16 operands, Float32 accumulation (prepared weights only).
    case bfloat16

    @TaskLocal static var current: MatmulPrecision = .float32

    /// Whether this CPU runs bfloat16 products natively (oneDNN's effective ISA includes AVX512-BF16).
    public static let bfloat16IsNative: Bool = {
        let isa = dnnl_get_effective_cpu_isa().rawValue, bf16 = dnnl_cpu_isa_avx512_core_bf16.rawValue
        return isa & bf16 == bf16
    }()

    /// The precision in effect for the current task.
    public static var inEffect: MatmulPrecision { current }
}

/// Runs `body` with the `linear` products of prepared weights in `precision`.
public func withMatmulPrecision<R>(_ precision: MatmulPrecision, _ body: () throws -> R) rethrows -> R {
    try MatmulPrecision.$current.withValue(precision) { try body() }
}

/// bfloat16 of Float32 values: round to nearest, ties to even, on the bit pattern (NaN stays a quiet NaN), 16
/// lanes at a time, split over the engine's threads (a ViT-L-14's weights are 0.3 G values).
func bfloat16Bits(_ values: UnsafeBufferPointer<Float>, into out: UnsafeMutableBufferPointer<UInt16>) {
    guard let source = values.baseAddress, let target = out.baseAddress else { return }
    source.withMemoryRebound(to: UInt32.self, capacity: values.count) { bits in
        EngineParallel.chunks(values.count, minimumPerChunk: 1 << 16) { range in
            var i = range.lowerBound
            while i + 16 <= range.upperBound {
                let word = UnsafeRawPointer(bits + i).loadUnaligned(as: SIMD16<UInt32>.self)
                let rounded = (word &+ (SIMD16<UInt32>(repeating: 0x7FFF) &+ ((word &>> 16) & 1))) &>> 16
                let nan = (word & 0x7FFF_FFFF) .> SIMD16<UInt32>(repeating: 0x7F80_0000)
                let result = rounded.replacing(with: (word &>> 16) | 0x40, where: nan)
                UnsafeMutableRawPointer(target + i).storeBytes(of: SIMD16<UInt16>(truncatingIfNeeded: result), as: SIMD16<UInt16>.self)
                i += 16
            }
            while i < range.upperBound {
                let word = bits[i]
                target[i] = word & 0x7FFF_FFFF > 0x7F80_0000 ? UInt16(truncatingIfNeeded: word >> 16) | 0x40
                    : UInt16(truncatingIfNeeded: (word &+ 0x7FFF &+ ((word >> 16) & 1)) >> 16)
                i += 1
            }
        }
    }
}

extension Module {
    /// Prepares every matrix parameter (the `Linear` weights) for ``MatmulPrecision/bfloat16``: keeps a bfloat16
    /// copy beside its Float32 values. Call after loading, for inference; a prepared weight that is modified later
    /// must be prepared again (``Tensor/assign(_:)`` drops the copy). Does nothing on a CPU without AVX512-BF16.
    public func prepareBFloat16() {
        guard MatmulPrecision.bfloat16IsNative else { return }
        for parameter in parameters() where parameter.rank == 2 {
            var copy = [UInt16](repeating: 0, count: parameter.count)
            copy.withUnsafeMutableBufferPointer { bfloat16Bits(UnsafeBufferPointer(parameter.storage.buffer), into: $0) }
            parameter.storage.bfloat16 = copy
        }
    }

    /// Drops the bfloat16 copies ``prepareBFloat16()`` made.
    public func releaseBFloat16() {
        for parameter in parameters() { parameter.storage.bfloat16 = nil }
    }
}
