import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Why a DevTools command did not answer.
enum DevToolsError: Error, CustomStringConvertible {
    case connectionClosed
    case timedOut(method: String, seconds: Double)
    /// The browser answered with an error object.
    case command(method: String, message: String)
    /// A page script threw.
    case script(String)
    case malformedReply(method: String)

    var description: String {
        switch self {
        case .connectionClosed: return "DevTools: the browser closed its pipe (did Chromium crash?)"
        case let .timedOut(method, seconds): return "DevTools: \(method) had no answer within \(seconds) s"
        case let .command(method, message): return "DevTools: \(method) failed: \(message)"
        case let .script(message): return "DevTools: the page script threw: \(message)"
        case let .malformedReply(method): return "DevTools: \(method) answered something that is not a DevTools reply"
        }
    }
}

/// The Chrome DevTools Protocol (https://chromedevtools.github.io/devtools-protocol/) over the pipe Chromium opens
/// with `--remote-debugging-pipe`: JSON messages ended by a NUL byte, commands written to the browser's fd 3 and
/// answers and events read from its fd 4. Written by hand because it is forty lines of framing, and a WebSocket
/// client would pull a TLS stack into the test build for nothing.
final class DevToolsPipe: @unchecked Sendable {
    /// An event as the browser sent it (`method`, the session it belongs to, and `params` as JSON).
    struct Event: Sendable {
        let method: String
        let sessionID: String?
        let params: Data
    }

    private let lock = NSLock()
    private let commands: Int32
    private let answers: Int32
    private var pending: [Int: CheckedContinuation<Data, any Error>] = [:]
    private var received: [Event] = []
    private var lastID = 0
    private var closed = false

    /// Takes ownership of `commands` (written) and `answers` (read) and starts reading.
    init(commands: Int32, answers: Int32) {
        self.commands = commands
        self.answers = answers
        let reader = Thread { [self] in readUntilClosed() }
        reader.name = "wildir.tests.devtools"
        reader.start()
    }

    /// Sends `method` with `params` (to the page session `sessionID`, or to the browser) and returns its `result`.
    /// - Throws: ``DevToolsError`` when the browser refuses, does not answer within `timeout` seconds, or is gone.
    func send(_ method: String, _ params: [String: Any], sessionID: String?, timeout: Double) async throws -> [String: Any] {
        let id = try lock.withLock { () throws -> Int in
            if closed { throw DevToolsError.connectionClosed }
            lastID += 1
            return lastID
        }
        var message: [String: Any] = ["id": id, "method": method, "params": params]
        if let sessionID { message["sessionId"] = sessionID }
        var bytes = try JSONSerialization.data(withJSONObject: message)
        bytes.append(0)
        let timer = Task { [weak self] in
            try await Task.sleep(for: .seconds(timeout))
            self?.fail(id, DevToolsError.timedOut(method: method, seconds: timeout))
        }
        defer { timer.cancel() }
        let reply: Data = try await withCheckedThrowingContinuation { continuation in
            lock.withLock { pending[id] = continuation }
            if !write(bytes) { fail(id, DevToolsError.connectionClosed) }
        }
        guard let object = try JSONSerialization.jsonObject(with: reply) as? [String: Any] else {
            throw DevToolsError.malformedReply(method: method)
        }
        if let error = object["error"] as? [String: Any] {
            throw DevToolsError.command(method: method, message: error["message"] as? String ?? "\(error)")
        }
        return object["result"] as? [String: Any] ?? [:]
    }

    /// The events received so far named `method` in `sessionID`, their `params` parsed.
    func events(_ method: String, sessionID: String?) -> [[String: Any]] {
        lock.withLock { received.filter { $0.method == method && $0.sessionID == sessionID } }.compactMap {
            (try? JSONSerialization.jsonObject(with: $0.params)) as? [String: Any]
        }
    }

    /// Closes our end of the command pipe: the browser takes that as the end of the session.
    func close() {
        let wasOpen = lock.withLock { () -> Bool in
            defer { closed = true }
            return !closed
        }
        if wasOpen { closeDescriptor(commands) }
    }

