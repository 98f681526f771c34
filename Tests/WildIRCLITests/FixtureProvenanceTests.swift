import Foundation
import TestSupport
import XCTest

/// Every fixture folder says where its files come from: a `PROVENANCE.json` (written by `Tools/fixtures/_provenance.py`
/// when `make fixtures` runs) naming, for each generator that wrote into the folder, its files and the versions of
/// the references it ran (Python, the libraries, the official DACLIP-IR commit).
///
/// Checked here: each folder has one; each generator exists and is a fixture generator; every file of the folder is
/// claimed by exactly one generator and every claimed file exists (stale files of removed cases show up); versions
/// are given; a generator that runs the official code records its commit, all the same one; and every generator is
/// recorded somewhere, so none writes fixtures without saying so.
final class FixtureProvenanceTests: XCTestCase {
    /// The repository root (the parent of `Tests/Fixtures`'s parent).
    static let root = Fixtures.root.deletingLastPathComponent().deletingLastPathComponent()
    static let record = "PROVENANCE.json"

    struct Entry {
        let generator: String
        let files: [String]
        let references: [String: String]
    }

    /// The folders that hold a record: each folder of `Tests/Fixtures`, and any folder below one that has its own
    /// (the git-ignored large DA-CLIP fixture).
    static func recordFolders() throws -> [URL] {
        let manager = FileManager.default
        var folders: [URL] = []
        for name in try manager.contentsOfDirectory(atPath: Fixtures.root.path).sorted() {
            let folder = Fixtures.root.appendingPathComponent(name)
            var isDirectory: ObjCBool = false
            guard manager.fileExists(atPath: folder.path, isDirectory: &isDirectory), isDirectory.boolValue else { continue }
            folders.append(folder)
            let enumerator = manager.enumerator(at: folder, includingPropertiesForKeys: nil)
            while let url = enumerator?.nextObject() as? URL {
                if url.lastPathComponent == record, url.deletingLastPathComponent().standardizedFileURL != folder.standardizedFileURL {
                    folders.append(url.deletingLastPathComponent())
                }
            }
        }
        return folders
    }

    /// The folders under `Tests/Fixtures` that `.gitignore` keeps out of the repository (the large DA-CLIP fixture):
    /// not committed fixtures, so checked only when they hold a record of their own.
    static func ignoredFolders() throws -> [String] {
        let text = try String(contentsOf: root.appendingPathComponent(".gitignore"), encoding: .utf8)
        return text.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { $0.hasPrefix("/Tests/Fixtures/") }
            .map { root.appendingPathComponent(String($0.dropFirst())).standardizedFileURL.path + "/" }
    }

