import Checkpoints
import Foundation
import TestSupport
import XCTest

/// Truncated, bit-flipped and otherwise mutated PyTorch checkpoints: each must throw a `CheckpointError` or, when
/// the damage fell on bytes that carry nothing (zip timestamps, padding), load exactly the original tensors. Never
/// a crash, a trap or a hang.
///
/// `WILDIR_FUZZ_ITERATIONS` sets the count of the structured fuzz loop (default 2,000); `make fuzz` runs a million.
final class CheckpointFuzzTests: XCTestCase {
    static let seeds = ["state_dict.pth", "basicsr_params.pth", "nested.pth", "views.pth", "state_dict_zip64.pth"]

    struct Seed {
        let name: String
        let bytes: [UInt8]
        let tensors: [(name: String, tensor: StoredTensor)]
    }

    func loadSeeds() throws -> [Seed] {
        try Self.seeds.map { name in
            let data = try Data(contentsOf: ExpectedCheckpoints.url(name))
            return Seed(name: name, bytes: [UInt8](data), tensors: try CheckpointFile.load(data: data, name: name))
        }
    }

    /// Loads `bytes`: true when it loaded the seed's tensors exactly, false when it threw a `CheckpointError`.
    func survives(_ bytes: [UInt8], as seed: Seed, label: String, file: StaticString = #filePath, line: UInt = #line) -> Bool {
        do {
            let tensors = try CheckpointFile.load(data: Data(bytes), name: label)
            XCTAssertEqual(tensors.map(\.name), seed.tensors.map(\.name), label, file: file, line: line)
            XCTAssertTrue(zip(tensors, seed.tensors).allSatisfy { $0.tensor == $1.tensor }, "\(label) loaded other values", file: file, line: line)
            return true
        } catch is CheckpointError {
            return false
        } catch {
            XCTFail("\(label): untyped error \(error)", file: file, line: line)
            return false
        }
    }

    func testEveryTruncationIsRejected() throws {
        for seed in try loadSeeds() {
            // Every 7th length, and every length near the end where the zip directory lives.
            let lengths = Set(Array(stride(from: 0, to: seed.bytes.count, by: 7)) + Array(max(0, seed.bytes.count - 300)..<seed.bytes.count))
            for length in lengths.sorted() {
                XCTAssertFalse(survives(Array(seed.bytes.prefix(length)), as: seed, label: "\(seed.name)[..<\(length)]"),
                               "\(seed.name) cut to \(length) bytes loaded")
            }
        }
    }

    func testRandomByteFlipsAreRejectedOrHarmless() throws {
        let seeds = try loadSeeds()
        var rng = SplitMix64(seed: 0xC4EC_4B01)
        var rejected = 0
        let mutations = 2000
        for i in 0..<mutations {
            let seed = seeds[i % seeds.count]
            var bytes = seed.bytes
            for _ in 0..<Int.random(in: 1...4, using: &rng) {
                bytes[Int.random(in: 0..<bytes.count, using: &rng)] ^= UInt8.random(in: 1...255, using: &rng)
            }
            if !survives(bytes, as: seed, label: "\(seed.name) flip \(i)") { rejected += 1 }
        }
        print("checkpoint byte flips: \(mutations) mutations, \(rejected) rejected, \(mutations - rejected) harmless")
        XCTAssertGreaterThan(rejected, mutations / 2)
    }

    func testMutatedCheckpointsLoadOrThrowTypedErrors() throws {
        let iterations = ProcessInfo.processInfo.environment["WILDIR_FUZZ_ITERATIONS"].flatMap(Int.init) ?? 2000
        let seeds = try loadSeeds()
        var rng = SplitMix64(seed: 0x5EED_C4EC)
        var rejected = 0
        for i in 0..<iterations {
            let seed = seeds[i % seeds.count]
            if !survives(Self.mutate(seed.bytes, rng: &rng), as: seed, label: "\(seed.name) mutant \(i)") { rejected += 1 }
        }
        print("checkpoint fuzz: \(iterations) inputs, \(rejected) rejected, \(iterations - rejected) loaded unchanged")
        XCTAssertGreaterThan(rejected, iterations / 2)
    }

    /// Structure-aware and blind mutations: spans duplicated or deleted, 16/32/64-bit fields overwritten with
    /// extreme values (sizes, offsets, counts, lengths), random windows, truncation.
    static func mutate(_ original: [UInt8], rng: inout SplitMix64) -> [UInt8] {
        var bytes = original
        for _ in 0..<Int.random(in: 1...3, using: &rng) {
            guard !bytes.isEmpty else { break }
            let at = Int.random(in: 0..<bytes.count, using: &rng)
            switch Int.random(in: 0..<6, using: &rng) {
            case 0:
                bytes[at] ^= 1 << UInt8.random(in: 0..<8, using: &rng)
            case 1:
                bytes = Array(bytes.prefix(at))
            case 2:
                let end = min(bytes.count, at + Int.random(in: 1...64, using: &rng))
                bytes.insert(contentsOf: bytes[at..<end], at: Int.random(in: 0...bytes.count, using: &rng))
            case 3:
                bytes.removeSubrange(at..<min(bytes.count, at + Int.random(in: 1...64, using: &rng)))
            case 4:
                let value = [UInt64.max, 0, 0x7FFF_FFFF, 0xFFFF_FFFF, 0x8000_0000_0000_0000, UInt64(bytes.count),
                             UInt64.random(in: 0...UInt64.max, using: &rng)].randomElement(using: &rng) ?? 0
                let width = [2, 4, 8].randomElement(using: &rng) ?? 4
                for k in 0..<width where at + k < bytes.count { bytes[at + k] = UInt8((value >> (8 * UInt64(k))) & 0xFF) }
            default:
                for i in at..<min(bytes.count, at + Int.random(in: 1...16, using: &rng)) { bytes[i] = UInt8.random(in: 0...255, using: &rng) }
            }
        }
        return bytes
    }
}

