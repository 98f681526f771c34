import Foundation

/// The members of a zip archive whose entries are stored uncompressed, as `torch.save` writes them
/// (PKWARE APPNOTE 6.3: end of central directory, ZIP64 end record and locator, central directory, local headers).
///
/// Only the central directory is trusted for sizes and checksums (torch sets the data-descriptor flag and leaves
/// the local headers' sizes zero); each local header is read only for the length of its name and padding, and its
/// name must match the directory's. Member contents are slices of the archive's bytes: no copy.
struct ZipArchive {
    /// One stored member.
    struct Entry {
        let name: String
        /// Byte range of the contents, relative to the start of the archive.
        let range: Range<Int>
        /// CRC-32 of the contents, from the central directory.
        let crc32: UInt32
    }

    /// Entries in central-directory order.
    let entries: [Entry]
    private let indexByName: [String: Int]
    private let data: Data
    private let file: String

    private enum Signature {
        static let localHeader: UInt32 = 0x0403_4B50
        static let centralHeader: UInt32 = 0x0201_4B50
        static let end: UInt32 = 0x0605_4B50
        static let zip64End: UInt32 = 0x0606_4B50
        static let zip64Locator: UInt32 = 0x0706_4B50
    }

    /// Reads the central directory of `data`; `file` names the archive in error messages.
    init(data: Data, file: String) throws {
        self.data = data
        self.file = file
        let entries = try data.withUnsafeBytes { try Self.readDirectory($0, file: file) }
        var index: [String: Int] = [:]
        for (i, entry) in entries.enumerated() {
            guard index.updateValue(i, forKey: entry.name) == nil else {
                throw CheckpointError.malformed(file: file, detail: "zip member '\(entry.name)' appears twice")
            }
        }
        self.entries = entries
        self.indexByName = index
    }

    /// The member called `name`, if any.
    func entry(named name: String) -> Entry? { indexByName[name].map { entries[$0] } }

    /// The contents of `entry` (a slice of the archive), checked against its CRC-32 when `verify` is set.
    func contents(of entry: Entry, verify: Bool) throws -> Data {
        let start = data.startIndex
        let slice = data[(start + entry.range.lowerBound)..<(start + entry.range.upperBound)]
        if verify {
            let crc = slice.withUnsafeBytes { CRC32.checksum($0) }
            guard crc == entry.crc32 else {
                throw CheckpointError.malformed(
                    file: file, detail: "zip member '\(entry.name)' is damaged (CRC-32 0x\(hexDigits(crc)), expected 0x\(hexDigits(entry.crc32)))")
            }
        }
        return slice
    }

    /// Checks every member of `members` against its CRC-32, several at a time on all cores (the storages of a large
    /// checkpoint are gigabytes); throws the error of the first damaged one in the order given.
    func verify(_ members: [Entry]) throws {
        let failures = Failures()
        DispatchQueue.concurrentPerform(iterations: members.count) { i in
            do { _ = try contents(of: members[i], verify: true) } catch { failures.record(error, at: i) }
        }
        if let error = failures.first { throw error }
    }

    /// The errors of concurrent checks, by member index.
    private final class Failures: @unchecked Sendable {
        private var errors: [Int: Error] = [:]
        private let lock = NSLock()

        func record(_ error: Error, at index: Int) {
            lock.lock()
            errors[index] = error
            lock.unlock()
        }

        /// The error of the lowest index.
        var first: Error? { errors.keys.min().flatMap { errors[$0] } }
    }

