import CZlib
import Foundation

/// Inflates a gzip file (RFC 1952) with zlib, as Python's `gzip.open(path).read()` does in OpenCLIP's
/// `SimpleTokenizer.__init__`: every member of a multi-member file, concatenated.
///
/// The output is bounded: inflating stops with ``CLIPTokenizerError/vocabularyTooLarge(source:limit:)`` as soon
/// as it would pass `limit` bytes, so a decompression bomb costs at most `limit` bytes of memory.
enum GzipInflater {
    /// The gzip signature, the first two bytes of every member.
    static let signature: [UInt8] = [0x1F, 0x8B]

    /// The inflated bytes of `data`; `source` names the data in errors.
    static func inflate(_ data: Data, limit: Int, source: String) throws -> Data {
        guard data.count >= 2, data.prefix(2).elementsEqual(signature) else {
            throw CLIPTokenizerError.notGzip(source: source)
        }
        var stream = z_stream()
        // windowBits 15 + 16: a gzip wrapper (header and CRC-32 checked by zlib), the largest window.
        guard inflateInit2_(&stream, 15 + 16, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw CLIPTokenizerError.corruptGzip(source: source, reason: "zlib could not start inflating")
        }
        defer { inflateEnd(&stream) }

        var output = Data()
        let chunkSize = 1 << 16
        var chunk = [UInt8](repeating: 0, count: chunkSize)
        try data.withUnsafeBytes { (input: UnsafeRawBufferPointer) in
            guard let base = input.bindMemory(to: Bytef.self).baseAddress else { return }
            stream.next_in = UnsafeMutablePointer(mutating: base)
            stream.avail_in = uInt(input.count)
            while true {
                let (status, produced) = chunk.withUnsafeMutableBufferPointer { buffer -> (Int32, Int) in
                    stream.next_out = buffer.baseAddress
                    stream.avail_out = uInt(chunkSize)
                    let status = CZlib.inflate(&stream, Z_NO_FLUSH)
                    return (status, chunkSize - Int(stream.avail_out))
                }
                guard output.count + produced <= limit else {
                    throw CLIPTokenizerError.vocabularyTooLarge(source: source, limit: limit)
                }
                output.append(contentsOf: chunk[0..<produced])
                switch status {
                case Z_OK:
                    continue
                case Z_STREAM_END:
                    // Another member may follow (Python reads them all); anything else after a member is damage.
                    let remaining = Int(stream.avail_in)
                    if remaining == 0 { return }
                    let consumed = input.count - remaining
                    guard remaining >= 2, input[consumed] == signature[0], input[consumed + 1] == signature[1] else {
                        throw CLIPTokenizerError.corruptGzip(source: source, reason: "\(remaining) stray bytes after "
                            + "the gzip stream")
                    }
                    guard inflateReset(&stream) == Z_OK else {
                        throw CLIPTokenizerError.corruptGzip(source: source, reason: "zlib could not restart")
                    }
                case Z_BUF_ERROR where stream.avail_in == 0:
                    // No input left and no end marker seen.
                    throw CLIPTokenizerError.truncatedGzip(source: source)
                default:
                    let reason = stream.msg.map { String(cString: $0) } ?? "zlib status \(status)"
                    throw CLIPTokenizerError.corruptGzip(source: source, reason: reason)
                }
            }
        }
        return output
    }
}
