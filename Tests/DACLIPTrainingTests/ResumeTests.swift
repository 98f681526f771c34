import DACLIP
import DACLIPTraining
import Foundation
import XCTest

/// A run stopped and resumed equals an uninterrupted one, bit for bit; a finished folder is not overwritten.
final class ResumeTests: XCTestCase {
    func testResumedRunEqualsUninterruptedRun() throws {
        let straightDirectory = try TinyRun.temporaryDirectory(self), resumedDirectory = try TinyRun.temporaryDirectory(self)
        var straightOptions = try TinyRun.options(straightDirectory, iterations: 6, test: self)
        straightOptions.train.valFreq = 3
        let straight = try DACLIPTrainer(options: straightOptions)
        try straight.run()

        var options = try TinyRun.options(resumedDirectory, iterations: 6, test: self)
        options.train.valFreq = 3
        let first = try DACLIPTrainer(options: options)
        try first.run(stopAfter: 4)
        XCTAssertEqual(first.iteration, 4)
        let resumed = try DACLIPTrainer(options: options, resume: true)
        XCTAssertEqual(resumed.iteration, 4)
        try resumed.run()
        XCTAssertEqual(resumed.history, straight.history)
        XCTAssertEqual(resumed.validations, straight.validations)
        XCTAssertEqual(resumed.model.namedParameters().map(\.tensor.values), straight.model.namedParameters().map(\.tensor.values))

        let run = resumedDirectory.appendingPathComponent("run")
        for file in ["model.safetensors", "losses.png", "accuracy.png", "log.jsonl", "checkpoints/latest.safetensors"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: run.appendingPathComponent(file).path), file)
        }
        let lines = try String(contentsOf: run.appendingPathComponent("log.jsonl"), encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(lines.count, 6, "each iteration logged once across the resume")
        XCTAssertEqual(lines.filter { $0.contains("\"validation\"") }.count, 2)
        XCTAssertEqual(try String(contentsOf: run.appendingPathComponent("log.jsonl"), encoding: .utf8),
                       try String(contentsOf: straightDirectory.appendingPathComponent("run/log.jsonl"), encoding: .utf8))
    }

    func testAFinishedRunIsNotOverwrittenAndAnotherCLIPCannotResumeIt() throws {
        let directory = try TinyRun.temporaryDirectory(self)
        let options = try TinyRun.options(directory, iterations: 2, test: self)
        try DACLIPTrainer(options: options).run()
        XCTAssertThrowsError(try DACLIPTrainer(options: options)) { error in
            XCTAssertTrue("\(error)".contains("--resume"), "\(error)")
        }
        var other = options
        other.train.seed = 9  // another random CLIP
        XCTAssertThrowsError(try DACLIPTrainer(options: other, resume: true)) { error in
            XCTAssertTrue("\(error)".contains("another frozen CLIP"), "\(error)")
        }
    }

    func testSavedModelLoadsAsADACLIP() throws {
        let directory = try TinyRun.temporaryDirectory(self)
        let trainer = try DACLIPTrainer(options: try TinyRun.options(directory, iterations: 2, test: self))
        try trainer.run()
        let loaded = try DACLIPModel(contentsOf: trainer.modelURL)
        XCTAssertEqual(loaded.namedParameters().map(\.tensor.values), trainer.model.namedParameters().map(\.tensor.values))
    }
}
