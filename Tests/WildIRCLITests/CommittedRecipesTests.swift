import Foundation
import TestSupport
import WildIR
import XCTest

/// Every recipe in `configs/` still loads: the model cards cite them as the commands that made their models and
/// ablations, so a renamed key or a tightened range must not leave one that no longer runs. Each file is read by the
/// command it belongs to (`daclip-*` by `wildir train-daclip`, `sspir-*` by `wildir train-sspir`, the rest by
/// `wildir train`), with its `base:` chain, defaults and range checks, as those commands read it.
final class CommittedRecipesTests: XCTestCase {
    func testEveryCommittedRecipeLoadsWithItsCommandsOptions() throws {
        let configs = Fixtures.root.deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("configs")
        let files = try FileManager.default.contentsOfDirectory(atPath: configs.path).filter { $0.hasSuffix(".yml") }.sorted()
        XCTAssertGreaterThanOrEqual(files.count, 15, "configs/ holds the committed recipes")
        XCTAssertTrue(files.contains("default.yml"))
        for file in files {
            let url = configs.appendingPathComponent(file)
            do {
                if file.hasPrefix("daclip-") {
                    _ = try DACLIPTrainingOptions(contentsOf: url)
                } else if file.hasPrefix("sspir-") {
                    _ = try SSPIRTrainingOptions(contentsOf: url)
                } else {
                    _ = try TrainingOptions(contentsOf: url)
                }
            } catch {
                XCTFail("configs/\(file) no longer loads: \(error)")
            }
        }
    }
}
