import Foundation

/// Element types that weight files store, named as safetensors names them.
public enum StoredElementType: String, Sendable, CaseIterable {
    case float64 = "F64", float32 = "F32", float16 = "F16", bfloat16 = "BF16"
    case int64 = "I64", int32 = "I32", int16 = "I16", int8 = "I8", uint8 = "U8", bool = "BOOL"

    /// Bytes per element.
    public var byteCount: Int {
        switch self {
        case .float64, .int64: return 8
        case .float32, .int32: return 4
        case .float16, .bfloat16, .int16: return 2
        case .int8, .uint8, .bool: return 1
        }
    }
}

/// One tensor as a weight file stores it: shape, element type and little-endian bytes in C order.
///
/// The bytes are typically a slice of a memory-mapped file, so holding many records costs no copy.
public struct StoredTensor: Sendable, Equatable {
    public let shape: [Int]
    public let elementType: StoredElementType
    /// Little-endian, C-contiguous element bytes (`shape.product × elementType.byteCount` of them).
    public let bytes: Data

    /// Number of elements.
    public var count: Int { shape.reduce(1, *) }

    /// A record over existing bytes; the byte count must match the shape.
    public init(shape: [Int], elementType: StoredElementType, bytes: Data) throws {
        let expected = shape.reduce(1, *) * elementType.byteCount
        guard shape.allSatisfy({ $0 >= 0 }), bytes.count == expected else {
            throw CheckpointError.malformed(
                file: "<memory>", detail: "tensor of shape \(shape) \(elementType.rawValue) needs \(expected) bytes, has \(bytes.count)")
        }
        self.shape = shape
        self.elementType = elementType
        self.bytes = bytes
    }

    /// A Float32 record.
    public init(shape: [Int], float32 values: [Float]) throws {
        try self.init(shape: shape, elementType: .float32, bytes: values.withUnsafeBufferPointer { Data(buffer: $0) })
    }

    /// A Float64 record.
    public init(shape: [Int], float64 values: [Double]) throws {
        try self.init(shape: shape, elementType: .float64, bytes: values.withUnsafeBufferPointer { Data(buffer: $0) })
    }

    /// The values widened or narrowed to Float32 (fp16/bf16 exactly, fp64 rounded, integers converted).
    public func floatValues() -> [Float] {
        var out = [Float](repeating: 0, count: count)
        out.withUnsafeMutableBufferPointer { destination in
            bytes.withUnsafeBytes { raw in
                ElementConversion.toFloat(raw, elementType, into: destination)
            }
        }
        return out
    }

    /// Writes the values, converted to Float32 as ``floatValues()`` does, into `destination` (`count` elements),
    /// without an intermediate array: how weights are loaded into a model's own buffers.
    public func copyFloatValues(into destination: UnsafeMutableBufferPointer<Float>) {
        precondition(destination.count == count, "StoredTensor: \(count) values into a buffer of \(destination.count)")
        bytes.withUnsafeBytes { raw in ElementConversion.toFloat(raw, elementType, into: destination) }
    }

    /// Whether every value is finite (no NaN or ±infinity); integer tensors always are. Reads the stored values in
    /// place (a checkpoint of gigabytes is checked without a copy).
    public var isFinite: Bool {
        bytes.withUnsafeBytes { raw in
            switch elementType {
            case .float64: return ElementConversion.float64AreFinite(raw)
            case .float32: return ElementConversion.float32AreFinite(raw)
            case .float16: return ElementConversion.halfAreFinite(raw, mask: 0x7C00)
            case .bfloat16: return ElementConversion.halfAreFinite(raw, mask: 0x7F80)
            case .int64, .int32, .int16, .int8, .uint8, .bool: return true
            }
        }
    }

    /// The values as Float64 (exact for every stored type except 64-bit integers beyond 2^53).
    public func doubleValues() -> [Double] {
        if elementType == .float64 {
            return bytes.withUnsafeBytes { raw in (0..<count).map { raw.loadUnaligned(fromByteOffset: 8 * $0, as: Double.self) } }
        }
        return floatValues().map(Double.init)
    }
}

