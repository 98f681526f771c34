import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Why a weight file could not be read or written.
public enum CheckpointError: Error, CustomStringConvertible, Equatable {
    /// The file is not in the expected format, or is damaged; `detail` says where.
    case malformed(file: String, detail: String)
    /// The file is well formed but uses something this reader does not support (a dtype, a pickle opcode).
    case unsupported(file: String, detail: String)
    /// A PyTorch pickle names a global outside the allowlist; nothing was executed.
    case forbiddenGlobal(file: String, name: String)
    /// A tensor requested by name is not in the file.
    case missingTensor(file: String, name: String)
    /// Reading or writing the file failed at the operating-system level.
    case io(file: String, detail: String)

    public var description: String {
        switch self {
        case let .malformed(file, detail): return "\(file): not a valid checkpoint: \(detail)"
        case let .unsupported(file, detail): return "\(file): unsupported checkpoint content: \(detail)"
        case let .forbiddenGlobal(file, name):
            return "\(file): refused: the pickle names '\(name)', which is not a tensor or container type "
                + "(WildIR never executes code from a checkpoint)"
        case let .missingTensor(file, name): return "\(file): no tensor named '\(name)'"
        case let .io(file, detail): return "\(file): \(detail)"
        }
    }

    /// The file at `url`, memory-mapped; an `io` error naming it when it cannot be read.
    static func mappedContents(of url: URL) throws -> Data {
        let data: Data
        do { data = try Data(contentsOf: url, options: .alwaysMapped) } catch {
            throw CheckpointError.io(file: url.path, detail: "cannot read: \(error.localizedDescription)")
        }
        prefault(data)
        return data
    }

    /// Maps every page of a mapped file in one call (Linux `MADV_POPULATE_READ`) instead of one fault per 4 KB page
    /// as the checksums and the weights are read: a 3 GB checkpoint is every byte read. A refusal (an older kernel,
    /// a copy instead of a mapping) only costs speed.
    private static func prefault(_ data: Data) {
        #if os(Linux)
        data.withUnsafeBytes { raw in
            guard let base = raw.baseAddress, raw.count >= 1 << 20 else { return }
            let page = Int(getpagesize())
            let start = Int(bitPattern: base) & ~(page - 1)
            if let pointer = UnsafeMutableRawPointer(bitPattern: start) {
                _ = madvise(pointer, raw.count + Int(bitPattern: base) - start, 22)  // MADV_POPULATE_READ
            }
        }
        #endif
    }
}
