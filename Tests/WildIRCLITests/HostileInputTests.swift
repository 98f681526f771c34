import Foundation
import TestSupport
import WildIR
import XCTest

/// `wildir` under everyday mistakes and hostile input, run as a separate process: every refusal is a clear message
/// with a non-zero exit status (never a signal), and no file that existed before the command changes.
final class HostileInputTests: CLITestCase {
    /// A photo of the test images, written as PNG into `folder` under `name`.
    func photo(_ name: String, in folder: URL, size: Int = 48) throws -> URL {
        let url = folder.appendingPathComponent(name)
        try Image(contentsOf: Fixtures.path("images", "coffee.png")).cropped(x: 20, y: 20, width: size, height: size).write(to: url.path)
        return url
    }

    func tinyModel(in folder: URL) throws -> URL {
        let url = folder.appendingPathComponent("tiny.safetensors")
        try RestorationModel.tiny(steps: 4).write(to: url)
        return url
    }

    func assertRefused(_ result: Result, status: Int32, mentioning words: [String], file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertFalse(result.signalled, "ended by a signal: \(result.stderr)", file: file, line: line)
        XCTAssertEqual(result.status, status, result.stderr, file: file, line: line)
        for word in words { XCTAssertTrue(result.stderr.contains(word), "'\(word)' not in: \(result.stderr)", file: file, line: line) }
    }

    // MARK: Data never lost

