// The WildIR side of the DA-CLIP benchmark: `DACLIPModel.encodeImage(_:control: true)` of one preprocessed
// [1, 3, 224, 224] image for daclip_ViT-B-32 and daclip_ViT-L-14 with random weights, float32 and (on CPUs with
// AVX512-BF16) with the linear layers in bfloat16 (`useInferencePrecision(.bfloat16)`, cases ending in `_bf16`), on
// the engine's threads; one warm-up, then the median of RUNS. Prints JSON lines for Benchmarks/compare.py.
// Usage: daclip-bench [RUNS] [b32|l14] | daclip-bench memory b32|l14
import BenchSupport
import DACLIP
import Foundation
import WildTensor

let architectures: [(name: String, architecture: DACLIPArchitecture)] = [("vit_b32", .vitB32), ("vit_l14", .vitL14)]

/// One encoding of a fixed random image by a random-weights DA-CLIP of `architecture`.
func encoder(_ architecture: DACLIPArchitecture, precision: MatmulPrecision = .float32) throws -> () throws -> Void {
    let model = try DACLIPModel(configuration: architecture.configuration, seed: 1)
    model.eval()
    model.useInferencePrecision(precision)
    var random = TensorRandom(seed: 2)
    let image = random.normal([1, 3, 224, 224])
    return { _ = try model.encodeImage(image, control: true) }
}

let arguments = CommandLine.arguments
if arguments.count >= 3, arguments[1] == "memory" {
    guard let chosen = architectures.first(where: { $0.name.hasSuffix(arguments[2]) }) else {
        FileHandle.standardError.write(Data("daclip-bench memory: b32 or l14\n".utf8))
        exit(2)
    }
    // Peak resident memory of a process that builds the model and encodes one image.
    try encoder(chosen.architecture)()
    var usage = rusage()
    #if os(Linux)
    getrusage(RUSAGE_SELF.rawValue, &usage)
    #else
    getrusage(RUSAGE_SELF, &usage)
    #endif
    print("{\"library\": \"wildir\", \"case\": \"daclip_encode_\(chosen.name)_peak_rss\", \"peak_mb\": \(Double(usage.ru_maxrss) / 1024)}")
    exit(0)
}
let runs = arguments.count > 1 ? Int(arguments[1]) ?? 5 : 5
let only = arguments.count > 2 ? arguments[2] : nil
/// CPU time of this process (all threads) in milliseconds.
func cpuMilliseconds() -> Double {
    var spec = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &spec)
    return Double(spec.tv_sec) * 1e3 + Double(spec.tv_nsec) / 1e6
}

let precisions: [MatmulPrecision] = MatmulPrecision.bfloat16IsNative ? [.float32, .bfloat16] : [.float32]
for (name, architecture) in architectures where only.map({ name.hasSuffix($0) }) ?? true {
  for precision in precisions {
    let encode = try encoder(architecture, precision: precision)
    try encode()
    var times: [Double] = [], cpu: [Double] = []
    for _ in 0..<runs {
        let start = cpuMilliseconds()
        times.append(try milliseconds(encode))
        cpu.append(cpuMilliseconds() - start)
    }
    // cpu_ms: the CPU time of all threads (spin-waiting included), a check on a loaded machine.
    report("daclip_encode_image_control_\(name)_224\(precision == .bfloat16 ? "_bf16" : "")", times,
           extra: ["images_per_s": 1e3 / median(times), "cpu_ms": median(cpu)])
  }
}
