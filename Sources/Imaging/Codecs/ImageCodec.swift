import Foundation

/// Decoding and encoding of PNG, JPEG and WebP in memory, and reading and writing files.
public enum ImageCodec {
    /// Decodes PNG, JPEG or WebP bytes; the format is recognised from the signature, never from a file name.
    ///
    /// - Parameters:
    ///   - bytes: the encoded file.
    ///   - source: a name for error messages (usually the path).
    ///   - options: the pixel limit and orientation handling.
    /// - Throws: an ``ImagingError`` naming `source`: ``ImagingError/emptyData(source:)``,
    ///   ``ImagingError/unrecognisedFormat(source:)``, ``ImagingError/corruptData(source:format:reason:)``,
    ///   ``ImagingError/tooManyPixels(source:width:height:limit:)``.
    public static func decode(_ bytes: [UInt8], source: String = "<memory>", options: DecodeOptions = .default) throws -> Image {
        try bytes.withUnsafeBufferPointer { try decode(buffer: $0, source: source, options: options) }
    }

    /// ``decode(_:source:options:)`` on bytes the caller holds (a memory-mapped file, say), without copying them.
    public static func decode(buffer bytes: UnsafeBufferPointer<UInt8>, source: String = "<memory>",
                              options: DecodeOptions = .default) throws -> Image {
        guard !bytes.isEmpty else { throw ImagingError.emptyData(source: source) }
        switch ImageFormat.sniff(bytes) {
        case .png: return try PNGCodec.decode(bytes, source: source, options: options)
        case .jpeg: return try JPEGCodec.decode(bytes, source: source, options: options)
        case .webp: return try WebPCodec.decode(bytes, source: source, options: options)
        case nil: throw ImagingError.unrecognisedFormat(source: source)
        }
    }

    /// Encodes `image` as `format` in memory.
    ///
    /// PNG keeps every channel (8- or 16-bit); JPEG drops alpha (gray stays gray); WebP expands gray to RGB.
    /// - Throws: ``ImagingError/invalidParameter(_:)`` for out-of-range options, ``ImagingError/encodingFailed(format:reason:)``.
    public static func encode(_ image: Image, as format: ImageFormat, options: EncodeOptions = .default) throws -> [UInt8] {
        switch format {
        case .png: return try PNGCodec.encode(image, options: options)
        case .jpeg: return try JPEGCodec.encode(image, options: options)
        case .webp: return try WebPCodec.encode(image, options: options)
        }
    }

    /// The bytes of the file at `path`.
    /// - Throws: ``ImagingError/fileAccess(path:reason:)`` when it is missing, a directory or unreadable.
    public static func readFile(_ path: String) throws -> [UInt8] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw ImagingError.fileAccess(path: path, reason: "no such file")
        }
        guard !isDirectory.boolValue else { throw ImagingError.fileAccess(path: path, reason: "is a directory, not an image file") }
        do {
            return [UInt8](try Data(contentsOf: URL(fileURLWithPath: path), options: .mappedIfSafe))
        } catch {
            throw ImagingError.fileAccess(path: path, reason: "cannot read: \(error.localizedDescription)")
        }
    }
}

extension ImageCodec {
    /// Decodes the file at `path` from a memory map (its bytes are never copied), after refusing a file larger
    /// than any image within the pixel limit could be (``DecodeOptions/maxFileBytes``).
    /// - Throws: ``ImagingError/fileAccess(path:reason:)`` for a missing, unreadable or oversized file, or a decoding error.
    public static func decodeFile(_ path: String, options: DecodeOptions = .default) throws -> Image {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw ImagingError.fileAccess(path: path, reason: "no such file")
        }
        guard !isDirectory.boolValue else { throw ImagingError.fileAccess(path: path, reason: "is a directory, not an image file") }
        let size = ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber)?.intValue ?? 0
        guard size <= options.maxFileBytes else {
            throw ImagingError.fileAccess(path: path, reason: "\(size) bytes is more than an image within the \(options.maxPixels)-pixel "
                                          + "limit can take (at most \(options.maxFileBytes) bytes)")
        }
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped)
        } catch {
            throw ImagingError.fileAccess(path: path, reason: "cannot read: \(error.localizedDescription)")
        }
        return try data.withUnsafeBytes { raw in
            try decode(buffer: raw.bindMemory(to: UInt8.self), source: path, options: options)
        }
    }
}

extension ImageCodec {
    /// Bits per sample as the file at `path` stores them: 16 for a 16-bit PNG, 8 otherwise (and when the file
    /// cannot be read: the decoder reports that).
    public static func storedBitDepth(_ path: String) -> Int {
        guard let handle = FileHandle(forReadingAtPath: path) else { return 8 }
        defer { try? handle.close() }
        // PNG: 8-byte signature, then the IHDR chunk (length, type, width, height, bit depth at byte 24).
        guard let head = try? handle.read(upToCount: 25), head.count == 25, ImageFormat.sniff(Array(head)) == .png,
              head[12..<16].elementsEqual("IHDR".utf8) else { return 8 }
        return head[24] == 16 ? 16 : 8
    }
}

extension UnsafeBufferPointer {
    /// The codecs read their input through this, whether it is an array's storage or a mapped file.
    func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<Element>) throws -> R) rethrows -> R { try body(self) }
}

extension Image {
    /// Reads and decodes an image file (PNG, JPEG or WebP, recognised from its bytes), memory-mapped.
    /// - Throws: an ``ImagingError`` whose message names `path`.
    public init(contentsOf path: String, options: DecodeOptions = .default) throws {
        self = try ImageCodec.decodeFile(path, options: options)
    }

    /// Writes the image to `path` in the format its extension names (.png, .jpg/.jpeg, .webp).
    ///
    /// The write is atomic: the bytes go to a temporary file in the same folder, which is then renamed, so an
    /// interrupted write never leaves a partial file at `path`.
    /// - Throws: ``ImagingError/unsupportedExtension(path:ext:)``, ``ImagingError/fileAccess(path:reason:)``, or an
    ///   encoding error.
    public func write(to path: String, options: EncodeOptions = .default) throws {
        let ext = URL(fileURLWithPath: path).pathExtension
        guard let format = ImageFormat(fileExtension: ext) else {
            throw ImagingError.unsupportedExtension(path: path, ext: ext)
        }
        let bytes = try ImageCodec.encode(self, as: format, options: options)
        do {
            try Data(bytes).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw ImagingError.fileAccess(path: path, reason: "cannot write: \(error.localizedDescription)")
        }
    }
}
