// Times WildIR's image I/O, resizing and metrics on one photograph and prints JSON lines
// {"library": "wildir", "case": ..., "median_ms": ..., "runs_ms": [...]} for Benchmarks/compare.py.
// The same cases, with the same inputs, are timed for OpenCV and Pillow by Benchmarks/imaging_reference.py.
import BenchSupport
import Foundation
import Imaging
import Metrics

let arguments = CommandLine.arguments
guard arguments.count >= 2 else {
    FileHandle.standardError.write(Data("usage: imaging-bench PHOTO.jpg [RUNS]\n".utf8))
    exit(2)
}
let runs = arguments.count >= 3 ? Int(arguments[2]) ?? 7 : 7
do {
    let jpegBytes = try ImageCodec.readFile(arguments[1])
    let photo = try ImageCodec.decode(jpegBytes)
    let pngBytes = try ImageCodec.encode(photo, as: .png)
    let jpeg95 = try ImageCodec.encode(photo, as: .jpeg, options: EncodeOptions(jpegQuality: 95))
    let half = (photo.width / 2, photo.height / 2)

    report("jpeg_decode", try time(runs: runs) { _ = try ImageCodec.decode(jpeg95) })
    report("jpeg_encode_q95", try time(runs: runs) { _ = try ImageCodec.encode(photo, as: .jpeg) })
    report("png_decode", try time(runs: runs) { _ = try ImageCodec.decode(pngBytes) })
    report("png_encode", try time(runs: runs) { _ = try ImageCodec.encode(photo, as: .png) })
    for filter in [ResizeFilter.bilinear, .bicubic, .area, .matlabBicubic] {
        report("resize_half_\(filter.rawValue)", try time(runs: runs) {
            _ = try photo.resized(width: half.0, height: half.1, filter: filter)
        })
    }
    report("resize_double_bicubic", try time(runs: runs) {
        _ = try photo.resized(width: photo.width * 2, height: photo.height * 2, filter: .bicubic)
    })
    // Full-reference metrics on the photo against its JPEG (quality 30) version, RGB.
    let degraded = try ImageCodec.decode(try ImageCodec.encode(photo, as: .jpeg, options: EncodeOptions(jpegQuality: 30)))
    report("psnr_rgb", try time(runs: runs) { _ = try PSNR().evaluate(restored: degraded, reference: photo) })
    report("ssim_rgb", try time(runs: runs) { _ = try SSIM().evaluate(restored: degraded, reference: photo) })
} catch {
    FileHandle.standardError.write(Data("imaging-bench: \(error)\n".utf8))
    exit(1)
}
