import Foundation

/// Writes a line to standard error (every command reports problems there, results on standard output).
func printError(_ message: String) {
    FileHandle.standardError.write(Data((message + "\n").utf8))
}
