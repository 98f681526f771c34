/// A fingerprint of named parameters: 64-bit FNV-1a over each name's UTF-8 bytes and its values' little-endian
/// float32 bytes, in order, as hexadecimal. A training checkpoint records the fingerprint of the frozen weights it
/// was trained against, so resuming against other frozen weights is refused rather than silently wrong.
public func parameterFingerprint(_ parameters: [(name: String, tensor: Tensor)]) -> String {
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    func mix(_ byte: UInt8) { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
    for (name, tensor) in parameters {
        for byte in name.utf8 { mix(byte) }
        tensor.withUnsafeBufferPointer { buffer in
            for value in buffer {
                let bits = value.bitPattern
                for shift in stride(from: 0, to: 32, by: 8) { mix(UInt8(truncatingIfNeeded: bits >> UInt32(shift))) }
            }
        }
    }
    return String(hash, radix: 16)
}