    /// Writes one whole message (a pipe write may be partial).
    private func write(_ bytes: Data) -> Bool {
        lock.withLock {
            guard !closed else { return false }
            return bytes.withUnsafeBytes { (buffer: UnsafeRawBufferPointer) -> Bool in
                var offset = 0
                while offset < buffer.count {
                    let written = writeDescriptor(commands, buffer.baseAddress! + offset, buffer.count - offset)
                    if written < 0 {
                        if errno == EINTR { continue }
                        return false
                    }
                    offset += written
                }
                return true
            }
        }
    }

    /// Reads answers and events until the browser closes its end, then fails every waiting command.
    private func readUntilClosed() {
        var message = Data()
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = chunk.withUnsafeMutableBytes { readDescriptor(answers, $0.baseAddress, $0.count) }
            if count < 0, errno == EINTR { continue }
            if count <= 0 { break }
            var start = 0
            for index in 0..<count where chunk[index] == 0 {
                message.append(contentsOf: chunk[start..<index])
                receive(message)
                message.removeAll(keepingCapacity: true)
                start = index + 1
            }
            message.append(contentsOf: chunk[start..<count])
        }
        closeDescriptor(answers)
        let waiting = lock.withLock { () -> [CheckedContinuation<Data, any Error>] in
            closed = true
            defer { pending.removeAll() }
            return Array(pending.values)
        }
        for command in waiting { command.resume(throwing: DevToolsError.connectionClosed) }
    }

    private func receive(_ data: Data) {
        guard let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else { return }
        if let id = object["id"] as? Int {
            lock.withLock { pending.removeValue(forKey: id) }?.resume(returning: data)
        } else if let method = object["method"] as? String {
            let params = (object["params"]).flatMap { try? JSONSerialization.data(withJSONObject: $0) } ?? Data("{}".utf8)
            let event = Event(method: method, sessionID: object["sessionId"] as? String, params: params)
            lock.withLock { received.append(event) }
        }
    }

    private func fail(_ id: Int, _ error: any Error) {
        lock.withLock { pending.removeValue(forKey: id) }?.resume(throwing: error)
    }
}

/// One DevTools session: the browser itself (`sessionID` nil) or a page attached to with `Target.attachToTarget`.
struct DevToolsSession: Sendable {
    let pipe: DevToolsPipe
    let sessionID: String?

    /// Sends `method` with `params` and returns its `result`.
    /// - Throws: ``DevToolsError``.
    @discardableResult
    func send(_ method: String, _ params: [String: Any] = [:], timeout: Double = 60) async throws -> [String: Any] {
        try await pipe.send(method, params, sessionID: sessionID, timeout: timeout)
    }

    /// Evaluates `expression` in the page (awaiting a promise) and returns its value as JSON gives it.
    /// - Throws: ``DevToolsError/script(_:)`` when the expression throws.
    func evaluate(_ expression: String) async throws -> Any? {
        let result = try await send("Runtime.evaluate", ["expression": expression, "returnByValue": true, "awaitPromise": true])
        if let exception = result["exceptionDetails"] as? [String: Any] {
            let description = ((exception["exception"] as? [String: Any])?["description"] as? String) ?? exception["text"] as? String
            throw DevToolsError.script(description ?? "\(exception)")
        }
        return (result["result"] as? [String: Any])?["value"]
    }

    /// The events of this session received so far named `method`, their `params` parsed.
    func events(_ method: String) -> [[String: Any]] {
        pipe.events(method, sessionID: sessionID)
    }
}

// The C calls under names the members above do not shadow.
private func closeDescriptor(_ descriptor: Int32) { _ = close(descriptor) }
private func writeDescriptor(_ descriptor: Int32, _ bytes: UnsafeRawPointer, _ count: Int) -> Int { write(descriptor, bytes, count) }
private func readDescriptor(_ descriptor: Int32, _ bytes: UnsafeMutableRawPointer?, _ count: Int) -> Int { read(descriptor, bytes, count) }
