#if canImport(Glibc)
import Glibc
#endif

/// Allocation of large sample buffers.
///
/// On Linux, big buffers are advised `MADV_HUGEPAGE` before their first touch: a fresh 48 MB image otherwise costs
/// ~12,000 page faults, which was most of the time of decoding a 4-megapixel JPEG into Float32 (29 → 18.5 ms).
package enum SampleStorage {
    /// Buffers at least this large ask the kernel for transparent huge pages.
    static let hugePageThreshold = 4 << 20

    /// A `count`-element array whose contents the caller must overwrite completely.
    package static func uninitialized(count: Int) -> [Float] {
        [Float](unsafeUninitializedCapacity: count) { buffer, initialised in
            if let base = buffer.baseAddress { adviseHugePages(base, bytes: count * MemoryLayout<Float>.stride) }
            initialised = count
        }
    }

    /// A scratch buffer of `count` elements (uninitialised), to be deallocated by the caller.
    static func scratch<T>(_ type: T.Type, count: Int) -> UnsafeMutablePointer<T> {
        let pointer = UnsafeMutablePointer<T>.allocate(capacity: count)
        adviseHugePages(pointer, bytes: count * MemoryLayout<T>.stride)
        return pointer
    }

    /// Asks for transparent huge pages on the 2 MB-aligned interior of a large, not yet touched buffer.
    static func adviseHugePages(_ base: UnsafeMutableRawPointer, bytes: Int) {
        #if os(Linux)
        guard bytes >= hugePageThreshold else { return }
        let page = 2 << 20
        let start = (Int(bitPattern: base) + page - 1) & ~(page - 1)
        let end = (Int(bitPattern: base) + bytes) & ~(page - 1)
        if end > start, let pointer = UnsafeMutableRawPointer(bitPattern: start) {
            _ = madvise(pointer, end - start, 14)  // MADV_HUGEPAGE; a refusal only costs speed
        }
        #endif
    }
}
