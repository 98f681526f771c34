import Dispatch
import Foundation

/// The median of `values` (mean of the middle two for an even count).
public func median(_ values: [Double]) -> Double {
    let s = values.sorted()
    guard !s.isEmpty else { return .nan }
    return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
}

/// Wall-clock milliseconds of one call of `body`.
public func milliseconds(_ body: () throws -> Void) rethrows -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    try body()
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
}

/// `runs` timings of `body` after one warm-up call.
public func time(runs: Int, _ body: () throws -> Void) rethrows -> [Double] {
    try body()
    return try (0..<runs).map { _ in try milliseconds(body) }
}

/// One JSON line {"library": "wildir", "case": …, "median_ms": …, "runs_ms": […]} for Benchmarks/compare.py.
public func report(_ name: String, _ runs: [Double], extra: [String: Double] = [:]) {
    var line: [String: Any] = ["library": "wildir", "case": name, "median_ms": median(runs), "runs_ms": runs]
    for (key, value) in extra { line[key] = value }
    guard let data = try? JSONSerialization.data(withJSONObject: line, options: [.sortedKeys]) else { return }
    print(String(decoding: data, as: UTF8.self))
}
