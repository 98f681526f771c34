import Foundation

/// Locations of the committed reference fixtures (written by the generators under `Tools/`).
public enum Fixtures {
    /// `Tests/Fixtures`, found relative to this source file so tests run from any working directory.
    public static let root: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()   // TestSupport
        .deletingLastPathComponent()   // Tests
        .appendingPathComponent("Fixtures")

    /// A path under `Tests/Fixtures`.
    public static func path(_ components: String...) -> String {
        components.reduce(root) { $0.appendingPathComponent($1) }.path
    }

    /// The small real photos of `Tests/Fixtures/images` (from `Tools/make_test_images.py`).
    public static var photoNames: [String] { ["astronaut", "chelsea", "coffee", "rocket", "motorcycle", "camera"] }

    /// Reads and parses a JSON fixture.
    public static func json(_ components: String...) throws -> Any {
        let url = components.reduce(root) { $0.appendingPathComponent($1) }
        return try JSONSerialization.jsonObject(with: Data(contentsOf: url))
    }
}
