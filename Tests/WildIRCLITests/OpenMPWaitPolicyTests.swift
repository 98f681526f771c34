import Foundation
import TestSupport
import XCTest

/// `wildir` waits passively between OpenMP regions unless the user chose otherwise: libgomp reports, with
/// `OMP_DISPLAY_ENV=verbose`, the spin count it runs with (300,000 by default, 0 when passive).
final class OpenMPWaitPolicyTests: CLITestCase {
    func environment(_ extra: [String: String]) -> [String: String] {
        var environment = ProcessInfo.processInfo.environment
        environment["OMP_WAIT_POLICY"] = nil
        environment["GOMP_SPINCOUNT"] = nil
        environment["OMP_DISPLAY_ENV"] = "verbose"
        return environment.merging(extra) { $1 }
    }

    /// The spin counts libgomp displayed, one per start of the program.
    func spinCounts(_ stderr: String) -> [String] {
        stderr.split(separator: "\n").filter { $0.contains("GOMP_SPINCOUNT") }.map { String($0.split(separator: "'")[1]) }
    }

    func testWithoutAChoiceTheProgramRestartsWithPassiveWaiting() throws {
        let run = try self.run(["--version"], environment: environment([:]))
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertEqual(spinCounts(run.stderr), ["300000", "0"], run.stderr)
        XCTAssertEqual(run.stdout.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty, false)
    }

    func testTheUsersChoiceIsKept() throws {
        let active = try self.run(["--version"], environment: environment(["OMP_WAIT_POLICY": "active"]))
        XCTAssertEqual(active.status, 0, active.stderr)
        XCTAssertEqual(spinCounts(active.stderr).count, 1, active.stderr)
        XCTAssertNotEqual(spinCounts(active.stderr).first, "0", active.stderr)
        let spin = try self.run(["--version"], environment: environment(["GOMP_SPINCOUNT": "1000"]))
        XCTAssertEqual(spinCounts(spin.stderr), ["1000"], spin.stderr)
    }
}
