/// What WildIR reads from a JPEG's marker segments before the scan: the EXIF orientation (APP1 "Exif", TIFF IFD0
/// tag 0x0112, CIPA DC-008) and whether an Adobe APP14 segment is present (which marks CMYK data as inverted).
///
/// Every offset is bounds-checked: a damaged segment simply yields no orientation.
struct JPEGMarkers {
    /// EXIF orientation 1…8, or `nil` when absent or unreadable.
    var orientation: Int?
    /// `true` when an APP14 "Adobe" segment is present.
    var hasAdobeSegment = false

    init(_ bytes: UnsafeBufferPointer<UInt8>) {
        var offset = 2  // after SOI
        while offset + 4 <= bytes.count {
            guard bytes[offset] == 0xFF else { return }
            let marker = bytes[offset + 1]
            if marker == 0xFF { offset += 1; continue }  // fill byte
            if marker == 0xD8 || (0xD0...0xD7).contains(marker) || marker == 0x01 { offset += 2; continue }
            if marker == 0xDA || marker == 0xD9 { return }  // start of scan / end of image
            let length = Int(bytes[offset + 2]) << 8 | Int(bytes[offset + 3])
            guard length >= 2, offset + 2 + length <= bytes.count else { return }
            let body = bytes[(offset + 4)..<(offset + 2 + length)]
            if marker == 0xE1, orientation == nil, body.starts(with: Array("Exif\0\0".utf8)) {
                orientation = Self.exifOrientation(Array(body.dropFirst(6)))
            } else if marker == 0xEE, body.starts(with: Array("Adobe".utf8)) {
                hasAdobeSegment = true
            }
            offset += 2 + length
        }
    }

    /// The orientation tag of IFD0 in a TIFF structure (either byte order), if valid (1…8).
    static func exifOrientation(_ tiff: [UInt8]) -> Int? {
        guard tiff.count >= 8 else { return nil }
        let little: Bool
        switch (tiff[0], tiff[1]) {
        case (0x49, 0x49): little = true
        case (0x4D, 0x4D): little = false
        default: return nil
        }
        func u16(_ at: Int) -> Int? {
            guard at >= 0, at + 2 <= tiff.count else { return nil }
            return little ? Int(tiff[at]) | Int(tiff[at + 1]) << 8 : Int(tiff[at]) << 8 | Int(tiff[at + 1])
        }
        func u32(_ at: Int) -> Int? {
            guard let a = u16(at), let b = u16(at + 2) else { return nil }
            return little ? a | b << 16 : a << 16 | b
        }
        guard u16(2) == 42, let ifd = u32(4), let count = u16(ifd) else { return nil }
        for entry in 0..<count {
            let at = ifd + 2 + entry * 12
            guard let tag = u16(at) else { return nil }
            if tag == 0x0112 {
                guard let type = u16(at + 2), type == 3, let value = u16(at + 8), (1...8).contains(value) else { return nil }
                return value
            }
        }
        return nil
    }
}
