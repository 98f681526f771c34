import Checkpoints
import Foundation
import Metrics
import TestSupport
import XCTest

/// Where the learned metrics' weights are looked for, what a missing or wrong file says, and strict loading.
final class MetricWeightsLocatorTests: XCTestCase {
    /// A new empty folder, removed after the test.
    func folder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("wildir-weights-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url
    }

    func touch(_ url: URL) throws {
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data([1]).write(to: url)
    }

    func testMissingTrunkNamesTheFileEveryFolderAndWhereItComesFrom() throws {
        let root = try folder().path
        let locator = MetricWeightsLocator(environment: ["TORCH_HOME": "\(root)/torch", "XDG_CACHE_HOME": "\(root)/xdg", "HOME": "\(root)/home"])
        XCTAssertThrowsError(try locator.locate(.alexnet)) { error in
            guard case let .weightsNotFound(weights, file, searched, _)? = error as? MetricsError else { return XCTFail("\(error)") }
            XCTAssertEqual(weights, "alexnet")
            XCTAssertEqual(file, "alexnet-owt-7be5be79.pth")
            XCTAssertEqual(searched, ["\(root)/torch/hub/checkpoints ($TORCH_HOME/hub/checkpoints)",
                                      "\(root)/xdg/torch/hub/checkpoints ($XDG_CACHE_HOME/torch/hub/checkpoints)",
                                      "\(root)/home/.cache/torch/hub/checkpoints (~/.cache/torch/hub/checkpoints)"])
            let message = "\(error)"
            for text in ["the weights 'alexnet' (alexnet-owt-7be5be79.pth) were not found", "https://download.pytorch.org/models/alexnet-owt-7be5be79.pth",
                         "--weights alexnet=PATH", "torchvision"] {
                XCTAssertTrue(message.contains(text), "'\(text)' missing from: \(message)")
            }
        }
        XCTAssertThrowsError(try locator.locate(.vgg16)) {
            XCTAssertTrue("\($0)".contains("https://download.pytorch.org/models/vgg16-397923af.pth"), "\($0)")
        }
    }

    /// As `torch.hub`: `$TORCH_HOME` first, then `$XDG_CACHE_HOME/torch`, then `~/.cache/torch`; all three searched.
    func testTorchHomeComesBeforeXDGCacheHomeBeforeTheHomeFolder() throws {
        let root = try folder()
        let environment = ["TORCH_HOME": root.appendingPathComponent("torch").path, "XDG_CACHE_HOME": root.appendingPathComponent("xdg").path,
                           "HOME": root.appendingPathComponent("home").path]
        let locator = MetricWeightsLocator(environment: environment)
        let inHome = root.appendingPathComponent("home/.cache/torch/hub/checkpoints/vgg16-397923af.pth")
        let inXDG = root.appendingPathComponent("xdg/torch/hub/checkpoints/vgg16-397923af.pth")
        let inTorchHome = root.appendingPathComponent("torch/hub/checkpoints/vgg16-397923af.pth")
        try touch(inHome)
        XCTAssertEqual(try locator.locate(.vgg16).path, inHome.path)
        try touch(inXDG)
        XCTAssertEqual(try locator.locate(.vgg16).path, inXDG.path)
        try touch(inTorchHome)
        XCTAssertEqual(try locator.locate(.vgg16).path, inTorchHome.path)
        // Without the variables, only the home folder's cache; `~` in TORCH_HOME is the home folder (expanduser).
        XCTAssertEqual(MetricWeightsLocator(environment: ["HOME": environment["HOME"] ?? ""]).torchCheckpointFolders.map(\.folder.path),
                       [root.appendingPathComponent("home/.cache/torch/hub/checkpoints").path])
        XCTAssertEqual(MetricWeightsLocator(environment: ["HOME": "/h", "TORCH_HOME": "~/t"]).torchCheckpointFolders.first?.folder.path,
                       "/h/t/hub/checkpoints")
    }

    /// `--weights NAME=PATH` wins over the caches, and a wrong path is an error rather than a silent fallback.
    func testAnExplicitPathWinsAndMustExist() throws {
        let root = try folder()
        let cached = root.appendingPathComponent("torch/hub/checkpoints/alexnet-owt-7be5be79.pth")
        let given = root.appendingPathComponent("elsewhere/my-alexnet.pth")
        try touch(cached)
        try touch(given)
        let environment = ["TORCH_HOME": root.appendingPathComponent("torch").path, "HOME": root.path]
        XCTAssertEqual(try MetricWeightsLocator(overrides: [.alexnet: given.path], environment: environment).locate(.alexnet).path, given.path)
        XCTAssertEqual(try MetricWeightsLocator(environment: environment).locate(.alexnet).path, cached.path)
        let missing = root.appendingPathComponent("nowhere.pth").path
        XCTAssertThrowsError(try MetricWeightsLocator(overrides: [.alexnet: missing], environment: environment).locate(.alexnet)) {
            XCTAssertTrue("\($0)".contains("\(missing) (--weights alexnet=…): no such file"), "\($0)")
        }
    }

