/// CRC-32 (ISO 3309 / ITU-T V.42, reflected polynomial 0xEDB88320), the checksum zip stores per entry.
///
/// Slicing-by-8: eight 256-entry tables let the loop consume eight bytes per step.
enum CRC32 {
    private static let tables: [[UInt32]] = {
        var tables = [[UInt32]](repeating: [UInt32](repeating: 0, count: 256), count: 8)
        for byte in 0..<256 {
            var crc = UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
            tables[0][byte] = crc
        }
        for byte in 0..<256 {
            for k in 1..<8 { tables[k][byte] = (tables[k - 1][byte] >> 8) ^ tables[0][Int(tables[k - 1][byte] & 0xFF)] }
        }
        return tables
    }()

    /// The checksum of `bytes`.
    static func checksum(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
        let t = tables
        var crc: UInt32 = 0xFFFF_FFFF
        var i = 0
        let n = bytes.count
        while i + 8 <= n {
            let low = UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: i, as: UInt32.self)) ^ crc
            let high = UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: i + 4, as: UInt32.self))
            crc = t[7][Int(low & 0xFF)] ^ t[6][Int((low >> 8) & 0xFF)] ^ t[5][Int((low >> 16) & 0xFF)] ^ t[4][Int(low >> 24)]
                ^ t[3][Int(high & 0xFF)] ^ t[2][Int((high >> 8) & 0xFF)] ^ t[1][Int((high >> 16) & 0xFF)] ^ t[0][Int(high >> 24)]
            i += 8
        }
        while i < n {
            crc = (crc >> 8) ^ t[0][Int((crc ^ UInt32(bytes[i])) & 0xFF)]
            i += 1
        }
        return ~crc
    }
}
