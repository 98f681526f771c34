/// Which of Winograd's minimal filtering algorithms for a 3×3 kernel ``WinogradConvolution`` runs (Lavin & Gray,
/// CVPR 2016, §4.1–4.2).
public enum WinogradTile: Sendable {
    /// F(2×2, 3×3): 16 products per 2×2 output tile, 2.25× fewer than direct convolution; rounding about 1e-6 of the
    /// output's largest value. What every unprepared convolution uses.
    case f2x2
    /// F(4×4, 3×3): 36 products per 4×4 output tile, 4× fewer than direct convolution and 44 % fewer than F(2×2);
    /// its larger transform coefficients make the rounding about ten times F(2×2)'s, so only filters prepared for it
    /// use it (``Tensor/prepareWinogradFilters(tiles:)``).
    case f4x4

    /// The side of an output tile.
    var outputSize: Int { self == .f2x2 ? 2 : 4 }
    /// Element-wise products per tile, so transformed planes per filter: (outputSize + 2)².
    var planes: Int { self == .f2x2 ? 16 : 36 }
    /// Fewest input and output channels for which it pays. F(2×2): at 64 channels it ties with oneDNN's direct
    /// convolution, at 128 it is 1.4× faster (this project's layer shapes). F(4×4) with prepared filters:
    /// `Benchmarks/README.md`.
    var minimumChannels: Int { self == .f2x2 ? 128 : 64 }
}

extension Module {
    /// Transforms once, for inference, the filters of every convolution weight that ``WinogradConvolution`` can take
    /// with each of `tiles` (``Tensor/prepareWinogradFilters(tiles:)``). For networks whose weights no longer
    /// change, such as the metric trunks.
    public func prepareWinogradFilters(tiles: [WinogradTile] = [.f2x2]) {
        for weight in parameters() { weight.prepareWinogradFilters(tiles: tiles) }
    }
}

extension Tensor {
    /// When this is a 3×3 convolution weight (OIHW) that ``WinogradConvolution`` can take with a tile of `tiles`
    /// (at least the tile's minimum of channels each way), transforms its filters for that tile once and keeps them
    /// beside it (`planes`/9 its size: 16/9 for F(2×2), 4 for F(4×4)), so that inference calls skip the transform;
    /// each call then takes the tile that suits its size (``WinogradConvolution/plan(_:activation:prepared:)``).
    /// Other tensors are left alone. A prepared weight that is modified later must be prepared again
    /// (``assign(_:)`` drops the transforms).
    public func prepareWinogradFilters(tiles: [WinogradTile] = [.f2x2]) {
        guard rank == 4, shape[2] == 3, shape[3] == 3 else { return }
        let (outputs, inputs) = (shape[0], shape[1])
        for tile in tiles where min(outputs, inputs) >= tile.minimumChannels && storage.winogradFilters[tile] == nil {
            let filters = TensorStorage(uninitializedCount: tile.planes * outputs * inputs)
            WinogradConvolution.transformFilters(storage.pointer, tile: tile, outputs: outputs, inputs: inputs, into: filters.pointer)
            storage.winogradFilters[tile] = filters
        }
    }
}
