import Foundation

/// Finds model files by name: `default` is the bundled model, anything else a path.
///
/// The bundled model (`default.safetensors`) is looked for, in order:
/// 1. next to an installed executable: `<prefix>/share/wildir/models/` for `<prefix>/bin/wildir` (`make install`);
/// 2. under `$WILDIR_HOME/models/`;
/// 3. in a checkout: `models/` in the first of the executable's parent folders that has one (a built checkout);
/// 4. `models/` under the current directory.
public struct ModelLocator: Sendable {
    /// The bundled model's file name.
    public static let defaultFileName = "default.safetensors"

    /// The running program (symbolic links resolved).
    public var executable: URL
    /// `WILDIR_HOME`, if set.
    public var home: String?
    public var currentDirectory: URL

    /// A locator for this process.
    public init() {
        // The executable's own path (/proc/self/exe on Linux), which stays right when it was found through PATH.
        let executable = Bundle.main.executableURL ?? URL(fileURLWithPath: CommandLine.arguments.first ?? "wildir")
        self.init(executable: executable.resolvingSymlinksInPath(),
                  home: ProcessInfo.processInfo.environment["WILDIR_HOME"],
                  currentDirectory: URL(fileURLWithPath: FileManager.default.currentDirectoryPath))
    }

    public init(executable: URL, home: String?, currentDirectory: URL) {
        self.executable = executable
        self.home = home
        self.currentDirectory = currentDirectory
    }

    /// The CLIP tokenizer's vocabulary, bundled under `models/` (``bundledFile(_:)``).
    public static let clipVocabulary = "clip/bpe_simple_vocab_16e6.txt.gz"

    /// Where the bundled model is looked for, in order.
    public var defaultModelCandidates: [URL] { candidates(for: Self.defaultFileName) }

    /// Where the bundled file `relativePath` (relative to `models/`) is looked for, in order: the four places of the
    /// bundled model.
    public func candidates(for relativePath: String) -> [URL] {
        let bin = executable.deletingLastPathComponent()
        var candidates = [bin.deletingLastPathComponent().appendingPathComponent("share/wildir/models/\(relativePath)")]
        if let home, !home.isEmpty {
            candidates.append(URL(fileURLWithPath: home).appendingPathComponent("models/\(relativePath)"))
        }
        var folder = bin
        for _ in 0..<6 {
            candidates.append(folder.appendingPathComponent("models/\(relativePath)"))
            folder.deleteLastPathComponent()
        }
        candidates.append(currentDirectory.appendingPathComponent("models/\(relativePath)"))
        return candidates
    }

    /// The first existing bundled file `relativePath` (relative to `models/`, such as ``clipVocabulary``).
    /// - Throws: ``RestorationError/modelNotFound(_:)`` listing the folders searched.
    public func bundledFile(_ relativePath: String) throws -> URL {
        let candidates = candidates(for: relativePath)
        if let found = candidates.first(where: { FileManager.default.fileExists(atPath: $0.path) }) { return found }
        throw RestorationError.modelNotFound(
            "the bundled file models/\(relativePath) was not found; looked in "
                + candidates.map { $0.deletingLastPathComponent().path }.joined(separator: ", ")
                + ". Set WILDIR_HOME to the WildIR checkout, or give the file's path")
    }

    /// The file `name` stands for.
    /// - Throws: ``RestorationError/modelNotFound(_:)`` listing where the bundled model was looked for, or naming
    ///   the missing path.
    public func resolve(_ name: String) throws -> URL {
        guard name == "default" else {
            guard FileManager.default.fileExists(atPath: name) else { throw RestorationError.modelNotFound("\(name): no such model file") }
            return URL(fileURLWithPath: name)
        }
        if let found = defaultModelCandidates.first(where: { FileManager.default.fileExists(atPath: $0.path) }) { return found }
        throw RestorationError.modelNotFound(
            "the bundled model (\(Self.defaultFileName)) was not found; looked in "
                + defaultModelCandidates.map { $0.deletingLastPathComponent().path }.joined(separator: ", ")
                + ". Install with `make install`, set WILDIR_HOME to the WildIR checkout, or pass --model PATH")
    }
}
