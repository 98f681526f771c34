import TestSupport
import WildTensor
import XCTest

/// Errors measured for one parity case (kept so a test can report the worst case of a file).
struct ParityResult {
    let name: String
    let forward: Double
    let gradients: [Double]
}

extension ParityFixture {
    /// Input `i` of case `name` as a Float32 tensor (requiring grad when the fixture has its gradient).
    func input(_ name: String, _ i: Int) -> Tensor? {
        guard let (shape, values) = array("\(name).x\(i)") else { return nil }
        return Tensor(shape: shape, values: values.map(Float.init), requiresGrad: array("\(name).gx\(i)") != nil)
    }

    /// Runs `forward` on case `name`'s inputs, backpropagates the stored upstream gradient and checks the
    /// output and every stored input gradient against PyTorch (float64) within the given relative errors.
    @discardableResult
    func check(
        _ name: String, forwardTolerance: Double = 1e-4, gradientTolerance: Double = 1e-3,
        file: StaticString = #filePath, line: UInt = #line, _ forward: ([Tensor], [String: Any]) -> Tensor
    ) -> ParityResult {
        var inputs: [Tensor] = []
        while let x = input(name, inputs.count) { inputs.append(x) }
        let y = forward(inputs, parameters(name))
        guard let expected = array("\(name).y"), let gy = array("\(name).gy") else {
            XCTFail("\(path): case \(name) lacks y or gy", file: file, line: line)
            return ParityResult(name: name, forward: .infinity, gradients: [])
        }
        XCTAssertEqual(y.shape, expected.shape, "\(name): output shape", file: file, line: line)
        let forwardError = y.shape == expected.shape ? relativeError(y.values, expected.values) : .infinity
        XCTAssertLessThanOrEqual(forwardError, forwardTolerance, "\(name): forward relative error", file: file, line: line)
        var gradientErrors: [Double] = []
        if inputs.contains(where: \.requiresGrad) {
            y.backward(Tensor(shape: gy.shape, values: gy.values.map(Float.init)))
            for (i, x) in inputs.enumerated() {
                guard let reference = array("\(name).gx\(i)") else { continue }
                guard let grad = x.grad else {
                    XCTFail("\(name): input \(i) received no gradient", file: file, line: line)
                    continue
                }
                let error = relativeError(grad.values, reference.values)
                gradientErrors.append(error)
                XCTAssertLessThanOrEqual(error, gradientTolerance, "\(name): gradient of input \(i)", file: file, line: line)
            }
        }
        ParityLedger.record(path, forward: forwardError, gradient: gradientErrors.max() ?? 0)
        return ParityResult(name: name, forward: forwardError, gradients: gradientErrors)
    }
}

/// The worst errors seen per fixture file, printed by the test classes so the README's numbers can be re-read
/// from any `make test` log.
enum ParityLedger {
    nonisolated(unsafe) private static var worst: [String: (forward: Double, gradient: Double)] = [:]
    private static let lock = NSLock()

    static func record(_ file: String, forward: Double, gradient: Double) {
        lock.lock(); defer { lock.unlock() }
        let current = worst[file] ?? (0, 0)
        worst[file] = (max(current.forward, forward), max(current.gradient, gradient))
    }

    static func summary(_ file: String) -> String {
        lock.lock(); defer { lock.unlock() }
        guard let w = worst[file] else { return "\(file): no cases checked" }
        return String(format: "%@: worst forward relative error %.2e, worst gradient relative error %.2e",
                      (file as NSString).lastPathComponent, w.forward, w.gradient)
    }
}

/// Reads integer and integer-list parameters from a case's JSON.
extension Dictionary where Key == String, Value == Any {
    func int(_ key: String) -> Int { (self[key] as? NSNumber)?.intValue ?? 0 }
    func ints(_ key: String) -> [Int] { (self[key] as? [Any])?.compactMap { ($0 as? NSNumber)?.intValue } ?? [] }
    func float(_ key: String) -> Float { (self[key] as? NSNumber)?.floatValue ?? 0 }
    func bool(_ key: String) -> Bool { (self[key] as? NSNumber)?.boolValue ?? false }
    func string(_ key: String) -> String { self[key] as? String ?? "" }
}
