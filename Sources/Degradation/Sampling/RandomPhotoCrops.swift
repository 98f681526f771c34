import Foundation
import Imaging

/// Random square crops of a photo folder for training samplers: each draw picks a (photo, scale) pair uniformly (or
/// only the scale, for a given photo), shrinks the photo by the scale (area filter, 8 bits, decoded and shrunk once
/// and cached), a uniform position, and a horizontal mirror with probability ½ when asked for. The draws come from
/// the caller's stream in a fixed order, so a sampler that gives each sample its own stream is reproducible.
public final class RandomPhotoCrops: @unchecked Sendable {
    /// The photos, sorted by path.
    public let photos: [String]
    /// Factors in (0, 1] by which photos are shrunk before cropping.
    public let scales: [Double]
    private var cache: [Int: Image] = [:]  // by source: scale index × photos + photo
    private let lock = NSLock()

    /// Why a crop could not be drawn; messages name the folder or photo.
    public enum Failure: Error, CustomStringConvertible, Equatable {
        case unreadableFolder(String, String)
        case emptyFolder(String)
        case unreadablePhoto(String, String)
        case tooSmall(photo: String, width: Int, height: Int, scale: Double, side: Int)

        public var description: String {
            switch self {
            case let .unreadableFolder(folder, why): return "\(folder): \(why)"
            case let .emptyFolder(folder): return "\(folder) holds no images"
            case let .unreadablePhoto(photo, why): return "\(photo): \(why)"
            case let .tooSmall(photo, width, height, scale, side):
                return "\(photo) is \(width)×\(height) at scale \(scale), smaller than the crop size \(side)"
            }
        }
    }

    /// The images of `folder` (``ImageFolder``).
    /// - Throws: ``Failure`` for a missing or empty folder.
    public init(folder: String, scales: [Double]) throws {
        let listed: [String]
        do { listed = try ImageFolder.list(folder).images } catch { throw Failure.unreadableFolder(folder, "\(error)") }
        guard !listed.isEmpty else { throw Failure.emptyFolder(folder) }
        photos = listed.sorted()
        self.scales = scales.isEmpty ? [1] : scales
    }

    /// A `side`² crop of photo `photo` (drawn with the scale when nil), mirrored with probability ½ when `flip`.
    /// - Throws: ``Failure`` for an unreadable photo or one smaller than the crop at the drawn scale.
    public func crop(side: Int, photo chosen: Int?, flip: Bool, random: inout DegradationRandom) throws -> (image: Image, photo: Int) {
        let scaleIndex: Int, photo: Int
        if let chosen {
            (scaleIndex, photo) = (Int(random.next() % UInt64(scales.count)), chosen % photos.count)
        } else {
            (scaleIndex, photo) = Int(random.next() % UInt64(photos.count * scales.count)).quotientAndRemainder(dividingBy: photos.count)
        }
        let source = try self.source(photo: photo, scaleIndex: scaleIndex)
        guard source.width >= side, source.height >= side else {
            throw Failure.tooSmall(photo: photos[photo], width: source.width, height: source.height, scale: scales[scaleIndex], side: side)
        }
        let x = Int(random.next() % UInt64(source.width - side + 1)), y = Int(random.next() % UInt64(source.height - side + 1))
        var crop = try source.cropped(x: x, y: y, width: side, height: side)
        if flip, random.bernoulli(0.5) { crop = crop.applyingOrientation(.mirrored) }
        return (crop, photo)
    }

    /// Photo `photo` (RGB) shrunk by scale `scaleIndex`, decoded once.
    private func source(photo: Int, scaleIndex: Int) throws -> Image {
        let key = scaleIndex * photos.count + photo
        if let cached = lock.withLock({ cache[key] }) { return cached }
        let image: Image
        do { image = try Image(contentsOf: photos[photo]).opaqueRGB.shrunk(by: scales[scaleIndex]) } catch {
            throw Failure.unreadablePhoto(photos[photo], "\(error)")
        }
        lock.withLock { cache[key] = image }
        return image
    }
}
