/// The size and offset rules of torchvision's `Resize` and `CenterCrop` (torchvision `transforms/functional.py`:
/// `_compute_resized_output_size`, `center_crop`), which DA-CLIP's preprocessing goes through.
enum TorchvisionGeometry {
    /// `Resize(size)` with one number: the shorter side becomes `size`, the longer `int(size · long / short)` (a
    /// double division, truncated). Returns (width, height).
    static func shorterSideResize(width: Int, height: Int, to size: Int) -> (width: Int, height: Int) {
        let (short, long) = width <= height ? (width, height) : (height, width)
        let newLong = Int((Double(size * long) / Double(short)).rounded(.towardZero))
        return width <= height ? (size, newLong) : (newLong, size)
    }

    /// `CenterCrop`'s offset along one axis: `int(round((length − crop) / 2))`, Python's `round` (half to even).
    static func centreCropOffset(length: Int, crop: Int) -> Int {
        Int((Double(length - crop) / 2).rounded(.toNearestOrEven))
    }
}
