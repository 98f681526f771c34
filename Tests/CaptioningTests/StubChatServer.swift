import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A one-thread HTTP/1.1 server on an ephemeral loopback port that stands in for a chat-completions server: each
/// request (head and body, by Content-Length) goes to `respond`, whose reply is sent after its delay, then the
/// connection closes.
final class StubChatServer: @unchecked Sendable {
    struct Request {
        let method: String
        let path: String
        let headers: [String: String]
        let body: Data
    }

    struct Reply {
        var status: Int
        var body: String
        /// Seconds to wait before answering (a slow or hung model).
        var delay: Double = 0
    }

    let port: Int
    private let listener: Int32
    private let respond: @Sendable (Request) -> Reply
    private let lock = NSLock()
    private var received: [Request] = []

    /// The requests served so far.
    var requests: [Request] { lock.withLock { received } }

    /// The API base of the stub, `http://127.0.0.1:PORT/v1`.
    var endpoint: String { "http://127.0.0.1:\(port)/v1" }

    init(respond: @escaping @Sendable (Request) -> Reply) throws {
        self.respond = respond
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.EIO) }
        var yes: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, 8) == 0 else {
            close(fd)
            throw POSIXError(.EADDRINUSE)
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        port = Int(UInt16(bigEndian: address.sin_port))
        listener = fd
        let thread = Thread { [self] in serve() }
        thread.start()
    }

    /// Stops accepting connections.
    func stop() {
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
    }

    private func serve() {
        while true {
            let connection = accept(listener, nil, nil)
            guard connection >= 0 else { return }
            handle(connection)
            close(connection)
        }
    }

    private func handle(_ connection: Int32) {
        var buffer = Data()
        var chunk = [UInt8](repeating: 0, count: 65536)
        func readMore() -> Bool {
            let n = read(connection, &chunk, chunk.count)
            guard n > 0 else { return false }
            buffer.append(contentsOf: chunk[0..<n])
            return true
        }
        let separator = Data("\r\n\r\n".utf8)
        var headEnd: Range<Data.Index>?
        while headEnd == nil {
            guard readMore() else { return }
            headEnd = buffer.range(of: separator)
        }
        guard let headEnd else { return }
        let head = String(decoding: buffer[..<headEnd.lowerBound], as: UTF8.self).components(separatedBy: "\r\n")
        let requestLine = head.first?.split(separator: " ").map(String.init) ?? []
        var headers: [String: String] = [:]
        for line in head.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        if headers["expect"]?.lowercased() == "100-continue" { send(connection, "HTTP/1.1 100 Continue\r\n\r\n") }
        let length = Int(headers["content-length"] ?? "0") ?? 0
        while buffer.count - headEnd.upperBound < length {
            guard readMore() else { return }
        }
        let body = buffer[headEnd.upperBound..<(headEnd.upperBound + length)]
        let request = Request(method: requestLine.first ?? "", path: requestLine.count > 1 ? requestLine[1] : "",
                              headers: headers, body: Data(body))
        lock.withLock { received.append(request) }
        let reply = respond(request)
        if reply.delay > 0 { Thread.sleep(forTimeInterval: reply.delay) }
        let bytes = Data(reply.body.utf8)
        send(connection, "HTTP/1.1 \(reply.status) \(reply.status == 200 ? "OK" : "Error")\r\nContent-Type: application/json\r\n"
            + "Content-Length: \(bytes.count)\r\nConnection: close\r\n\r\n")
        send(connection, bytes)
    }

    private func send(_ connection: Int32, _ text: String) { send(connection, Data(text.utf8)) }

    /// Writes to the connection without SIGPIPE: a client that gave up (the timeout tests) has closed its end by the
    /// time a delayed reply is written, and a plain write would kill the whole test process.
    private func send(_ connection: Int32, _ bytes: Data) {
        bytes.withUnsafeBytes { _ = Glibc.send(connection, $0.baseAddress, bytes.count, Int32(MSG_NOSIGNAL)) }
    }
}
