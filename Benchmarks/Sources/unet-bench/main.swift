// The WildIR side of the network benchmark: the IR-SDE blocks and the wild-IR ConditionalUNet (nf 64,
// ch_mult [1, 2, 4, 8], image context 768, scale 0.5) with random weights, float32, on the engine's threads.
// Prints JSON lines for Benchmarks/compare.py. Usage: unet-bench [RUNS] | unet-bench memory SIZE
import BenchSupport
import Foundation
import Models
import WildTensor

func unet() -> ConditionalUNet { ConditionalUNet(.wildIR, seed: 1) }

func forward(_ net: ConditionalUNet, size: Int, batch: Int = 1) -> () -> Void {
    var random = TensorRandom(seed: UInt64(size))
    let x = random.normal([batch, 3, size, size]), mu = random.normal([batch, 3, size, size])
    let context = random.normal([batch, 768]), time = Tensor(shape: [batch], values: (0..<batch).map { Float(20 + $0) })
    return { _ = withNoGrad { net(x, cond: mu, time: time, imageContext: context) } }
}

let arguments = CommandLine.arguments
if arguments.count >= 3, arguments[1] == "memory", let size = Int(arguments[2]) {
    // Peak resident memory of one U-Net forward (a fresh process per measurement).
    let net = unet()
    forward(net, size: size)()
    var usage = rusage()
    #if os(Linux)
    getrusage(RUSAGE_SELF.rawValue, &usage)
    #else
    getrusage(RUSAGE_SELF, &usage)
    #endif
    print("{\"library\": \"wildir\", \"case\": \"unet_forward_\(size)_peak_rss\", \"peak_mb\": \(Double(usage.ru_maxrss) / 1024)}")
    exit(0)
}
let runs = arguments.count > 1 ? Int(arguments[1]) ?? 5 : 5
var random = TensorRandom(seed: 0)

// ResBlock 64 → 64 with the time embedding (dim 256), 128², batch 1.
do {
    var g = TensorRandom(seed: 2)
    let block = ResBlock(64, 64, timeEmbeddingDim: 256, generator: &g)
    let x = random.normal([1, 64, 128, 128]), t = random.normal([1, 256])
    report("resblock_c64_128x128", time(runs: runs) { _ = withNoGrad { block(x, time: t) } })
}
// SpatialTransformer at the deepest wild-IR level: 512 channels, 16 heads of 32, context 768, 32².
do {
    var g = TensorRandom(seed: 3)
    let layer = SpatialTransformer(channels: 512, heads: 16, headDim: 32, contextDim: 768, generator: &g)
    let x = random.normal([1, 512, 32, 32]), c = random.normal([1, 1, 768])
    report("spatial_transformer_c512_32x32", time(runs: runs) { _ = withNoGrad { layer(x, context: c) } })
}
let net = unet()
net.eval()
report("unet_forward_256x256", time(runs: runs, forward(net, size: 256)))
report("unet_forward_512x512", time(runs: max(3, runs / 2), forward(net, size: 512)))
// One training step at batch 4, 128²: forward, L1 loss, backward, AdamW.
do {
    let x = random.normal([4, 3, 128, 128]), mu = random.normal([4, 3, 128, 128]), target = random.normal([4, 3, 128, 128])
    let context = random.normal([4, 768]), time = Tensor(shape: [4], values: [5, 30, 60, 90])
    net.train()
    let optimiser = AdamW(net.namedParameters(), learningRate: 1e-4, betas: (0.9, 0.99), weightDecay: 0)
    report("unet_train_step_b4_128x128", BenchSupport.time(runs: max(3, runs / 2)) {
        let loss = (net(x, cond: mu, time: time, imageContext: context) - target).abs().mean()
        optimiser.zeroGrad()
        loss.backward()
        optimiser.step()
    })
}