/// Conversions from stored element types to Float32 (the engine's one compute type).
enum ElementConversion {
    /// Writes `raw` (elements of `type`) into `destination` as Float32.
    static func toFloat(_ raw: UnsafeRawBufferPointer, _ type: StoredElementType, into destination: UnsafeMutableBufferPointer<Float>) {
        let n = destination.count
        switch type {
        case .float32:
            // Little-endian Float32 is the engine's own layout: a copy.
            if let target = destination.baseAddress, let source = raw.baseAddress, n > 0 {
                UnsafeMutableRawPointer(target).copyMemory(from: source, byteCount: 4 * n)
            }
        case .float64:
            for i in 0..<n { destination[i] = Float(raw.loadUnaligned(fromByteOffset: 8 * i, as: Double.self)) }
        case .float16:
            for i in 0..<n { destination[i] = halfToFloat(raw.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)) }
        case .bfloat16:
            for i in 0..<n {
                destination[i] = Float(bitPattern: UInt32(raw.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)) << 16)
            }
        case .int64: for i in 0..<n { destination[i] = Float(raw.loadUnaligned(fromByteOffset: 8 * i, as: Int64.self)) }
        case .int32: for i in 0..<n { destination[i] = Float(raw.loadUnaligned(fromByteOffset: 4 * i, as: Int32.self)) }
        case .int16: for i in 0..<n { destination[i] = Float(raw.loadUnaligned(fromByteOffset: 2 * i, as: Int16.self)) }
        case .int8: for i in 0..<n { destination[i] = Float(raw.load(fromByteOffset: i, as: Int8.self)) }
        case .uint8, .bool: for i in 0..<n { destination[i] = Float(raw[i]) }
        }
    }

    /// Whether every Float32 of `raw` is finite.
    static func float32AreFinite(_ raw: UnsafeRawBufferPointer) -> Bool { allFinite(raw, as: SIMD8<Float>.self) }

    /// Whether every Float64 of `raw` is finite.
    static func float64AreFinite(_ raw: UnsafeRawBufferPointer) -> Bool { allFinite(raw, as: SIMD4<Double>.self) }

    /// Whether every element of `raw`, read as `Lanes.Scalar`, is finite: `x·0` is 0 for finite x and NaN for ±∞ and
    /// NaN, so the lanes of `Σ x·0` stay 0 exactly when all are (a branch-free loop at memory speed: checkpoints
    /// are gigabytes).
    private static func allFinite<Lanes: SIMD>(_ raw: UnsafeRawBufferPointer, as _: Lanes.Type) -> Bool
    where Lanes.Scalar: BinaryFloatingPoint {
        let size = MemoryLayout<Lanes.Scalar>.size
        let n = raw.count / size
        var lanes = Lanes(), i = 0
        while i + Lanes.scalarCount <= n {
            lanes += raw.loadUnaligned(fromByteOffset: size * i, as: Lanes.self) * 0
            i += Lanes.scalarCount
        }
        var tail: Lanes.Scalar = 0
        while i < n { tail += raw.loadUnaligned(fromByteOffset: size * i, as: Lanes.Scalar.self) * 0; i += 1 }
        return lanes == Lanes() && tail == 0
    }

    /// Whether no 16-bit element of `raw` has all of `mask`'s exponent bits set (the pattern of ±∞ and NaN in
    /// binary16 with mask 0x7C00, bfloat16 with 0x7F80).
    static func halfAreFinite(_ raw: UnsafeRawBufferPointer, mask: UInt16) -> Bool {
        var finite = true
        for i in 0..<(raw.count / 2) {
            finite = finite && (UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)) & mask != mask)
        }
        return finite
    }

    /// IEEE 754 binary16 → binary32, subnormals, infinities and NaN included (written out because Swift's
    /// `Float16` is unavailable on Intel macOS, a platform WildIR means to support).
    static func halfToFloat(_ h: UInt16) -> Float {
        let sign = UInt32(h & 0x8000) << 16
        let exponent = Int((h >> 10) & 0x1F)
        let mantissa = UInt32(h & 0x3FF)
        if exponent == 0 {
            // Zero or subnormal: mantissa × 2^-24.
            let magnitude = Float(mantissa) * Float(sign: .plus, exponent: -24, significand: 1)
            return sign != 0 ? -magnitude : magnitude
        }
        if exponent == 31 { return Float(bitPattern: sign | 0x7F80_0000 | (mantissa << 13)) }
        return Float(bitPattern: sign | UInt32(exponent - 15 + 127) << 23 | (mantissa << 13))
    }
}