    private static func readDirectory(_ bytes: UnsafeRawBufferPointer, file: String) throws -> [Entry] {
        func bad(_ detail: String) -> CheckpointError { .malformed(file: file, detail: detail) }
        let end = try findEnd(bytes, file: file)
        guard let diskNumber = bytes.littleEndian(UInt16.self, at: end + 4),
              let directoryDisk = bytes.littleEndian(UInt16.self, at: end + 6),
              let entriesOnDisk16 = bytes.littleEndian(UInt16.self, at: end + 8),
              let totalEntries16 = bytes.littleEndian(UInt16.self, at: end + 10),
              let directorySize32 = bytes.littleEndian(UInt32.self, at: end + 12),
              let directoryOffset32 = bytes.littleEndian(UInt32.self, at: end + 16) else {
            throw bad("zip end-of-directory record is cut short")
        }
        var entryCount = UInt64(totalEntries16)
        var entriesOnDisk = UInt64(entriesOnDisk16)
        var directorySize = UInt64(directorySize32)
        var directoryOffset = UInt64(directoryOffset32)
        var disks = (UInt32(diskNumber), UInt32(directoryDisk))
        // Everything before the end records; the directory and the member data must lie inside it.
        var limit = end
        if end >= 20, bytes.littleEndian(UInt32.self, at: end - 20) == Signature.zip64Locator {
            guard let recordOffset64 = bytes.littleEndian(UInt64.self, at: end - 12),
                  recordOffset64 <= UInt64(end - 20), case let record = Int(recordOffset64),
                  bytes.littleEndian(UInt32.self, at: record) == Signature.zip64End,
                  record + 56 <= end - 20,
                  let disk = bytes.littleEndian(UInt32.self, at: record + 16),
                  let dirDisk = bytes.littleEndian(UInt32.self, at: record + 20),
                  let onDisk = bytes.littleEndian(UInt64.self, at: record + 24),
                  let total = bytes.littleEndian(UInt64.self, at: record + 32),
                  let size = bytes.littleEndian(UInt64.self, at: record + 40),
                  let offset = bytes.littleEndian(UInt64.self, at: record + 48) else {
                throw bad("zip ZIP64 end-of-directory record is missing or cut short")
            }
            (entryCount, entriesOnDisk, directorySize, directoryOffset, disks) = (total, onDisk, size, offset, (disk, dirDisk))
            limit = record
        } else if totalEntries16 == 0xFFFF || directorySize32 == 0xFFFF_FFFF || directoryOffset32 == 0xFFFF_FFFF {
            throw bad("zip end-of-directory record defers to a ZIP64 record that is not there")
        }
        guard disks == (0, 0), entriesOnDisk == entryCount else {
            throw CheckpointError.unsupported(file: file, detail: "multi-part (spanned) zip archives are not supported")
        }
        guard directoryOffset <= UInt64(limit), directorySize <= UInt64(limit) - directoryOffset else {
            throw bad("zip central directory (offset \(directoryOffset), \(directorySize) bytes) lies outside the file")
        }
        let directoryStart = Int(directoryOffset), directoryEnd = Int(directoryOffset + directorySize)
        guard entryCount <= directorySize / 46 else {
            throw bad("zip directory claims \(entryCount) entries, more than its \(directorySize) bytes can hold")
        }
        var entries: [Entry] = []
        entries.reserveCapacity(Int(entryCount))
        var position = directoryStart
        for _ in 0..<Int(entryCount) {
            let (entry, next) = try readCentralHeader(bytes, at: position, directory: directoryStart..<directoryEnd, file: file)
            entries.append(entry)
            position = next
        }
        return entries
    }

    /// The offset of the end-of-central-directory record: the last signature whose comment fits the file.
    private static func findEnd(_ bytes: UnsafeRawBufferPointer, file: String) throws -> Int {
        guard bytes.count >= 22 else {
            throw CheckpointError.malformed(file: file, detail: "\(bytes.count) bytes is too short for a zip archive")
        }
        let lowest = max(0, bytes.count - 22 - Int(UInt16.max))
        for position in stride(from: bytes.count - 22, through: lowest, by: -1)
        where bytes.littleEndian(UInt32.self, at: position) == Signature.end {
            if let comment = bytes.littleEndian(UInt16.self, at: position + 20), position + 22 + Int(comment) <= bytes.count {
                return position
            }
        }
        throw CheckpointError.malformed(file: file, detail: "no zip end-of-directory record (the file is truncated or not a zip)")
    }

