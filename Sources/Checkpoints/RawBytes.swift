extension UnsafeRawBufferPointer {
    /// The little-endian integer at `offset`, or nil when it does not lie wholly inside the buffer.
    func littleEndian<T: FixedWidthInteger>(_: T.Type, at offset: Int) -> T? {
        guard offset >= 0, offset <= count - MemoryLayout<T>.size else { return nil }
        return T(littleEndian: loadUnaligned(fromByteOffset: offset, as: T.self))
    }
}

/// `value` in hexadecimal, zero-padded to its type's width (`0x1f` for a UInt8 is `1f`).
func hexDigits<T: FixedWidthInteger & UnsignedInteger>(_ value: T) -> String {
    let digits = String(value, radix: 16)
    return String(repeating: "0", count: max(0, 2 * MemoryLayout<T>.size - digits.count)) + digits
}

/// `bytes` as a string when they are valid UTF-8, else nil (the standard library's own validating initialiser
/// needs macOS 15).
func validUTF8(_ bytes: UnsafeRawBufferPointer) -> String? {
    let text = String(decoding: bytes, as: UTF8.self)
    return text.utf8.elementsEqual(bytes) ? text : nil
}
