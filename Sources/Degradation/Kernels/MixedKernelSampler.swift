/// Draws blur kernels the way DACLIP-IR's `predefined_mixed_kernel` and Real-ESRGAN's `random_mixed_kernels` do:
/// a kind chosen with fixed probabilities, its parameters drawn uniformly from published ranges, and multiplicative
/// kernel noise for the Gaussian and generalized kinds.
public struct MixedKernelSampler: Sendable, Equatable, Codable {
    /// Kernel kinds that can be drawn.
    public enum Kind: String, Sendable, Codable, CaseIterable {
        case iso, aniso, generalizedIso = "generalized_iso", generalizedAniso = "generalized_aniso"
        case plateauIso = "plateau_iso", plateauAniso = "plateau_aniso", defocus, box, line
    }

    /// Probability of each kind (normalised when drawing). DACLIP-IR's list also holds measured PSFs (0.03),
    /// whose data is not distributed under a known licence; they are left out and the rest renormalised.
    public var probabilities: [Kind: Double]
    /// σx and σy ranges (pixels).
    public var sigmaRange: ClosedRange<Double>
    /// Rotation range (radians).
    public var rotationRange: ClosedRange<Double>
    /// β ranges of the generalized Gaussian and plateau kernels (β is drawn below or above 1 with equal odds).
    public var generalizedBetaRange: ClosedRange<Double>
    public var plateauBetaRange: ClosedRange<Double>
    /// Multiplicative kernel noise range for Gaussian and generalized kernels (`nil`: none).
    public var kernelNoiseRange: ClosedRange<Double>?

    /// DACLIP-IR's `predefined_mixed_kernel` with the blur range of one phase.
    public static func daclip(sigmaRange: ClosedRange<Double>) -> MixedKernelSampler {
        MixedKernelSampler(
            probabilities: [.iso: 0.35, .aniso: 0.2, .generalizedIso: 0.1, .generalizedAniso: 0.03, .plateauIso: 0.1,
                            .plateauAniso: 0.03, .defocus: 0.1, .box: 0.03, .line: 0.03],
            sigmaRange: sigmaRange, rotationRange: -Double.pi...Double.pi,
            generalizedBetaRange: 0.5...2, plateauBetaRange: 1...1.5, kernelNoiseRange: 0.9...1.1)
    }

    /// Draws a kind and a kernel of odd `size`; returns the kernel with its record entry.
    public func draw(size: Int, random: inout DegradationRandom) throws -> (BlurKernel, DegradationRecord.Operation) {
        let kinds = Kind.allCases
        guard let index = random.choice(weights: kinds.map { probabilities[$0] ?? 0 }) else {
            throw DegradationError.invalidParameter("every kernel probability is zero")
        }
        let kind = kinds[index]
        var parameters: [String: DegradationRecord.Parameter] = ["kind": .text(kind.rawValue), "size": .number(Double(size))]
        func sigmas(isotropic: Bool) -> (Double, Double, Double) {
            let sx = random.uniform(sigmaRange.lowerBound, sigmaRange.upperBound)
            guard !isotropic else { return (sx, sx, 0) }
            let sy = random.uniform(sigmaRange.lowerBound, sigmaRange.upperBound)
            return (sx, sy, random.uniform(rotationRange.lowerBound, rotationRange.upperBound))
        }
        func beta(_ range: ClosedRange<Double>) -> Double {
            random.bernoulli(0.5) ? random.uniform(range.lowerBound, 1) : random.uniform(1, range.upperBound)
        }
        var kernel: BlurKernel
        var noisy = false
        switch kind {
        case .iso, .aniso, .generalizedIso, .generalizedAniso, .plateauIso, .plateauAniso:
            let isotropic = [.iso, .generalizedIso, .plateauIso].contains(kind)
            let (sx, sy, theta) = sigmas(isotropic: isotropic)
            var shape = GaussianKernels.Shape.gaussian
            if kind == .generalizedIso || kind == .generalizedAniso {
                let b = beta(generalizedBetaRange)
                shape = .generalized(beta: b)
                parameters["beta"] = .number(b)
            } else if kind == .plateauIso || kind == .plateauAniso {
                let b = beta(plateauBetaRange)
                shape = .plateau(beta: b)
                parameters["beta"] = .number(b)
            }
            kernel = try GaussianKernels.kernel(size: size, sigmaX: sx, sigmaY: sy, theta: theta, shape: shape)
            parameters["sigma_x"] = .number(sx)
            parameters["sigma_y"] = .number(sy)
            parameters["theta"] = .number(theta)
            noisy = !(kind == .plateauIso || kind == .plateauAniso)
        case .defocus:
            kernel = try SimpleKernels.defocus(size: size)
        case .box:
            kernel = try SimpleKernels.box(size: size)
        case .line:
            // Official: sizes above 15 shrink by 10; the angle is a valid one truncated to an integer, then snapped.
            let lineSize = size > 15 ? size - 10 : size
            let count = (lineSize / 2) * 4
            let angle = Double(Int(180 * Double(random.integer(in: 0...(count - 1))) / Double(count)))
            kernel = try LineKernel.kernel(size: lineSize, angle: angle)
            parameters["size"] = .number(Double(lineSize))
            parameters["angle"] = .number(angle)
        }
        if noisy, let range = kernelNoiseRange {
            let weights = kernel.weights.map { $0 * random.uniform(range.lowerBound, range.upperBound) }
            kernel = try BlurKernel(size: kernel.size, weights: weights).normalised
        }
        return (kernel, DegradationRecord.Operation("blur", parameters))
    }
}
