/// The reversible map from the 256 byte values to 256 printable characters on which CLIP's byte-level BPE
/// works (`bytes_to_unicode` in OpenCLIP's tokenizer.py, from GPT-2).
///
/// The 188 bytes that are printable Latin-1 characters ('!'...'~', '¡'...'¬', '®'...'ÿ') stand for themselves;
/// the other 68 (controls, space, U+007F...U+00A0, the soft hyphen) map in ascending order to U+0100...U+0143, so
/// the space byte 0x20 is 'Ġ' (U+0120). The order of ``vocabularyOrder`` is the order of the first 256 vocabulary
/// entries.
enum ByteCharacters {
    /// The bytes in vocabulary order: the printable ranges first, then the others ascending.
    static let vocabularyOrder: [UInt8] = {
        let printable = Array(0x21...0x7E) + Array(0xA1...0xAC) + Array(0xAE...0xFF)
        let others = (0...0xFF).filter { !printable.contains($0) }
        return (printable + others).map { UInt8($0) }
    }()

    /// The character of each byte, indexed by the byte value.
    static let scalarOfByte: [Unicode.Scalar] = {
        var result = [Unicode.Scalar](repeating: " ", count: 256)
        var next: UInt32 = 0x100
        for byte in vocabularyOrder {
            if isPrintable(byte) {
                result[Int(byte)] = Unicode.Scalar(byte)
            } else {
                // 0x100...0x143 are all valid scalars.
                result[Int(byte)] = Unicode.Scalar(next) ?? "?"
                next += 1
            }
        }
        return result
    }()

    /// The byte a character stands for, or nil for a character outside the 256.
    static func byte(of scalar: Unicode.Scalar) -> UInt8? {
        let value = scalar.value
        if value <= 0xFF {
            let byte = UInt8(value)
            return isPrintable(byte) ? byte : nil
        }
        guard value <= 0x143 else { return nil }
        return byteOfExtendedScalar[Int(value - 0x100)]
    }

    /// The bytes of U+0100...U+0143, in order.
    private static let byteOfExtendedScalar: [UInt8] = vocabularyOrder.filter { !isPrintable($0) }

    private static func isPrintable(_ byte: UInt8) -> Bool {
        (0x21...0x7E).contains(byte) || (0xA1...0xAC).contains(byte) || (0xAE...0xFF).contains(byte)
    }
}
