import Foundation

/// A bounded, thread-safe memo of BPE results by piece (the `cache` dictionary of OpenCLIP's `SimpleTokenizer`,
/// which grows without bound; this one is emptied when it reaches ``capacity`` entries).
///
/// Shared by all copies of a ``CLIPTokenizer``; a lock guards it, so one tokenizer may encode from many threads.
final class BPECache: @unchecked Sendable {
    /// The most entries kept (a caption vocabulary's distinct words fit; a flood of unique strings cannot grow it).
    let capacity: Int
    private let lock = NSLock()
    private var entries: [[UInt8]: [Int]] = [:]

    init(capacity: Int = 16_384) {
        self.capacity = max(1, capacity)
    }

    /// The ids of `piece`, computed by `encode` on a miss.
    func ids(for piece: [UInt8], encode: ([UInt8]) -> [Int]) -> [Int] {
        if let hit = lock.withLock({ entries[piece] }) { return hit }
        let ids = encode(piece)
        lock.withLock {
            if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
            entries[piece] = ids
        }
        return ids
    }

    /// The number of entries now held.
    var count: Int { lock.withLock { entries.count } }
}