    /// One central-directory header at `position`, with its member's local header checked; returns the next position.
    private static func readCentralHeader(
        _ bytes: UnsafeRawBufferPointer, at position: Int, directory: Range<Int>, file: String
    ) throws -> (Entry, Int) {
        func bad(_ detail: String) -> CheckpointError { .malformed(file: file, detail: detail) }
        guard position + 46 <= directory.upperBound,
              bytes.littleEndian(UInt32.self, at: position) == Signature.centralHeader,
              let flags = bytes.littleEndian(UInt16.self, at: position + 8),
              let method = bytes.littleEndian(UInt16.self, at: position + 10),
              let crc = bytes.littleEndian(UInt32.self, at: position + 16),
              let compressed32 = bytes.littleEndian(UInt32.self, at: position + 20),
              let uncompressed32 = bytes.littleEndian(UInt32.self, at: position + 24),
              let nameLength = bytes.littleEndian(UInt16.self, at: position + 28),
              let extraLength = bytes.littleEndian(UInt16.self, at: position + 30),
              let commentLength = bytes.littleEndian(UInt16.self, at: position + 32),
              let disk16 = bytes.littleEndian(UInt16.self, at: position + 34),
              let localOffset32 = bytes.littleEndian(UInt32.self, at: position + 42) else {
            throw bad("zip central directory entry at byte \(position) is damaged")
        }
        let nameStart = position + 46
        let extraStart = nameStart + Int(nameLength)
        let next = extraStart + Int(extraLength) + Int(commentLength)
        guard next <= directory.upperBound else { throw bad("zip central directory entry at byte \(position) overruns the directory") }
        let nameBytes = UnsafeRawBufferPointer(rebasing: bytes[nameStart..<extraStart])
        guard let name = validUTF8(nameBytes) else {
            throw bad("zip member name at byte \(nameStart) is not UTF-8")
        }
        var compressed = UInt64(compressed32), uncompressed = UInt64(uncompressed32)
        var localOffset = UInt64(localOffset32), disk = UInt32(disk16)
        // The ZIP64 extended-information field holds, in this order, each value whose header field is saturated.
        var extra = extraStart
        while extra + 4 <= extraStart + Int(extraLength) {
            guard let id = bytes.littleEndian(UInt16.self, at: extra), let size = bytes.littleEndian(UInt16.self, at: extra + 2),
                  extra + 4 + Int(size) <= extraStart + Int(extraLength) else {
                throw bad("zip member '\(name)' has a damaged extra field")
            }
            if id == 0x0001 {
                var cursor = extra + 4
                let fieldEnd = cursor + Int(size)
                func next64() throws -> UInt64 {
                    guard cursor + 8 <= fieldEnd, let value = bytes.littleEndian(UInt64.self, at: cursor) else {
                        throw bad("zip member '\(name)' has a ZIP64 field too short for its saturated sizes")
                    }
                    cursor += 8
                    return value
                }
                if uncompressed32 == 0xFFFF_FFFF { uncompressed = try next64() }
                if compressed32 == 0xFFFF_FFFF { compressed = try next64() }
                if localOffset32 == 0xFFFF_FFFF { localOffset = try next64() }
                if disk16 == 0xFFFF {
                    guard cursor + 4 <= fieldEnd, let value = bytes.littleEndian(UInt32.self, at: cursor) else {
                        throw bad("zip member '\(name)' has a ZIP64 field too short for its disk number")
                    }
                    disk = value
                }
            }
            extra += 4 + Int(size)
        }
        guard flags & 1 == 0 else { throw CheckpointError.unsupported(file: file, detail: "zip member '\(name)' is encrypted") }
        guard method == 0 else {
            let how = method == 8 ? "deflate-compressed" : "compressed (method \(method))"
            throw CheckpointError.unsupported(
                file: file, detail: "zip member '\(name)' is \(how); PyTorch writes members uncompressed, so re-save the "
                    + "checkpoint with torch.save instead of re-zipping it")
        }
        guard disk == 0 else { throw CheckpointError.unsupported(file: file, detail: "zip member '\(name)' is on another disk") }
        guard compressed == uncompressed else {
            throw bad("zip member '\(name)' is stored but its sizes differ (\(compressed) and \(uncompressed))")
        }
        // The local header: its own name and padding lengths decide where the contents start.
        let dataLimit = UInt64(directory.lowerBound)
        guard localOffset <= dataLimit, dataLimit - localOffset >= 30, case let local = Int(localOffset),
              bytes.littleEndian(UInt32.self, at: local) == Signature.localHeader,
              let localNameLength = bytes.littleEndian(UInt16.self, at: local + 26),
              let localExtraLength = bytes.littleEndian(UInt16.self, at: local + 28) else {
            throw bad("zip member '\(name)' has no local header at byte \(localOffset)")
        }
        let localName = local + 30
        let contentStart = localName + Int(localNameLength) + Int(localExtraLength)
        guard UInt64(contentStart) <= dataLimit, uncompressed <= dataLimit - UInt64(contentStart) else {
            throw bad("zip member '\(name)' (\(uncompressed) bytes at byte \(contentStart)) runs past the member data")
        }
        guard localNameLength == nameLength,
              bytes[localName..<(localName + Int(nameLength))].elementsEqual(bytes[nameStart..<extraStart]) else {
            throw bad("zip member '\(name)' has a local header with another name")
        }
        let entry = Entry(name: name, range: contentStart..<(contentStart + Int(uncompressed)), crc32: crc)
        return (entry, next)
    }
}
