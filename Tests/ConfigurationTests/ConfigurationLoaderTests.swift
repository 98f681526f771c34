import Configuration
import XCTest

/// The one options loader: files name only what they change, every error names its key path, unknown keys and
/// hostile files are refused.
final class ConfigurationLoaderTests: XCTestCase {
    enum Colour: String, NamedOption, Codable { case red, green }

    struct Inner: Codable, Equatable, DefaultedOptions {
        var rate: Double = 0.5
        var range: ClosedRange<Double> = 1...2
        static var defaults: Inner { Inner() }
    }

    /// Without defaults of its own, every field must be given.
    struct Strict: Codable, Equatable {
        var a: Int
        var b: Int
    }

    struct Options: Codable, Equatable, DefaultedOptions, ValidatedOptions {
        var count = 3
        var name = "x"
        var flag = false
        var colour = Colour.red
        var inner = Inner()
        var list: [Int] = [1, 2]
        var optional: Inner?
        var free: ConfigurationValue?
        var strict: Strict?

        static var defaults: Options { Options() }

        enum CodingKeys: String, CodingKey { case count, name, flag, colour, inner, list, optional = "optional_inner", free, strict }

        func validate() throws {
            try OptionViolation.check(count >= 1, "count", "must be at least 1, got \(count)")
            try OptionViolation.within("inner") { try OptionViolation.check(inner.rate <= 1, "rate", "must be at most 1") }
        }
    }

    func load(_ yaml: String) throws -> Options { try ConfigurationLoader.load(Options.self, yaml: yaml, source: "f.yml") }

