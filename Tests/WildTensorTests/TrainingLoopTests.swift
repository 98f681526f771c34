import WildTensor
import XCTest

/// End to end: a small convolutional network fits a fixed batch with AdamW + cosine schedule.
final class TrainingLoopTests: XCTestCase {
    private final class SmallNet: Module, UnaryLayer {
        let conv1: Conv2d
        let conv2: Conv2d
        let conv3: Conv2d

        override init() {
            var g = TensorRandom(seed: 42)
            conv1 = Conv2d(3, 16, kernelSize: 3, padding: 1, generator: &g)
            conv2 = Conv2d(16, 16, kernelSize: 3, padding: 1, generator: &g)
            conv3 = Conv2d(16, 3, kernelSize: 3, padding: 1, generator: &g)
        }

        func callAsFunction(_ x: Tensor) -> Tensor { conv3(conv2(conv1(x).silu()).silu()) }
    }

    func testConvolutionalNetworkFitsAFixedBatch() {
        var random = TensorRandom(seed: 7)
        let input = random.normal([4, 3, 12, 12])
        // A target the network can represent: a fixed smooth function of the input.
        let target = (input * 0.5).sin() + input.squared() * 0.1
        let net = SmallNet()
        let optimiser = AdamW(net.namedParameters(), learningRate: 1e-2, weightDecay: 0)
        let scheduler = LearningRateScheduler(optimiser: optimiser, schedule: CosineAnnealing(tMax: 400, etaMin: 1e-4))
        var first: Float = 0, last: Float = 0
        for step in 0..<400 {
            let loss = (net(input) - target).squared().mean()
            if step == 0 { first = loss.scalar }
            last = loss.scalar
            optimiser.zeroGrad()
            loss.backward()
            optimiser.step()
            scheduler.step()
        }
        XCTAssertLessThan(last, first / 100, "loss went from \(first) to \(last)")
    }
}
