/// Index arithmetic for reading outside an image, in the conventions the references use.
public enum BorderIndex {
    /// OpenCV `BORDER_REFLECT_101`: …, 2, 1 | 0, 1, …, n−1 | n−2, … (the edge sample is not repeated).
    @inlinable public static func reflect101(_ i: Int, _ n: Int) -> Int {
        guard n > 1 else { return 0 }
        let period = 2 * n - 2
        var j = i % period
        if j < 0 { j += period }
        return j < n ? j : period - j
    }

    /// NumPy `pad(mode="symmetric")`, MATLAB `symmetric`, OpenCV `BORDER_REFLECT`: …, 1, 0 | 0, 1, …, n−1 | n−1, …
    @inlinable public static func symmetric(_ i: Int, _ n: Int) -> Int {
        let period = 2 * n
        var j = i % period
        if j < 0 { j += period }
        return j < n ? j : period - 1 - j
    }
}