    func assertError(_ yaml: String, _ expected: ConfigurationError, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try load(yaml), file: file, line: line) { error in
            XCTAssertEqual(error as? ConfigurationError, expected, "\(error)", file: file, line: line)
        }
    }

    func testAFileGivesOnlyWhatItChangesAndNestedMappingsMergeKeyByKey() throws {
        XCTAssertEqual(try load(""), Options())
        var expected = Options()
        expected.count = 7
        expected.inner.range = 3...4
        XCTAssertEqual(try load("count: 7\ninner: { range: [3, 4] }"), expected)
        let partial = try load("optional_inner: { rate: 0.25 }")
        XCTAssertEqual(partial.optional, Inner(rate: 0.25, range: 1...2))
        XCTAssertEqual(try load("strict: { a: 1, b: 2 }").strict, Strict(a: 1, b: 2))
        assertError("strict: { a: 1 }", .invalidValue("f.yml", "strict.b", "is required"))
    }

    func testNumbersAreReadAsTheFieldAsksWhateverTheirYAMLSpelling() throws {
        XCTAssertEqual(try load("count: !!float 5e3").count, 5000)
        XCTAssertEqual(try load("count: 1_000").count, 1000)
        XCTAssertEqual(try load("inner: { rate: 3e-4 }").inner.rate, 3e-4)
        XCTAssertEqual(try load("inner: { rate: !!float 3e-4 }").inner.rate, 3e-4)
        XCTAssertEqual(try load("name: 2024").name, "2024")
        XCTAssertEqual(try load("flag: yes").flag, true)
        assertError("count: 2.5", .invalidValue("f.yml", "count", "expected an integer in \(Int.min)…\(Int.max), got '2.5'"))
        assertError("count: 1e30", .invalidValue("f.yml", "count", "expected an integer in \(Int.min)…\(Int.max), got '1e30'"))
        assertError("inner: { rate: .nan }", .invalidValue("f.yml", "inner.rate", "expected a number, got '.nan'"))
        assertError("flag: maybe", .invalidValue("f.yml", "flag", "expected true or false, got 'maybe'"))
        assertError("list: [1, x]", .invalidValue("f.yml", "list[1]", "expected an integer, got 'x'"))
        assertError("inner: 3", .invalidValue("f.yml", "inner", "expected a mapping, got '3'"))
    }

    func testUnknownKeysAreErrorsThatListTheKnownOnes() {
        assertError("cuont: 3", .unknownKey("f.yml", "cuont", known: ["colour", "count", "flag", "free", "inner", "list", "name", "optional_inner", "strict"]))
        assertError("inner: { rat: 1, more: { deep: 1 } }", .unknownKey("f.yml", "inner.more", known: ["range", "rate"]))
    }

    func testNamesOutsideTheirVocabularyListTheKnownNames() throws {
        XCTAssertEqual(try load("colour: green").colour, .green)
        assertError("colour: blue", .invalidValue("f.yml", "colour", "blue is not one of: red, green"))
        XCTAssertThrowsError(try Colour(named: "blue", source: "--colour")) { error in
            XCTAssertEqual("\(error)", "--colour: blue is not one of: red, green")
        }
    }

    func testValidationNamesTheKeyPathAndTheAllowedRange() {
        assertError("count: 0", .invalidValue("f.yml", "count", "must be at least 1, got 0"))
        assertError("inner: { rate: 2 }", .invalidValue("f.yml", "inner.rate", "must be at most 1"))
        assertError("inner: { range: [5, 1] }", .invalidValue("f.yml", "inner.range", "Cannot initialize ClosedRange<Double> with a lowerBound (5.0) greater than upperBound (1.0)"))
    }

    func testAFreeFormSubtreeIsKeptWholeAndItsKeysAreNotUnknown() throws {
        let options = try load("free: { anything: [1, { b: 2 }] }")
        XCTAssertEqual(options.free, .mapping(["anything": .list([.scalar("1"), .mapping(["b": .scalar("2")])])]))
    }

    func testAliasBombsDeepNestingHugeFilesAndDuplicateKeysAreRefusedBeforeTheyCostMemory() throws {
        // Nine levels of nine aliases: 9^9 ≈ 387 million nodes once expanded, from a few hundred bytes.
        var bomb = "a0: &a0 [x, x, x, x, x, x, x, x, x]\n"
        for level in 1...9 {
            bomb += "a\(level): &a\(level) [" + Array(repeating: "*a\(level - 1)", count: 9).joined(separator: ", ") + "]\n"
        }
        XCTAssertThrowsError(try ConfigurationValue.parse(yaml: bomb, source: "bomb.yml")) { error in
            guard case .tooLarge("bomb.yml", _)? = error as? ConfigurationError else { return XCTFail("\(error)") }
        }
        let deep = String(repeating: "[", count: 200) + String(repeating: "]", count: 200)
        XCTAssertThrowsError(try ConfigurationValue.parse(yaml: deep, source: "deep.yml")) { error in
            guard case .tooLarge("deep.yml", _)? = error as? ConfigurationError else { return XCTFail("\(error)") }
        }
        let huge = String(repeating: "# padding\n", count: 500_000)
        XCTAssertThrowsError(try ConfigurationValue.parse(yaml: huge, source: "huge.yml")) { error in
            guard case .tooLarge("huge.yml", _)? = error as? ConfigurationError else { return XCTFail("\(error)") }
        }
        assertError("count: 1\ncount: 2", .invalidYAML("f.yml", "'count' is given twice"))
        XCTAssertThrowsError(try load("{{{")) { error in
            guard case .invalidYAML("f.yml", _)? = error as? ConfigurationError else { return XCTFail("\(error)") }
        }
    }

    func testEncodedDefaultsDecodeBackToThemselves() throws {
        var options = Options()
        options.optional = Inner(rate: 0.125, range: 0.1...0.7)
        options.list = []
        options.free = .mapping(["k": .scalar("v")])
        let tree = try ConfigurationEncoder().encode(options)
        XCTAssertEqual(try ConfigurationLoader.decode(Options.self, from: tree, source: "tree"), options)
        // Float32 values are written as their shortest text, not as the widened Double.
        XCTAssertEqual(try ConfigurationEncoder().encode(["x": Float(0.1)]), .mapping(["x": .scalar("0.1")]))
    }

    func testOverlayMergesMappingsAndReplacesEverythingElse() {
        let base = ConfigurationValue.mapping(["a": .mapping(["b": .scalar("1"), "c": .scalar("2")]), "l": .list([.scalar("1")])])
        let top = ConfigurationValue.mapping(["a": .mapping(["c": .scalar("3")]), "l": .list([])])
        XCTAssertEqual(base.overlaid(with: top),
                       .mapping(["a": .mapping(["b": .scalar("1"), "c": .scalar("3")]), "l": .list([])]))
    }
}
