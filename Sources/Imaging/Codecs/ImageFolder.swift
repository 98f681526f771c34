import Foundation

/// The image files of a folder, as every folder-level workflow (evaluation, dataset generation) reads them:
/// entries sorted by name, hidden files and subfolders ignored, `.png`/`.jpg`/`.jpeg`/`.webp` kept, anything
/// else reported as skipped.
public enum ImageFolder {
    /// Why a folder could not be listed.
    public enum Failure: Error, CustomStringConvertible {
        case missing, notAFolder, unreadable

        public var description: String {
            switch self {
            case .missing: return "no such folder"
            case .notAFolder: return "is a file, not a folder of images"
            case .unreadable: return "cannot be listed"
            }
        }
    }

    /// Full paths of the image files and of the skipped files.
    public static func list(_ directory: String) throws(Failure) -> (images: [String], skipped: [String]) {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory) else { throw .missing }
        guard isDirectory.boolValue else { throw .notAFolder }
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: directory) else { throw .unreadable }
        var images: [String] = [], skipped: [String] = []
        for entry in entries.sorted() where !entry.hasPrefix(".") {
            let url = URL(fileURLWithPath: directory).appendingPathComponent(entry)
            var entryIsDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: url.path, isDirectory: &entryIsDirectory), entryIsDirectory.boolValue {
                continue
            }
            if ImageFormat(fileExtension: url.pathExtension) != nil { images.append(url.path) } else { skipped.append(url.path) }
        }
        return (images, skipped)
    }
}
