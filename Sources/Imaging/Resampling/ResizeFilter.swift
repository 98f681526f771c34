/// Resampling filters. The first four follow OpenCV `cv2.resize`; `matlabBicubic` follows MATLAB `imresize`.
public enum ResizeFilter: String, CaseIterable, Sendable {
    /// `cv2.INTER_NEAREST`: source index ⌊x · src/dst⌋ (OpenCV's legacy nearest, not half-pixel).
    case nearest
    /// `cv2.INTER_LINEAR`: half-pixel centres, border replicate, no antialiasing.
    case bilinear
    /// `cv2.INTER_CUBIC`: Keys cubic with a = −0.75, 4×4 taps, half-pixel centres, border replicate.
    case bicubic
    /// `cv2.INTER_AREA`: exact pixel-area averaging when shrinking; OpenCV's area-weighted bilinear when enlarging.
    case area
    /// MATLAB `imresize(…, 'bicubic')`: cubic a = −0.5, antialiased (kernel widened by 1/scale) when shrinking,
    /// symmetric borders — BasicSR's `imresize`, the convention of bicubic-degraded SR benchmarks.
    case matlabBicubic = "matlab-bicubic"
    /// PyTorch `F.interpolate(mode='area')`, i.e. adaptive average pooling: output i is the plain mean of source
    /// pixels ⌊i·n/m⌋ ..< ⌈(i+1)·n/m⌉ (enlarging repeats pixels, or averages two) — Real-ESRGAN's `area`.
    case adaptiveAverage = "torch-area"
}
