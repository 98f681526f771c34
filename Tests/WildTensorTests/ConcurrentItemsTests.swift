import Parallelism
@testable import WildTensor
import XCTest

/// `ConcurrentItems`: every item once, errors as a sequential loop would report them, and networks run inside its
/// workers (single-threaded oneDNN on per-worker streams and scratchpads) giving the values they give outside.
final class ConcurrentItemsTests: XCTestCase {
    private struct Failure: Error, Equatable { let index: Int }

    func testEveryItemOnceInItsSlot() throws {
        var slots = [Int](repeating: 0, count: 37)
        let lock = NSLock()
        var calls = 0
        try slots.withUnsafeMutableBufferPointer { slots in
            try ConcurrentItems.forEach(slots.count) { i in
                slots[i] += i * i + 1
                lock.withLock { calls += 1 }
            }
        }
        XCTAssertEqual(calls, 37)
        XCTAssertEqual(slots, (0..<37).map { $0 * $0 + 1 })
    }

    func testTheLowestFailingItemsErrorIsThrown() {
        XCTAssertThrowsError(try ConcurrentItems.forEach(20) { i in
            if i == 9 { Thread.sleep(forTimeInterval: 0.05) }
            if i == 9 || i == 12 { throw Failure(index: i) }
        }) { error in
            XCTAssertEqual(error as? Failure, Failure(index: 9))
        }
        XCTAssertNoThrow(try ConcurrentItems.forEach(0) { _ in throw Failure(index: 0) })
    }

    func testWorkersAreSerialInside() throws {
        guard ConcurrentItems.threadCount > 1 else { throw XCTSkip("one core: items run sequentially") }
        var serial = [Bool](repeating: false, count: 4)
        try serial.withUnsafeMutableBufferPointer { serial in
            try ConcurrentItems.forEach(4) { serial[$0] = ParallelConfiguration.isSerial }
        }
        XCTAssertEqual(serial, [true, true, true, true])
        XCTAssertFalse(ParallelConfiguration.isSerial)
    }

    /// Convolutions of several kinds (oneDNN's im2col GEMM path, which needs a scratchpad; its direct path; the
    /// Winograd and space-to-depth rewrites) and a matrix product, on four inputs at once: the same values as one at
    /// a time.
    func testNetworksGiveTheSameValuesInsideWorkers() throws {
        var random = TensorRandom(seed: 5)
        let inputs = (0..<4).map { _ in random.normal([1, 3, 67, 67]) }
        let stem = random.normal([16, 3, 7, 7]) * 0.1, alex = random.normal([16, 3, 11, 11]) * 0.1
        let wide = random.normal([128, 16, 3, 3]) * 0.1, deep = random.normal([128, 128, 3, 3]) * 0.05
        let projection = random.normal([128, 10]) * 0.1
        func network(_ x: Tensor) -> Tensor {
            withNoGrad {
                let a = x.conv2d(weight: stem, bias: nil, stride: (4, 4), padding: Padding2D(1), fusedActivation: .relu)
                let b = x.conv2d(weight: alex, bias: nil, stride: (4, 4), padding: Padding2D(2), fusedActivation: .relu)
                let h = (a + b).conv2d(weight: wide, bias: nil, padding: Padding2D(1), fusedActivation: .relu)
                    .conv2d(weight: deep, bias: nil, padding: Padding2D(1))
                return h.mean(axes: [2, 3]).matmul(projection)
            }
        }
        let sequential = inputs.map { network($0).values }
        let concurrent = try ConcurrentItems.map(inputs.count) { network(inputs[$0]).values }
        XCTAssertEqual(concurrent.count, sequential.count)
        for (a, b) in zip(sequential, concurrent) {
            XCTAssertEqual(a.count, 10)
            for (x, y) in zip(a, b) { XCTAssertEqual(x, y, accuracy: 1e-5 * max(1, abs(x))) }
        }
    }
}
