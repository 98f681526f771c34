import Foundation
import WildIR

extension SSPIRRestoreSources {
    /// The `wildir restore` command line that restores `photo` with these networks, each path quoted for a POSIX
    /// shell when it needs it; `--vocabulary` only when the run's is not the bundled one.
    func restoreCommand(photo: String = "photo.png", prompt: String = "a description of the photo") -> String {
        var words = ["wildir", "restore", Self.quoted(photo), "--method", "sspir", "--sd", Self.quoted(stableDiffusion),
                     "--sspir", Self.quoted(sspir), "--clip-vision", Self.quoted(clipVision)]
        if vocabulary != SSPIRModelOptions().tokenizer { words += ["--vocabulary", Self.quoted(vocabulary)] }
        words += ["--prompt", "\"\(prompt)\""]
        return words.joined(separator: " ")
    }

    /// `word` as a shell reads it back: unchanged when it holds only safe characters, else in single quotes.
    static func quoted(_ word: String) -> String {
        let safe = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-./:=+,@%")
        if !word.isEmpty, word.unicodeScalars.allSatisfy(safe.contains) { return word }
        return "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
