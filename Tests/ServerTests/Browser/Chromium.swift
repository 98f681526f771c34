import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Why headless Chromium could not be used.
enum ChromiumError: Error, CustomStringConvertible {
    case notInstalled(searched: [String])
    case didNotStart(String)
    case noPage(String)

    var description: String {
        switch self {
        case let .notInstalled(searched):
            return "Chromium is not installed (looked for \(searched.joined(separator: ", ")) on PATH and in WILDIR_CHROMIUM): "
                + "run `make setup` (scripts/setup.sh installs Debian's chromium package); the browser tests never skip"
        case let .didNotStart(log): return "Chromium did not start or did not answer on its DevTools pipe; its log ends:\n\(log)"
        case let .noPage(why): return "Chromium has no page to drive: \(why)"
        }
    }
}

/// Headless Chromium (`--headless=new`) with a temporary profile, driven over its DevTools pipe
/// (`--remote-debugging-pipe`, see ``DevToolsPipe``).
final class Chromium {
    /// The browser's process.
    let pid: pid_t
    /// The temporary folder of the profile and the browser's log.
    let folder: URL
    /// The browser's own DevTools session.
    let browser: DevToolsSession

    /// The browser to run: `WILDIR_CHROMIUM`, or the first of `chromium`, `chromium-browser`, `google-chrome` on PATH.
    /// - Throws: ``ChromiumError/notInstalled(searched:)``.
    static func executable() throws -> URL {
        let names = ["chromium", "chromium-browser", "google-chrome"]
        if let given = ProcessInfo.processInfo.environment["WILDIR_CHROMIUM"], !given.isEmpty {
            guard FileManager.default.isExecutableFile(atPath: given) else { throw ChromiumError.notInstalled(searched: [given]) }
            return URL(fileURLWithPath: given)
        }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for name in names {
            for folder in path.split(separator: ":") {
                let candidate = URL(fileURLWithPath: String(folder)).appendingPathComponent(name)
                if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            }
        }
        throw ChromiumError.notInstalled(searched: names)
    }

    /// Starts the browser on `about:blank` and waits until it answers on its pipe.
    /// - Throws: ``ChromiumError``.
    init() async throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("wildir-chromium-\(UUID().uuidString)", isDirectory: true)
        let profile = folder.appendingPathComponent("profile", isDirectory: true)
        try FileManager.default.createDirectory(at: profile, withIntermediateDirectories: true)
        let log = folder.appendingPathComponent("chromium.log")
        var arguments = [try Self.executable().path, "--headless=new", "--remote-debugging-pipe",
                         "--user-data-dir=\(profile.path)", "--no-first-run", "--no-default-browser-check", "--disable-gpu",
                         "--disable-dev-shm-usage", "--disable-extensions", "--disable-background-networking",
                         "--disable-component-update", "--disable-sync", "--disable-breakpad", "--mute-audio",
                         "--hide-scrollbars", "--window-size=1280,900"]
        // Chromium refuses its sandbox to root (CI runs as root).
        if geteuid() == 0 { arguments.append("--no-sandbox") }
        arguments.append("about:blank")
        let (pid, commands, answers) = try Self.spawn(arguments, log: log)
        self.pid = pid
        browser = DevToolsSession(pipe: DevToolsPipe(commands: commands, answers: answers), sessionID: nil)
        do {
            _ = try await browser.send("Browser.getVersion", timeout: 60)
        } catch {
            stop()
            let tail = ((try? String(contentsOf: log, encoding: .utf8)) ?? "").split(separator: "\n").suffix(20).joined(separator: "\n")
            throw ChromiumError.didNotStart("\(error)\n\(tail)")
        }
    }

    /// A session on the browser's page (the `about:blank` it opened), attached to with `flatten` so that its
    /// commands travel on the same pipe.
    /// - Throws: ``ChromiumError/noPage(_:)``, or ``DevToolsError``.
    func page() async throws -> DevToolsSession {
        var infos: [[String: Any]] = []
        for _ in 0..<50 {
            infos = try await browser.send("Target.getTargets")["targetInfos"] as? [[String: Any]] ?? []
            if let page = infos.first(where: { $0["type"] as? String == "page" }), let id = page["targetId"] as? String {
                let attached = try await browser.send("Target.attachToTarget", ["targetId": id, "flatten": true])
                guard let session = attached["sessionId"] as? String else { throw ChromiumError.noPage("attaching gave no session") }
                return DevToolsSession(pipe: browser.pipe, sessionID: session)
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw ChromiumError.noPage("the browser lists no page among \(infos.count) targets")
    }

    /// Ends the browser (closing its pipe, then SIGTERM, then SIGKILL after 10 s) and removes its profile.
    func stop() {
        browser.pipe.close()
        var status: Int32 = 0
        if waitpid(pid, &status, WNOHANG) == 0 {
            kill(pid, SIGTERM)
            let deadline = Date().addingTimeInterval(10)
            while waitpid(pid, &status, WNOHANG) == 0 {
                if Date() >= deadline {
                    kill(pid, SIGKILL)
                    _ = waitpid(pid, &status, 0)
                    break
                }
                Thread.sleep(forTimeInterval: 0.05)
            }
        }
        try? FileManager.default.removeItem(at: folder)
    }

    /// Starts `arguments` with stdin from /dev/null, stdout and stderr to `log`, and the DevTools pipe on fds 3
    /// (commands) and 4 (answers); returns the process and our ends of the pipe. `Process` cannot place
    /// descriptors at given numbers, so this is posix_spawn.
    private static func spawn(_ arguments: [String], log: URL) throws -> (pid_t, commands: Int32, answers: Int32) {
        // Both pipes' ends are moved to descriptors >= 10 with close-on-exec, so that dup2 onto 3 and 4 always
        // copies (dup2 of a descriptor onto itself would keep close-on-exec set).
        func pipePair() throws -> (read: Int32, write: Int32) {
            var ends: [Int32] = [0, 0]
            guard pipe(&ends) == 0 else { throw ChromiumError.didNotStart("pipe() failed: errno \(errno)") }
            let moved = ends.map { fcntl($0, F_DUPFD_CLOEXEC, 10) }
            ends.forEach { _ = close($0) }
            guard moved.allSatisfy({ $0 >= 0 }) else { throw ChromiumError.didNotStart("fcntl() failed: errno \(errno)") }
            return (moved[0], moved[1])
        }
        let toBrowser = try pipePair()
        let fromBrowser = try pipePair()
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, log.path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        posix_spawn_file_actions_adddup2(&actions, toBrowser.read, 3)
        posix_spawn_file_actions_adddup2(&actions, fromBrowser.write, 4)
        let argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, arguments[0], &actions, nil, argv, environ)
        _ = close(toBrowser.read)
        _ = close(fromBrowser.write)
        guard result == 0 else {
            _ = close(toBrowser.write)
            _ = close(fromBrowser.read)
            throw ChromiumError.didNotStart("posix_spawn(\(arguments[0])) failed: errno \(result)")
        }
        return (pid, toBrowser.write, fromBrowser.read)
    }
}