    func testRestoreNeverReplacesAnInputOrAnExistingResult() throws {
        let root = try folder()
        let model = try tinyModel(in: root)
        let input = try photo("photo.png", in: root)
        let before = snapshot(root)
        // Output folder = input folder: photo.png would be replaced by its own restoration.
        var r = try run(["restore", "photo.png", "-o", ".", "--model", model.path], in: root)
        assertRefused(r, status: 73, mentioning: ["photo.png", "exist", "--overwrite"])
        XCTAssertEqual(snapshot(root), before)
        // An earlier result is kept too, unless --overwrite says otherwise.
        let out = root.appendingPathComponent("out")
        XCTAssertEqual(try run(["restore", input.path, "-o", out.path, "--model", model.path]).status, 0)
        let firstResult = snapshot(out)
        r = try run(["restore", input.path, "-o", out.path, "--model", model.path, "--seed", "9"])
        assertRefused(r, status: 73, mentioning: ["--overwrite"])
        XCTAssertEqual(snapshot(out), firstResult)
        r = try run(["restore", input.path, "-o", out.path, "--model", model.path, "--seed", "9", "--overwrite"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertNotEqual(snapshot(out), firstResult, "--overwrite replaces the result")
    }

    func testRestoreRefusesInputsThatWouldWriteTheSameFileBeforeWritingAny() throws {
        let root = try folder()
        let model = try tinyModel(in: root)
        for sub in ["a", "b"] { try FileManager.default.createDirectory(at: root.appendingPathComponent(sub), withIntermediateDirectories: true) }
        let a = try photo("a/x.png", in: root), b = try photo("b/x.png", in: root)
        let jpeg = root.appendingPathComponent("a/x.jpg")
        try Image(contentsOf: a.path).write(to: jpeg.path)
        let r = try run(["restore", a.path, b.path, jpeg.path, "-o", root.appendingPathComponent("res").path, "--model", model.path])
        assertRefused(r, status: 73, mentioning: ["x.png", "a/x.png", "b/x.png", "a/x.jpg"])
        XCTAssertFalse(FileManager.default.fileExists(atPath: root.appendingPathComponent("res/x.png").path))
    }

    /// A small training recipe on the test photos.
    func recipe(in root: URL, iterations: Int = 2) throws -> URL {
        let url = root.appendingPathComponent("run.yml")
        try """
        name: tiny
        sde: { T: 8 }
        datasets: { train: { dataroot_GT: \(Fixtures.path("images")), patch_size: 32, batch_size: 1 } }
        network_G: { setting: { nf: 8, ch_mult: [1, 2] } }
        train: { niter: \(iterations), checkpoint_freq: 1, val_freq: 100 }
        path: { experiments: \(root.appendingPathComponent("experiment").path) }
        """.write(to: url, atomically: true, encoding: .utf8)
        return url
    }

    func testTrainingIntoAFinishedRunWithoutResumeIsRefused() throws {
        let root = try folder()
        let options = try recipe(in: root)
        XCTAssertEqual(try run(["train", "--config", options.path]).status, 0)
        let finished = snapshot(root.appendingPathComponent("experiment"))
        let r = try run(["train", "--config", options.path])
        assertRefused(r, status: 64, mentioning: ["already holds a run", "--resume"])
        XCTAssertEqual(snapshot(root.appendingPathComponent("experiment")), finished)
        XCTAssertEqual(try run(["train", "--config", options.path, "--resume"]).status, 0, "resuming a finished run is fine")
    }

    func testDegradeRefusesSourcesThatWouldWriteTheSamePair() throws {
        let root = try folder(), input = root.appendingPathComponent("in")
        try FileManager.default.createDirectory(at: input, withIntermediateDirectories: true)
        let png = try photo("x.png", in: input)
        try Image(contentsOf: png.path).write(to: input.appendingPathComponent("x.jpg").path)
        let r = try run(["degrade", "--input", input.path, "--output", root.appendingPathComponent("out").path])
        assertRefused(r, status: 1, mentioning: ["x.png", "x.jpg", "same pair"])
        XCTAssertFalse(FileManager.default.fileExists(atPath: root.appendingPathComponent("out/GT/x.png").path))
    }

    func testDegradeIntoAFolderMadeWithOtherSettingsIsRefusedNamingWhatDiffers() throws {
        let root = try folder(), input = root.appendingPathComponent("in"), out = root.appendingPathComponent("out")
        try FileManager.default.createDirectory(at: input, withIntermediateDirectories: true)
        _ = try photo("x.png", in: input)
        XCTAssertEqual(try run(["degrade", "--input", input.path, "--output", out.path, "--seed", "1"]).status, 0)
        let made = snapshot(out)
        for (flags, difference) in [(["--seed", "2"], "seed"), (["--seed", "1", "--crop", "32"], "crop"),
                                    (["--seed", "1", "--pipeline", "mild"], "pipeline"), (["--seed", "1", "--copies", "2"], "copies")] {
            let r = try run(["degrade", "--input", input.path, "--output", out.path] + flags)
            assertRefused(r, status: 1, mentioning: ["other settings", difference])
            XCTAssertEqual(snapshot(out), made, "\(flags)")
        }
        let r = try run(["degrade", "--input", input.path, "--output", out.path, "--seed", "1"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("1 already complete"), r.stdout)
    }

    func testASecondDegradeProcessIsRefusedWhileTheFirstWrites() throws {
        let root = try folder(), input = root.appendingPathComponent("in"), out = root.appendingPathComponent("out")
        try FileManager.default.createDirectory(at: input, withIntermediateDirectories: true)
        _ = try photo("x.png", in: input, size: 144)
        let first = try start(["degrade", "--input", input.path, "--output", out.path, "--seed", "1", "--copies", "400"])
        let lock = out.appendingPathComponent(".wildir.lock").path
        for _ in 0..<600 where !FileManager.default.fileExists(atPath: lock) { usleep(10_000) }
        XCTAssertTrue(FileManager.default.fileExists(atPath: lock), "the first run holds the folder")
        let second = try run(["degrade", "--input", input.path, "--output", out.path, "--seed", "2", "--copies", "400"])
        first.waitUntilExit()
        XCTAssertEqual(first.terminationStatus, 0)
        if second.status != 0 {
            assertRefused(second, status: 1, mentioning: ["another run"])
        } else {
            XCTFail("the second run finished although the first held the folder: \(second.stdout)")
        }
        let manifest = try String(contentsOf: out.appendingPathComponent("manifest.jsonl"), encoding: .utf8)
        XCTAssertFalse(manifest.contains("\"seed\":2"), "no pair of the second run entered the folder")
        XCTAssertFalse(FileManager.default.fileExists(atPath: lock), "the lock is released at the end")
    }

    func testADegradeKilledMidRunResumesToTheUninterruptedResult() throws {
        let root = try folder(), input = root.appendingPathComponent("in")
        try FileManager.default.createDirectory(at: input, withIntermediateDirectories: true)
        _ = try photo("x.png", in: input, size: 144)
        let straight = root.appendingPathComponent("straight"), killed = root.appendingPathComponent("killed")
        let arguments = ["degrade", "--input", input.path, "--seed", "3", "--copies", "300"]
        XCTAssertEqual(try run(arguments + ["--output", straight.path]).status, 0)
        let victim = try start(arguments + ["--output", killed.path])
        let manifest = killed.appendingPathComponent("manifest.jsonl").path
        for _ in 0..<1000 {
            let lines = (try? String(contentsOfFile: manifest, encoding: .utf8))?.split(separator: "\n").count ?? 0
            if lines >= 5 { break }
            usleep(5_000)
        }
        kill(victim.processIdentifier, SIGKILL)
        victim.waitUntilExit()
        XCTAssertEqual(victim.terminationReason, .uncaughtSignal)
        // Its lock is stale now (its process is gone) and is taken over.
        let resumed = try run(arguments + ["--output", killed.path])
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        func pairs(_ folder: URL) -> [String: Data] {
            Dictionary(uniqueKeysWithValues: snapshot(folder).filter { $0.key.hasSuffix(".png") || $0.key.hasSuffix(".jsonl") }
                .map { (String($0.key.dropFirst(folder.path.count)), $0.value) })
        }
        XCTAssertEqual(pairs(killed), pairs(straight), "a killed and resumed run equals an uninterrupted one, byte for byte")
    }

    // MARK: Outside values are checked where they enter

    func testModelMetadataDescribingAnImpossibleNetworkOrBrokenWeightsIsRefused() throws {
        let root = try folder()
        let input = try photo("photo.png", in: root)
        let tiny = RestorationModel.tiny(steps: 4)
        let tensors = tiny.network.stateDict()
        var metadata = try RestorationModel.descriptionMetadata(network: tiny.network.configuration, sde: tiny.sdeOptions)
        let network = try XCTUnwrap(metadata[RestorationModel.MetadataKey.network])
        for (bad, word) in [(#""baseChannels":-32"#, "nf"), (#""baseChannels":100000000"#, "nf"), (#""channelMultipliers":[1,0]"#, "ch_mult")] {
            let key = bad.split(separator: ":")[0]
            metadata[RestorationModel.MetadataKey.network] = network.replacingOccurrences(
                of: #"\#(key):(\[[^\]]*\]|-?[0-9]+)"#, with: bad, options: .regularExpression)
            let url = root.appendingPathComponent("bad.safetensors")
            try SafeTensorsFile.write(tensors, metadata: metadata, to: url)
            let r = try run(["restore", input.path, "-o", root.appendingPathComponent("out").path, "--model", url.path])
            assertRefused(r, status: 1, mentioning: ["not a usable restoration model", word])
        }
        var sde = metadata
        sde[RestorationModel.MetadataKey.network] = network
        sde[RestorationModel.MetadataKey.sde] = #"{"T":0}"#
        try SafeTensorsFile.write(tensors, metadata: sde, to: root.appendingPathComponent("bad.safetensors"))
        assertRefused(try run(["restore", input.path, "-o", root.appendingPathComponent("out").path, "--model",
                               root.appendingPathComponent("bad.safetensors").path]), status: 1, mentioning: ["T must lie in"])
        // NaN weights: refused at load, naming the tensor.
        var poisoned = tensors
        poisoned[0] = (poisoned[0].name, try StoredTensor(shape: poisoned[0].tensor.shape,
                                                           float32: [Float](repeating: .nan, count: poisoned[0].tensor.count)))
        try SafeTensorsFile.write(poisoned, metadata: metadata.merging([RestorationModel.MetadataKey.network: network]) { _, new in new },
                                  to: root.appendingPathComponent("nan.safetensors"))
        assertRefused(try run(["restore", input.path, "-o", root.appendingPathComponent("out").path, "--model",
                               root.appendingPathComponent("nan.safetensors").path]), status: 1, mentioning: ["not finite", poisoned[0].name])
    }

    func testTrainingOptionsOutOfRangeAreErrorsNamingTheKey() throws {
        let root = try folder()
        let base = try String(contentsOf: try recipe(in: root), encoding: .utf8)
        let cases: [(String, String)] = [
            ("network_G: { setting: { in_nc: 0, nf: 8, ch_mult: [1, 2] } }", "network_G.setting.in_nc"),
            ("network_G: { setting: { nf: 0 } }", "network_G.setting.nf"),
            ("network_G: { setting: { nf: 7 } }", "network_G.setting.nf"),
            ("network_G: { setting: { nf: -32 } }", "network_G.setting.nf"),
            ("network_G: { setting: { nf: 8, ch_mult: [1, 0] } }", "network_G.setting.ch_mult"),
            ("network_G: { setting: { nf: 1024, ch_mult: [64, 64, 64] } }", "network_G.setting"),
            ("train: { beta1: 2 }", "train.beta1"),
            ("train: { weight_decay_G: -1 }", "train.weight_decay_G"),
            ("train: { niter: 10, warmup_iter: 20 }", "train.warmup_iter"),
            ("train: { niter: 0 }", "train.niter"),
            ("name: ../../escape", "name"),
            ("datasets: { train: { batch_size: 100000, patch_size: 4096 } }", "datasets.train"),
            ("datasets: { train: { dataroot_GT: \(Fixtures.path("images")) }, val: { dataroot_GT: /no/such/folder } }", "/no/such/folder"),
            ("sde: { T: 1000000000 }", "sde.T"),
        ]
        for (override, key) in cases {
            let url = root.appendingPathComponent("bad.yml")
            // The override's top-level block replaces the recipe's.
            let block = String(override.split(separator: ":")[0])
            let lines = base.split(separator: "\n").filter { !$0.hasPrefix(block + ":") }
            try (lines.joined(separator: "\n") + "\n" + override + "\n").write(to: url, atomically: true, encoding: .utf8)
            let r = try run(["train", "--check", "--config", url.path])
            assertRefused(r, status: 64, mentioning: [key])
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: root.appendingPathComponent("experiment").path), "--check writes nothing")
    }

    func testAYAMLAliasBombIsRefusedQuickly() throws {
        let root = try folder()
        var bomb = "a0: &a0 [x, x, x, x, x, x, x, x, x]\n"
        for level in 1...9 { bomb += "a\(level): &a\(level) [" + Array(repeating: "*a\(level - 1)", count: 9).joined(separator: ", ") + "]\n" }
        let url = root.appendingPathComponent("bomb.yml")
        try bomb.write(to: url, atomically: true, encoding: .utf8)
        assertRefused(try run(["train", "--check", "--config", url.path]), status: 64, mentioning: ["too large"])
        let input = try photo("photo.png", in: root)
        assertRefused(try run(["degrade", "--input", root.path, "--output", root.appendingPathComponent("o").path, "--config", url.path]),
                      status: 64, mentioning: ["too large"])
        assertRefused(try run(["restore", input.path, "-o", root.appendingPathComponent("r").path, "--config", url.path]),
                      status: 1, mentioning: ["too large"])
    }

    func testCommandLineValuesAtAndPastTheirBounds() throws {
        let root = try folder()
        let input = try photo("photo.png", in: root)
        let model = try tinyModel(in: root)
        let out = root.appendingPathComponent("out").path
        let refused: [[String]] = [
            ["degrade", "--input", root.path, "--output", out, "--copies", "0"],
            ["degrade", "--input", root.path, "--output", out, "--copies", "10001"],
            ["degrade", "--input", root.path, "--output", out, "--copies", "9223372036854775807"],
            ["degrade", "--input", root.path, "--output", out, "--copies", "1e11"],
            ["degrade", "--input", root.path, "--output", out, "--jobs", "0"],
            ["degrade", "--input", root.path, "--output", out, "--crop", "7"],
            ["degrade", "--input", root.path, "--output", out, "--scale", "3", "--pipeline", "realesrgan"],
            ["restore", input.path, "-o", out, "--model", model.path, "--tile", "31"],
            ["restore", input.path, "-o", out, "--model", model.path, "--tile", "8193"],
            ["restore", input.path, "-o", out, "--model", model.path, "--steps", "0"],
            ["restore", input.path, "-o", out, "--model", model.path, "--overlap", "-1"],
            ["restore", input.path, "-o", out, "--model", model.path, "--max-memory", "-1"],
            ["restore", input.path, "-o", out, "--model", model.path, "--sampler", "euler"],
        ]
        for arguments in refused {
            let r = try run(arguments)
            XCTAssertFalse(r.signalled, "\(arguments)")
            XCTAssertEqual(r.status, 64, "\(arguments): \(r.stderr)")
            XCTAssertTrue(r.stderr.contains("rror"), "\(arguments): \(r.stderr)")
        }
        // At the bounds they run.
        XCTAssertEqual(try run(["degrade", "--input", root.path, "--output", out, "--copies", "1", "--crop", "8", "--jobs", "1"]).status, 0)
        let r = try run(["restore", input.path, "-o", root.appendingPathComponent("r").path, "--model", model.path, "--tile", "32", "--overlap", "8"])
        XCTAssertEqual(r.status, 0, r.stderr)
        // A tile whose estimated memory exceeds --max-memory is refused, naming a tile that fits.
        assertRefused(try run(["restore", input.path, "-o", root.appendingPathComponent("r2").path, "--model", model.path,
                               "--tile", "4096", "--max-memory", "0.05"]), status: 64, mentioning: ["--tile", "--max-memory"])
    }

    /// Random options trees, inside and outside the declared ranges: `train --check` answers each with success or a
    /// typed error (exit status 0 or 64), never a signal.
    func testRandomTrainingOptionsGiveATypedErrorOrSuccessNeverASignal() throws {
        let root = try folder()
        var random = SplitMix64(seed: 2026)
        func number() -> String {
            switch random.next() % 9 {
            case 0: return "0"
            case 1: return "-\(random.next() % 1000)"
            case 2: return "\(random.next() % 64)"
            case 3: return "\(random.next())"
            case 4: return "1e\(random.next() % 40)"
            case 5: return String(format: "%.3f", Double(random.next() % 10_000) / 1000)
            case 6: return ".nan"
            case 7: return "[\(random.next() % 5), \(random.next() % 5)]"
            default: return "x\(random.next() % 10)"
            }
        }
        let keys: [(String, [String])] = [
            ("sde", ["max_sigma", "T", "eps", "sample_T", "schedule", "prediction"]),
            ("network_G.setting", ["in_nc", "out_nc", "nf", "ch_mult", "context_dim", "scale", "use_image_context"]),
            ("datasets.train", ["patch_size", "batch_size", "scales", "clean_probability", "degradation"]),
            ("train", ["lr_G", "beta1", "beta2", "weight_decay_G", "niter", "warmup_iter", "eta_min", "ema_decay", "lr_steps",
                       "lr_gamma", "terminal_probability", "val_freq", "gradient_clip", "loss_type", "lr_scheme"]),
        ]
        var statuses: [Int32: Int] = [:]
        for index in 0..<120 {
            var blocks: [String: [String]] = [:]
            for _ in 0..<(1 + random.next() % 4) {
                let (block, names) = keys[Int(random.next() % UInt64(keys.count))]
                blocks[block, default: []].append("\(names[Int(random.next() % UInt64(names.count))]): \(number())")
            }
            var yaml = "name: fuzz\(index)\npath: { experiments: \(root.appendingPathComponent("x\(index)").path) }\n"
            var datasets = "dataroot_GT: \(Fixtures.path("images"))"
            for (block, entries) in blocks {
                switch block {
                case "datasets.train": datasets += ", " + entries.joined(separator: ", ")
                case "network_G.setting": yaml += "network_G: { setting: { \(entries.joined(separator: ", ")) } }\n"
                default: yaml += "\(block): { \(entries.joined(separator: ", ")) }\n"
                }
            }
            yaml += "datasets: { train: { \(datasets) } }\n"
            let url = root.appendingPathComponent("fuzz.yml")
            try yaml.write(to: url, atomically: true, encoding: .utf8)
            let r = try run(["train", "--check", "--config", url.path])
            XCTAssertFalse(r.signalled, "a signal for:\n\(yaml)\n\(r.stderr)")
            XCTAssertTrue(r.status == 0 || r.status == 64, "status \(r.status) for:\n\(yaml)\n\(r.stderr)")
            statuses[r.status, default: 0] += 1
        }
        XCTAssertGreaterThan(statuses[64] ?? 0, 0, "some trees are refused")
        XCTAssertGreaterThan(statuses[0] ?? 0, 0, "some trees pass")
    }
}
