import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A 64-byte-aligned Float32 buffer owned by one or more tensors.
///
/// Freed buffers go back to `BufferPool`, so a training or sampling loop that allocates the same shapes every
/// step reuses memory instead of growing (the engine's answer to "no growth over a long loop").
final class TensorStorage: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<Float>
    let count: Int
    /// A bfloat16 copy of the values, for ``MatmulPrecision/bfloat16`` products (``Module/prepareBFloat16()``).
    var bfloat16: [UInt16]?
    /// The Winograd transforms of a 3×3 convolution weight by tile, for ``WinogradConvolution``
    /// (``Tensor/prepareWinogradFilters(tiles:)``).
    var winogradFilters: [WinogradTile: TensorStorage] = [:]

    /// Uninitialised storage of `count` floats (contents are whatever the pool hands back).
    init(uninitializedCount count: Int) {
        self.count = count
        self.pointer = BufferPool.shared.take(count)
    }

    /// Storage of `count` copies of `value`.
    convenience init(count: Int, repeating value: Float) {
        self.init(uninitializedCount: count)
        pointer.initialize(repeating: value, count: count)
    }

    /// Storage holding a copy of `values`.
    convenience init(_ values: UnsafeBufferPointer<Float>) {
        self.init(uninitializedCount: values.count)
        if let base = values.baseAddress { pointer.update(from: base, count: values.count) }
    }

    var buffer: UnsafeMutableBufferPointer<Float> { UnsafeMutableBufferPointer(start: pointer, count: count) }

    deinit { BufferPool.shared.recycle(pointer, count: count) }
}

/// Recycles tensor buffers by exact element count, up to a byte budget (`WILDIR_POOL_MB`, default 2048).
final class BufferPool: @unchecked Sendable {
    static let shared = BufferPool()

    private var free: [Int: [UnsafeMutablePointer<Float>]] = [:]
    private var pooledBytes = 0
    /// Bytes of buffers handed out and not yet returned, and the most there have been since the last reset.
    private var liveBytes = 0
    private var peakBytes = 0
    private let lock = NSLock()
    private let budgetBytes: Int = {
        if let text = ProcessInfo.processInfo.environment["WILDIR_POOL_MB"], let mb = Int(text), mb >= 0 { return mb << 20 }
        return 2048 << 20
    }()

    /// A buffer of at least `count` floats (never nil; a zero count still gets one element).
    func take(_ count: Int) -> UnsafeMutablePointer<Float> {
        let n = max(count, 1)
        lock.lock()
        liveBytes += n * 4
        peakBytes = max(peakBytes, liveBytes)
        if var list = free[n], let p = list.popLast() {
            free[n] = list
            pooledBytes -= n * 4
            lock.unlock()
            return p
        }
        lock.unlock()
        let raw = UnsafeMutableRawPointer.allocate(byteCount: n * 4, alignment: 64)
        Self.prefault(raw, bytes: n * 4)
        return raw.bindMemory(to: Float.self, capacity: n)
    }

    /// Makes the pages of a fresh buffer of at least 4 MB resident in one call (Linux `MADV_POPULATE_WRITE`) rather
    /// than one page fault per 4 KB at its first write: a buffer is written whole right after it is taken, and loading
    /// a 3 GB DA-CLIP otherwise takes 786,000 faults. A refusal only costs speed.
    private static func prefault(_ base: UnsafeMutableRawPointer, bytes: Int) {
        #if os(Linux)
        guard bytes >= 4 << 20 else { return }
        let page = Int(getpagesize())
        let start = (Int(bitPattern: base) + page - 1) & ~(page - 1)
        let end = (Int(bitPattern: base) + bytes) & ~(page - 1)
        if end > start, let pointer = UnsafeMutableRawPointer(bitPattern: start) {
            _ = madvise(pointer, end - start, 23)  // MADV_POPULATE_WRITE
        }
        #endif
    }

    /// Returns a buffer obtained from `take(count)`.
    func recycle(_ pointer: UnsafeMutablePointer<Float>, count: Int) {
        let n = max(count, 1)
        lock.lock()
        liveBytes -= n * 4
        if pooledBytes + n * 4 <= budgetBytes {
            free[n, default: []].append(pointer)
            pooledBytes += n * 4
            lock.unlock()
            return
        }
        lock.unlock()
        UnsafeMutableRawPointer(pointer).deallocate()
    }

    /// Frees every pooled buffer (for example after a large one-off computation).
    func drain() {
        lock.lock()
        let lists = free
        free = [:]
        pooledBytes = 0
        lock.unlock()
        for (_, list) in lists { for p in list { UnsafeMutableRawPointer(p).deallocate() } }
    }

    /// Bytes currently held for reuse.
    var heldBytes: Int { lock.lock(); defer { lock.unlock() }; return pooledBytes }

    /// Tensor bytes in use now.
    var inUseBytes: Int { lock.lock(); defer { lock.unlock() }; return liveBytes }

    /// The most tensor bytes in use at once since the last ``resetPeak()``.
    var peakInUseBytes: Int { lock.lock(); defer { lock.unlock() }; return peakBytes }

    /// Starts a new peak measurement from the bytes in use now.
    func resetPeak() { lock.lock(); peakBytes = liveBytes; lock.unlock() }
}

/// Read-only view of the buffer pool for diagnostics and tests.
public enum BufferPoolProbe {
    /// Bytes currently held for reuse.
    public static var heldBytes: Int { BufferPool.shared.heldBytes }
    /// Frees every pooled buffer.
    public static func drain() { BufferPool.shared.drain() }
    /// Tensor bytes in use now (pooled buffers excluded).
    public static var inUseBytes: Int { BufferPool.shared.inUseBytes }
    /// The most tensor bytes in use at once since the last ``resetPeak()``: how much a computation needed.
    public static var peakInUseBytes: Int { BufferPool.shared.peakInUseBytes }
    /// Starts a new peak measurement.
    public static func resetPeak() { BufferPool.shared.resetPeak() }
}
