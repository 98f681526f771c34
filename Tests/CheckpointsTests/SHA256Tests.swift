import Checkpoints
import Foundation
import XCTest

/// SHA-256 against the FIPS 180-4 example messages (NIST's published digests), in one piece and streamed.
final class SHA256Tests: XCTestCase {
    func testDigestsOfTheStandardMessages() {
        XCTAssertEqual(SHA256.hex(Array("".utf8)), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        XCTAssertEqual(SHA256.hex(Array("abc".utf8)), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        XCTAssertEqual(SHA256.hex(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)),
                       "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        XCTAssertEqual(SHA256.hex([UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000)),
                       "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    func testStreamedPiecesAndFilesGiveTheOneShotDigest() throws {
        let message = (0..<1000).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
        var streamed = SHA256()
        var start = 0
        for length in [0, 1, 63, 64, 65, 127, 3, 200] where start < message.count {
            let end = min(message.count, start + length)
            streamed.update(message[start..<end])
            start = end
        }
        streamed.update(message[start...])
        XCTAssertEqual(streamed.hexDigest(), SHA256.hex(message))
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("wildir-sha-\(UUID().uuidString)")
        try Data(message).write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        XCTAssertEqual(try SHA256.hex(ofFileAt: url), SHA256.hex(message))
        XCTAssertThrowsError(try SHA256.hex(ofFileAt: url.appendingPathExtension("missing")))
    }
}
