@testable import CLIPTokenizer
import Foundation
import XCTest

/// The BPE cache: bounded, and safe to use from many threads at once.
final class CacheTests: XCTestCase {
    func testCacheNeverHoldsMoreThanItsCapacity() {
        let cache = BPECache(capacity: 3)
        for word in ["a", "b", "c", "d", "e", "f", "g"] {
            XCTAssertEqual(cache.ids(for: Array(word.utf8)) { $0.map(Int.init) }, Array(word.utf8).map(Int.init))
            XCTAssertLessThanOrEqual(cache.count, 3)
        }
    }

    func testCachedResultsAreReturnedWithoutRecomputing() {
        let cache = BPECache(capacity: 10)
        var computed = 0
        for _ in 0..<5 { _ = cache.ids(for: [1, 2]) { computed += 1; return $0.map(Int.init) } }
        XCTAssertEqual(computed, 1)
    }

    func testConcurrentEncodingGivesTheSameIdsAsSerialEncoding() throws {
        let tokenizer = try ReferenceTokens.tokenizer()
        let texts = (0..<64).map { "an image with blur, noise, jpeg block number \($0) of a rainy snowy street" }
        let serial = texts.map { try? ReferenceTokens.tokenizer().encode($0) }
        let results = UncheckedResults(count: texts.count)
        DispatchQueue.concurrentPerform(iterations: texts.count) { index in
            results.set(index, tokenizer.encode(texts[index]))
        }
        XCTAssertEqual(results.values, serial)
    }
}

/// Slots written by distinct iterations of `concurrentPerform`, read after it returns.
private final class UncheckedResults: @unchecked Sendable {
    private let lock = NSLock()
    private var storage: [[Int]?]
    init(count: Int) { storage = Array(repeating: nil, count: count) }
    func set(_ index: Int, _ value: [Int]) { lock.withLock { storage[index] = value } }
    var values: [[Int]?] { lock.withLock { storage } }
}