    /// The files of `folder` a record must account for: every file below it except records, READMEs, the folders
    /// with records of their own and the git-ignored ones.
    static func files(in folder: URL, excluding others: [URL]) throws -> [String] {
        let base = folder.standardizedFileURL.path + "/"
        let excluded = (others.map { $0.standardizedFileURL.path + "/" } + (try ignoredFolders()))
            .filter { $0 != base && $0.hasPrefix(base) }
        var out: [String] = []
        let enumerator = FileManager.default.enumerator(at: folder, includingPropertiesForKeys: [.isRegularFileKey])
        while let url = enumerator?.nextObject() as? URL {
            let path = url.standardizedFileURL.path
            guard (try? url.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true,
                  !excluded.contains(where: { path.hasPrefix($0) }),
                  url.lastPathComponent != record, url.lastPathComponent != "README.md" else { continue }
            out.append(String(path.dropFirst(base.count)))
        }
        return out.sorted()
    }

    static func entries(_ folder: URL) throws -> [Entry] {
        let data = try Data(contentsOf: folder.appendingPathComponent(record))
        let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let generators = try XCTUnwrap(object["generators"] as? [String: Any], "\(folder.lastPathComponent): no generators")
        return try generators.keys.sorted().map { name in
            let entry = try XCTUnwrap(generators[name] as? [String: Any], name)
            return Entry(generator: name, files: try XCTUnwrap(entry["files"] as? [String], "\(name): files"),
                         references: try XCTUnwrap(entry["references"] as? [String: String], "\(name): references"))
        }
    }

    func testEveryFixtureFolderRecordsItsGeneratorsFilesAndReferenceVersions() throws {
        let folders = try Self.recordFolders()
        XCTAssertGreaterThanOrEqual(folders.count, 17, "the fixture folders")
        var commits: Set<String> = [], recorded: Set<String> = []
        for folder in folders {
            let name = String(folder.standardizedFileURL.path.dropFirst(Fixtures.root.standardizedFileURL.path.count + 1))
            let recordURL = folder.appendingPathComponent(Self.record)
            guard FileManager.default.fileExists(atPath: recordURL.path) else {
                XCTFail("Tests/Fixtures/\(name) has no \(Self.record): run `make fixtures` (see Tests/README.md)")
                continue
            }
            let entries = try Self.entries(folder)
            XCTAssertFalse(entries.isEmpty, name)
            var claimed: [String: String] = [:]
            for entry in entries {
                recorded.insert(entry.generator)
                let source = Self.root.appendingPathComponent(entry.generator)
                XCTAssertTrue(entry.generator.hasPrefix("Tools/") && entry.generator.hasSuffix(".py"), "\(name): \(entry.generator)")
                let text = try String(contentsOf: source, encoding: .utf8)
                XCTAssertFalse(entry.files.isEmpty, "\(name): \(entry.generator) claims no file")
                for file in entry.files {
                    if let other = claimed.updateValue(entry.generator, forKey: file) {
                        XCTFail("\(name)/\(file) is claimed by \(other) and \(entry.generator)")
                    }
                }
                XCTAssertNotNil(entry.references["python"], "\(name): \(entry.generator) records no Python version")
                XCTAssertGreaterThanOrEqual(entry.references.count, 2, "\(name): \(entry.generator) records no reference library")
                for (reference, version) in entry.references {
                    XCTAssertFalse(version.isEmpty, "\(name): \(entry.generator): \(reference) has no version")
                }
                let runsOfficialCode = text.contains("official_repository(")
                XCTAssertEqual(entry.references["daclip-uir"] != nil, runsOfficialCode,
                               "\(name): \(entry.generator) runs the official code exactly when it records its commit")
                if let commit = entry.references["daclip-uir"] {
                    XCTAssertTrue(commit.count == 40 && commit.allSatisfy { $0.isHexDigit && !$0.isUppercase },
                                  "\(name): \(entry.generator): '\(commit)' is not a full commit")
                    commits.insert(commit)
                }
                // The official SSP-IR code likewise (its own checkout, SSPIR_REPO).
                XCTAssertEqual(entry.references["ssp-ir"] != nil, text.contains("sspir_repository("),
                               "\(name): \(entry.generator) runs the official SSP-IR code exactly when it records its commit")
                if let commit = entry.references["ssp-ir"] {
                    XCTAssertTrue(commit.count == 40 && commit.allSatisfy { $0.isHexDigit && !$0.isUppercase },
                                  "\(name): \(entry.generator): '\(commit)' is not a full commit")
                }
            }
            let present = try Self.files(in: folder, excluding: folders)
            XCTAssertEqual(Set(claimed.keys).subtracting(present).sorted(), [], "\(name): claimed but missing")
            XCTAssertEqual(Set(present).subtracting(claimed.keys).sorted(), [], "\(name): present but claimed by no generator")
        }
        XCTAssertEqual(commits.count, 1, "one official DACLIP-IR commit across the fixtures: \(commits.sorted())")

        let tools = Self.root.appendingPathComponent("Tools")
        let generators = try FileManager.default.contentsOfDirectory(atPath: tools.appendingPathComponent("fixtures").path)
            .filter { $0.hasSuffix(".py") && !$0.hasPrefix("_") }.map { "Tools/fixtures/\($0)" } + ["Tools/make_test_images.py"]
        XCTAssertEqual(Set(generators).subtracting(recorded).sorted(), [], "generators that recorded nothing")
    }
}
