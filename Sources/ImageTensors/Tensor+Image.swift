import Imaging
import WildTensor

/// Images as tensors and back: `Image`'s planar Float32 samples are exactly an NCHW tensor's layout, so the
/// conversion is one copy each way. Kept outside the engine, which knows nothing of images.
extension Tensor {
    /// A `[1, C, H, W]` tensor holding the image's planar samples (values unchanged, normally in [0, 1]).
    public convenience init(image: Image) {
        self.init(shape: [1, image.channels, image.height, image.width], values: image.samples)
    }

    /// A `[N, C, H, W]` batch of equally sized images.
    public static func batch(_ images: [Image]) throws -> Tensor {
        guard let first = images.first else { throw TensorError.invalidShape("an empty batch of images") }
        guard images.allSatisfy({ $0.width == first.width && $0.height == first.height && $0.channels == first.channels }) else {
            throw TensorError.invalidShape("images in a batch differ in size or channel count")
        }
        return Tensor(shape: [images.count, first.channels, first.height, first.width], values: images.flatMap(\.samples))
    }

    /// Image `index` of an `[N, C, H, W]` (or `[C, H, W]`) tensor with 1–4 channels; values are copied as they are
    /// (clamp before encoding to 8 bits).
    public func image(at index: Int = 0) throws -> Image {
        let dims = rank == 3 ? [1] + shape : shape
        guard dims.count == 4, (1...4).contains(dims[1]), index >= 0, index < dims[0] else {
            throw TensorError.invalidShape("tensor \(shape) has no image \(index) with 1–4 channels")
        }
        let plane = dims[1] * dims[2] * dims[3]
        let samples = withUnsafeBufferPointer { Array($0[(index * plane)..<((index + 1) * plane)]) }
        return try Image(width: dims[3], height: dims[2], channels: dims[1], samples: samples)
    }
}
