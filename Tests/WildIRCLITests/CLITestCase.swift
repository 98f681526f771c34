import Foundation
import XCTest

/// Runs the built `wildir` executable as a user would, in throw-away folders.
class CLITestCase: XCTestCase {
    /// The built `wildir` next to the test bundle.
    var executable: URL {
        #if os(macOS)
        Bundle.allBundles.first { $0.bundlePath.hasSuffix(".xctest") }!.bundleURL.deletingLastPathComponent().appendingPathComponent("wildir")
        #else
        Bundle.main.bundleURL.appendingPathComponent("wildir")
        #endif
    }

    /// A finished run: exit status (or the signal that ended it), and what it printed.
    struct Result {
        let status: Int32, stdout: String, stderr: String
        /// True when the process ended by a signal (a crash) instead of exiting.
        let signalled: Bool
    }

    func run(_ arguments: [String], in directory: URL? = nil, environment: [String: String]? = nil) throws -> Result {
        let process = try start(arguments, in: directory, environment: environment)
        let stdout = (process.standardOutput as? Pipe)?.fileHandleForReading.readDataToEndOfFile() ?? Data()
        let stderr = (process.standardError as? Pipe)?.fileHandleForReading.readDataToEndOfFile() ?? Data()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
                      stderr: String(decoding: stderr, as: UTF8.self), signalled: process.terminationReason == .uncaughtSignal)
    }

    /// Starts `wildir` without waiting for it (its output goes to pipes); `environment` replaces the inherited one.
    func start(_ arguments: [String], in directory: URL? = nil, environment: [String: String]? = nil) throws -> Process {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = directory }
        if let environment { process.environment = environment }
        process.standardOutput = Pipe()
        process.standardError = Pipe()
        try process.run()
        return process
    }

    /// A new empty folder, removed after the test.
    func folder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("wildir-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url
    }

    /// This process's environment with its PyTorch caches replaced: `TORCH_HOME` is `torchHome` (or an empty
    /// folder), `HOME` and `XDG_CACHE_HOME` empty folders, so nothing of the user's cache is found.
    func environment(torchHome: URL?) throws -> [String: String] {
        let root = try folder()
        var environment = ProcessInfo.processInfo.environment
        environment["HOME"] = root.appendingPathComponent("home").path
        environment["XDG_CACHE_HOME"] = root.appendingPathComponent("xdg").path
        environment["TORCH_HOME"] = (torchHome ?? root.appendingPathComponent("torch")).path
        return environment
    }

    /// Every file below `root` with its bytes: compared before and after a refused command, nothing may change.
    func snapshot(_ root: URL) -> [String: Data] {
        var out: [String: Data] = [:]
        let enumerator = FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil)
        while let url = enumerator?.nextObject() as? URL {
            if let data = FileManager.default.contents(atPath: url.path) { out[url.path] = data }
        }
        return out
    }
}

