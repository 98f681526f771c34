import Configuration
import Foundation
import XCTest

/// `base:`: an options file that starts from another and changes a few keys.
final class BaseFileTests: XCTestCase {
    func folder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("wildir-base-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url
    }

    func write(_ text: String, _ name: String, in folder: URL) throws -> String {
        let url = folder.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    func testKeysAreLaidOverTheBaseRelativeToTheFile() throws {
        let root = try folder()
        _ = try write("name: recipe\ntrain: {lr: 0.1, iterations: 10}\nlist: [1, 2]\n", "recipe.yml", in: root)
        let child = try write("base: ../recipe.yml\nname: ablation\ntrain: {lr: 0.2}\nlist: [3]\n", "ablations/a.yml", in: root)
        let tree = try ConfigurationLoader.tree(contentsOf: child)
        let expected = try ConfigurationValue.parse(yaml: "name: ablation\ntrain: {lr: 0.2, iterations: 10}\nlist: [3]\n", source: "x")
        XCTAssertEqual(tree, expected)
    }

    func testCyclesAndBadBasesAreRefusedByName() throws {
        let root = try folder()
        let a = try write("base: b.yml\nx: 1\n", "a.yml", in: root)
        _ = try write("base: a.yml\ny: 2\n", "b.yml", in: root)
        XCTAssertThrowsError(try ConfigurationLoader.tree(contentsOf: a)) { error in
            XCTAssertTrue("\(error)".contains("cycle"), "\(error)")
        }
        let bad = try write("base: [a.yml]\n", "bad.yml", in: root)
        XCTAssertThrowsError(try ConfigurationLoader.tree(contentsOf: bad)) { error in
            XCTAssertTrue("\(error)".contains("base"), "\(error)")
        }
        let missing = try write("base: nowhere.yml\n", "missing.yml", in: root)
        XCTAssertThrowsError(try ConfigurationLoader.tree(contentsOf: missing)) { error in
            XCTAssertTrue("\(error)".contains("nowhere.yml"), "\(error)")
        }
    }
}
