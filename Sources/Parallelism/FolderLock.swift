#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An exclusive claim on an output folder by one process: a lock file created atomically (`O_CREAT | O_EXCL`)
/// holding the owner's process id and host name. A second writer is refused, naming the owner, instead of
/// interleaving its files with the first's; a lock whose owner no longer runs on this host (killed, crashed) is
/// stale and taken over. Released by ``release()`` (or when the process ends, by the next run's staleness check).
public final class FolderLock: @unchecked Sendable {
    /// The lock file.
    public let path: String
    private var held = true

    /// Claims `folder` (which must exist) through the file `name` inside it.
    /// - Throws: ``FolderLockError/held(path:owner:)`` when another live process holds it,
    ///   ``FolderLockError/unwritable(path:reason:)`` when the file cannot be created.
    public init(folder: String, name: String = ".wildir.lock") throws {
        path = folder.hasSuffix("/") ? folder + name : folder + "/" + name
        let owner = "\(getpid()) \(Self.hostName())\n"
        for attempt in 0..<2 {
            let fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0o644)
            if fd >= 0 {
                _ = owner.withCString { write(fd, $0, strlen($0)) }
                close(fd)
                return
            }
            let code = errno
            guard code == EEXIST else {
                throw FolderLockError.unwritable(path: path, reason: String(cString: strerror(code)))
            }
            let current = Self.read(path)
            if attempt == 0, Self.isStale(current) {
                unlink(path)
                continue
            }
            throw FolderLockError.held(path: path, owner: current.trimmingSuffixNewline)
        }
        throw FolderLockError.held(path: path, owner: Self.read(path).trimmingSuffixNewline)
    }

    deinit { release() }

    /// Gives the folder up (idempotent).
    public func release() {
        guard held else { return }
        held = false
        unlink(path)
    }

    /// Whether the recorded owner is a process of this host that no longer exists.
    static func isStale(_ owner: String) -> Bool {
        let fields = owner.split(separator: " ", maxSplits: 1).map { String($0).trimmingSuffixNewline }
        guard fields.count == 2, let pid = Int32(fields[0]), fields[1] == hostName() else { return false }
        return kill(pid, 0) != 0 && errno == ESRCH
    }

    static func hostName() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "?" }
        return String(cString: buffer)
    }

    static func read(_ path: String) -> String {
        guard let file = fopen(path, "r") else { return "" }
        defer { fclose(file) }
        var buffer = [CChar](repeating: 0, count: 512)
        guard fgets(&buffer, Int32(buffer.count), file) != nil else { return "" }
        return String(cString: buffer)
    }
}

/// Why a folder could not be claimed.
public enum FolderLockError: Error, CustomStringConvertible, Equatable, Sendable {
    case held(path: String, owner: String)
    case unwritable(path: String, reason: String)

    public var description: String {
        switch self {
        case let .held(path, owner):
            return "\(path): another run (process \(owner)) is writing to this folder; wait for it, or delete the lock "
                + "file if that process is gone"
        case let .unwritable(path, reason): return "\(path): cannot create the lock file: \(reason)"
        }
    }
}

private extension String {
    var trimmingSuffixNewline: String { hasSuffix("\n") ? String(dropLast()) : self }
}