    func testBundledLayersAreFoundInModelsMetricsOrExplained() throws {
        let locator = MetricWeightsLocator(environment: [:], bundledFolders: [try folder(), RandomTrunk.modelsFolder])
        for weights in [MetricWeights.lpipsAlex, .lpipsVGG, .dists] {
            XCTAssertEqual(try locator.locate(weights).lastPathComponent, weights.fileName)
        }
        let empty = try folder()
        XCTAssertThrowsError(try MetricWeightsLocator(environment: [:], bundledFolders: [empty]).locate(.dists)) {
            let message = "\($0)"
            XCTAssertTrue(message.contains("\(empty.appendingPathComponent("metrics").path) (WildIR models/metrics)"), message)
            XCTAssertTrue(message.contains("WILDIR_HOME") && message.contains("--weights dists=PATH"), message)
        }
    }

    func testUnknownWeightsNamesListTheKnownOnes() {
        XCTAssertEqual(try MetricWeights.named("VGG16"), .vgg16)
        XCTAssertThrowsError(try MetricWeights.named("resnet50")) {
            XCTAssertEqual("\($0)", "unknown weights name 'resnet50'; known: alexnet, vgg16, lpips-alex, lpips-vgg, dists, fid-inception")
        }
    }

    /// torchvision's classifier is ignored; missing, unknown and misshapen `features` tensors are all listed.
    func testTrunkFilesAreCheckedStrictly() throws {
        var tensors = RandomTrunk.tensors(.alexnet).filter { $0.name != "features.10.bias" }
        tensors[0] = ("features.0.weight", [64, 3, 5, 5], [Float](repeating: 0, count: 64 * 75))
        tensors.append(("net.slice1.0.weight", [1], [0]))
        tensors.append(("classifier.1.bias", [2], [0, 0]))
        let url = try folder().appendingPathComponent("alexnet-owt-7be5be79.pth")
        try TorchSaveWriter.write(tensors, to: url)
        XCTAssertThrowsError(try FeatureTrunk(.alexnet, contentsOf: url)) { error in
            XCTAssertEqual(error as? MetricsError, .weightsMismatch(
                file: url.path, weights: "torchvision AlexNet (alexnet-owt-7be5be79.pth)", missing: ["features.10.bias"],
                unexpected: ["net.slice1.0.weight"], wrongShape: ["features.0.weight (expected [64, 3, 11, 11], file has [64, 3, 5, 5])"]))
            XCTAssertEqual("\(error)", "\(url.path): not the weights of torchvision AlexNet (alexnet-owt-7be5be79.pth): missing features.10.bias; "
                + "unexpected net.slice1.0.weight; wrong shape: features.0.weight (expected [64, 3, 11, 11], file has [64, 3, 5, 5])")
        }
        // The VGG16 file given for AlexNet: every key is wrong somewhere, and the message says which network was expected.
        let vgg = try RandomTrunk.writeCheckpoint(.vgg16, into: try folder())
        XCTAssertThrowsError(try FeatureTrunk(.alexnet, contentsOf: vgg)) { XCTAssertTrue("\($0)".contains("not the weights of torchvision AlexNet"), "\($0)") }
    }

    func testNonFiniteOrUnreadableWeightsAreRefused() throws {
        var tensors = RandomTrunk.tensors(.alexnet)
        tensors[3].values[0] = .nan
        let url = try folder().appendingPathComponent("nan.pth")
        try TorchSaveWriter.write(tensors, to: url)
        XCTAssertThrowsError(try FeatureTrunk(.alexnet, contentsOf: url)) {
            XCTAssertEqual($0 as? MetricsError, .unreadableWeights(file: url.path, reason: "features.3.bias holds NaN or infinite values"))
        }
        let text = try folder().appendingPathComponent("notes.pth")
        try Data("not weights".utf8).write(to: text)
        XCTAssertThrowsError(try FeatureTrunk(.alexnet, contentsOf: text)) {
            XCTAssertTrue("\($0)".contains("cannot use these weights") && "\($0)".contains("neither safetensors nor a PyTorch checkpoint"), "\($0)")
        }
    }

    /// The heads of the other network (or DISTS's weights) are refused by shape and name.
    func testLinearHeadsAndDISTSWeightsAreCheckedStrictly() throws {
        let vggHeads = try LearnedMetricsParityTests.bundled(.lpipsVGG)
        let alex = try LearnedMetricsParityTests.trunk(.alexnet)
        XCTAssertThrowsError(try LPIPS(network: .alex, trunk: alex, heads: vggHeads.state, file: vggHeads.file)) {
            XCTAssertTrue("\($0)".contains("wrong shape: lin1.model.1.weight (expected [1, 192, 1, 1], file has [1, 128, 1, 1])"), "\($0)")
        }
        let dists = try LearnedMetricsParityTests.bundled(.dists)
        XCTAssertThrowsError(try LPIPS(network: .alex, trunk: alex, heads: dists.state, file: dists.file)) {
            XCTAssertTrue("\($0)".contains("missing lin0.model.1.weight") && "\($0)".contains("unexpected alpha, beta"), "\($0)")
        }
        XCTAssertThrowsError(try DISTS(trunk: alex, weights: dists.state, file: dists.file)) {
            XCTAssertTrue("\($0)".contains("DISTS needs the VGG16 trunk"), "\($0)")
        }
    }
}
