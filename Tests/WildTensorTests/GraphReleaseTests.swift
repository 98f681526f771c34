import WildTensor
import XCTest

/// A recorded graph that is never backpropagated is freed with its last reference: no operation's record keeps its
/// own output alive (a record that captured its output would form a cycle and leak the whole graph behind it, as
/// an unused feature set of a training step once did).
final class GraphReleaseTests: XCTestCase {
    func testResultsOfEveryOperationSavingItsOutputAreFreedWithoutBackward() {
        let operations: [(String, (Tensor) -> Tensor)] = [
            ("exp", { $0.exp() }), ("sqrt", { ($0 * $0 + 1).sqrt() }), ("rsqrt", { ($0 * $0 + 1).rsqrt() }),
            ("sigmoid", { $0.sigmoid() }), ("tanh", { $0.tanh() }), ("softmax", { $0.softmax(axis: -1) }),
            ("logSoftmax", { $0.logSoftmax(axis: -1) }),
        ]
        var random = TensorRandom(seed: 1)
        let x = random.normal([4, 8])
        x.requiresGrad = true
        for (name, operation) in operations {
            weak var output: Tensor?
            weak var input: Tensor?
            do {
                let hidden = x * 2   // an intermediate the output's record holds
                let y = operation(hidden)
                (output, input) = (y, hidden)
                XCTAssertNotNil(output)
            }
            XCTAssertNil(output, "\(name): the output outlived its last reference")
            XCTAssertNil(input, "\(name): the graph behind the output outlived it")
        }
    }

    func testBackwardStillUsesTheSavedOutputs() {
        var random = TensorRandom(seed: 2)
        let x = random.normal([3, 5])
        x.requiresGrad = true
        x.exp().sum().backward()
        XCTAssertEqual(x.grad?.values ?? [], x.exp().values)
        x.zeroGrad()
        (x.softmax(axis: -1) * random.normal([3, 5])).sum().backward()
        XCTAssertNotNil(x.grad)
    }
}
