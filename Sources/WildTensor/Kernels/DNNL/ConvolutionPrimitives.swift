import CDNNL
import Foundation

/// Everything that determines a 2-D convolution primitive: the key of the primitive cache.
struct ConvolutionGeometry: Hashable, Sendable, CustomStringConvertible {
    var batch: Int
    var inChannels: Int
    var height: Int
    var width: Int
    var outChannels: Int
    var kernelH: Int
    var kernelW: Int
    var strideH: Int
    var strideW: Int
    var padTop: Int
    var padLeft: Int
    var padBottom: Int
    var padRight: Int
    var groups: Int
    var hasBias: Bool

    var outHeight: Int { (height + padTop + padBottom - kernelH) / strideH + 1 }
    var outWidth: Int { (width + padLeft + padRight - kernelW) / strideW + 1 }

    /// NCHW input and output dimensions.
    var sourceDims: [Int] { [batch, inChannels, height, width] }
    var destinationDims: [Int] { [batch, outChannels, outHeight, outWidth] }

    /// PyTorch's weight `[O, I/groups, kH, kW]`; with groups, oneDNN's `[G, O/G, I/G, kH, kW]` has the same bytes.
    var weightDims: [Int] {
        groups == 1 ? [outChannels, inChannels, kernelH, kernelW]
            : [groups, outChannels / groups, inChannels / groups, kernelH, kernelW]
    }
    var weightTag: dnnl_format_tag_t { groups == 1 ? dnnl_oihw : dnnl_goihw }

    /// Multiply–adds × 2 of the forward pass (the same count for each of the two backward passes).
    var flops: Double {
        2 * Double(batch) * Double(outChannels) * Double(outHeight * outWidth) * Double(inChannels / groups * kernelH * kernelW)
    }

    var description: String {
        "conv \(batch)×\(inChannels)×\(height)×\(width) → \(outChannels), kernel \(kernelH)×\(kernelW), stride \(strideH)×\(strideW), "
            + "padding t\(padTop) l\(padLeft) b\(padBottom) r\(padRight), groups \(groups)\(hasBias ? ", bias" : "")"
    }
}

/// An elementwise activation that a forward convolution applies to its output inside the same primitive
/// (a oneDNN post-op), saving a pass over the output. Inference only.
package enum FusedActivation: Hashable, Sendable {
    /// `max(x, 0)` (PyTorch `nn.ReLU`).
    case relu
    /// `x` for `x ≥ 0`, `negativeSlope·x` otherwise (PyTorch `nn.LeakyReLU`).
    case leakyReLU(negativeSlope: Float)
    /// `x·sigmoid(x)` (PyTorch `nn.SiLU`).
    case silu
    /// `x·Φ(x)` with the exact normal CDF (PyTorch `nn.GELU()`, approximate "none").
    case gelu
    /// `x·sigmoid(1.702·x)` (OpenAI CLIP's `QuickGELU`, HF transformers' `quick_gelu`; the activation of the CLIP
    /// text encoder of Stable Diffusion 1.x).
    case quickGELU

    /// oneDNN's algorithm and its alpha.
    var algorithm: (dnnl_alg_kind_t, Float) {
        switch self {
        case .relu: (dnnl_eltwise_relu, 0)
        case let .leakyReLU(slope): (dnnl_eltwise_relu, slope)
        case .silu: (dnnl_eltwise_swish, 1)
        case .gelu: (dnnl_eltwise_gelu_erf, 0)
        case .quickGELU: (dnnl_eltwise_swish, ActivationKernels.quickGELUSlope)  // oneDNN's swish: x·sigmoid(αx)
        }
    }
}

/// Which computation a convolution primitive performs.
enum ConvolutionPass: Hashable, Sendable {
    /// Output from input, weights and bias, optionally followed by an activation (inference only).
    case forward(FusedActivation?)
    /// Input gradient from output gradient and weights.
    case backwardData
    /// Weight (and bias) gradients from input and output gradient.
    case backwardWeights
}

/// How oneDNN computes a convolution.
enum ConvolutionAlgorithm: Sendable {
    /// Direct convolution (`dnnl_convolution_direct`).
    case direct
    /// oneDNN's choice (`dnnl_convolution_auto`): Winograd where it has a kernel for the shape, direct elsewhere.
    case automatic

    var kind: dnnl_alg_kind_t { self == .direct ? dnnl_convolution_direct : dnnl_convolution_auto }
}

/// One oneDNN convolution primitive for one geometry and pass, with the reorders between PyTorch's plain layouts
/// (NCHW, OIHW) and the blocked layouts oneDNN chose for speed.
final class ConvolutionPrimitive: @unchecked Sendable {
    /// One argument of the primitive: where the caller's plain buffer goes, and how it is reordered.
    struct Operand {
        let argument: Int32
        let plain: dnnl_memory_desc_t
        let chosen: dnnl_memory_desc_t
        /// plain → chosen for inputs, chosen → plain for outputs; nil when the layouts agree.
        let reorder: DNNL.Primitive?
        /// Floats that the chosen layout needs (blocked layouts pad channels to the block size).
        let chosenCount: Int
        let isOutput: Bool
    }

    let geometry: ConvolutionGeometry
    let pass: ConvolutionPass
    let primitive: DNNL.Primitive
    let operands: [Operand]
    /// Backward primitives keep the forward descriptor they were created from alive for their lifetime.
    private let hint: dnnl_primitive_desc_t?

    /// oneDNN's algorithm for a pass: direct convolution (what PyTorch runs) for the forward pass and the input
    /// gradient; for the weight gradient `dnnl_convolution_auto`, with which oneDNN uses Winograd F(4×4, 3×3)
    /// where it has a kernel (3×3, stride 1, AVX-512, shapes it judges worth it) and direct convolution
    /// elsewhere. Winograd's weight gradients differ from direct ones by 2e-6 to 2e-5 relative (to the largest
    /// element; measured at C = 256 and 512), far inside the 1e-3 that gradients are held to, for a backward pass
    /// that takes 15–25 % less time where it applies (`Benchmarks/results/tensor.md`).
    /// `WILDIR_CONV_ALGORITHM=direct` or `=auto` forces one algorithm for every pass (for measurements) and turns
    /// off `WinogradConvolution`, which otherwise takes the inference forward passes it pays for.
    static func algorithm(for pass: ConvolutionPass) -> ConvolutionAlgorithm {
        switch algorithmOverride {
        case "direct": .direct
        case "auto": .automatic
        default: pass == .backwardWeights ? .automatic : .direct
        }
    }

    private static let algorithmOverride = ProcessInfo.processInfo.environment["WILDIR_CONV_ALGORITHM"]

    /// The layouts the primitives work in: chosen by oneDNN (`dnnl_format_tag_any`, the default), or for
    /// measurements `WILDIR_CONV_LAYOUT=plain` (NCHW activations, OIHW weights, no reorders) or `nhwc`
    /// (channels-last activations, weights chosen by oneDNN).
    static let layout: String = ProcessInfo.processInfo.environment["WILDIR_CONV_LAYOUT"] ?? "any"

    /// Creates the primitive for `pass` on geometry `g`, with `algorithm` or else the pass's default.
    init(_ g: ConvolutionGeometry, _ pass: ConvolutionPass, algorithm: ConvolutionAlgorithm? = nil, context: DNNL.Context) throws {
        self.geometry = g
        self.pass = pass
        let algorithm = (algorithm ?? Self.algorithm(for: pass)).kind
        let what = "\(pass) \(g)"
        let chosenTag = switch Self.layout { case "plain": dnnl_nchw; case "nhwc": dnnl_nhwc; default: dnnl_format_tag_any }
        let src = try DNNL.descriptor(g.sourceDims, dnnl_nchw), srcAny = try DNNL.descriptor(g.sourceDims, chosenTag)
        let wei = try DNNL.descriptor(g.weightDims, g.weightTag)
        let weiAny = try DNNL.descriptor(g.weightDims, Self.layout == "plain" ? g.weightTag : dnnl_format_tag_any)
        let dst = try DNNL.descriptor(g.destinationDims, dnnl_nchw), dstAny = try DNNL.descriptor(g.destinationDims, chosenTag)
        let bias = try DNNL.descriptor([g.outChannels], dnnl_a)
        let strides: [Int64] = [Int64(g.strideH), Int64(g.strideW)]
        let padL: [Int64] = [Int64(g.padTop), Int64(g.padLeft)], padR: [Int64] = [Int64(g.padBottom), Int64(g.padRight)]

        /// A forward descriptor (training for backward hints, inference when an activation is fused).
        func forwardDescriptor(_ prop: dnnl_prop_kind_t, activation: FusedActivation?) throws -> dnnl_primitive_desc_t {
            var desc = dnnl_convolution_desc_t()
            var s = srcAny, w = weiAny, b = bias, d = dstAny
            let status = withUnsafePointer(to: &b) { b in
                dnnl_convolution_forward_desc_init(&desc, prop, algorithm, &s, &w, g.hasBias ? b : nil, &d, strides, padL, padR)
            }
            try DNNL.check(status, "dnnl_convolution_forward_desc_init(\(what))")
            let attr = try DNNL.attributes()
            defer { dnnl_primitive_attr_destroy(attr) }
            if let activation {
                var ops: dnnl_post_ops_t?
                try DNNL.check(dnnl_post_ops_create(&ops), "dnnl_post_ops_create")
                defer { dnnl_post_ops_destroy(ops) }
                let (alg, alpha) = activation.algorithm
                try DNNL.check(dnnl_post_ops_append_eltwise(ops, 1, alg, alpha, 0), "dnnl_post_ops_append_eltwise(\(activation))")
                try DNNL.check(dnnl_primitive_attr_set_post_ops(attr, ops), "dnnl_primitive_attr_set_post_ops")
            }
            var pd: dnnl_primitive_desc_t?
            try DNNL.check(dnnl_primitive_desc_create(&pd, &desc, attr, context.engine, nil), "dnnl_primitive_desc_create(forward \(what))")
            guard let pd else { throw TensorError.backend("dnnl_primitive_desc_create(forward \(what)) returned nothing") }
            return pd
        }

        let pd: dnnl_primitive_desc_t
        var hint: dnnl_primitive_desc_t?
        switch pass {
        case let .forward(activation):
            pd = try forwardDescriptor(activation == nil ? dnnl_forward_training : dnnl_forward_inference, activation: activation)
        case .backwardData:
            let fwd = try forwardDescriptor(dnnl_forward_training, activation: nil)
            hint = fwd
            var desc = dnnl_convolution_desc_t()
            var s = srcAny, w = weiAny, d = dstAny
            do {
                try DNNL.check(dnnl_convolution_backward_data_desc_init(&desc, algorithm, &s, &w, &d, strides, padL, padR),
                               "dnnl_convolution_backward_data_desc_init(\(what))")
                var created: dnnl_primitive_desc_t?
                let attr = try DNNL.attributes()
                defer { dnnl_primitive_attr_destroy(attr) }
                try DNNL.check(dnnl_primitive_desc_create(&created, &desc, attr, context.engine, fwd),
                               "dnnl_primitive_desc_create(\(what))")
                guard let created else { throw TensorError.backend("dnnl_primitive_desc_create(\(what)) returned nothing") }
                pd = created
            } catch {
                dnnl_primitive_desc_destroy(fwd)
                throw error
            }
        case .backwardWeights:
            let fwd = try forwardDescriptor(dnnl_forward_training, activation: nil)
            hint = fwd
            var desc = dnnl_convolution_desc_t()
            var s = srcAny, w = weiAny, b = bias, d = dstAny
            do {
                let status = withUnsafePointer(to: &b) { b in
                    dnnl_convolution_backward_weights_desc_init(&desc, algorithm, &s, &w, g.hasBias ? b : nil, &d, strides, padL, padR)
                }
                try DNNL.check(status, "dnnl_convolution_backward_weights_desc_init(\(what))")
                var created: dnnl_primitive_desc_t?
                let attr = try DNNL.attributes()
                defer { dnnl_primitive_attr_destroy(attr) }
                try DNNL.check(dnnl_primitive_desc_create(&created, &desc, attr, context.engine, fwd),
                               "dnnl_primitive_desc_create(\(what))")
                guard let created else { throw TensorError.backend("dnnl_primitive_desc_create(\(what)) returned nothing") }
                pd = created
            } catch {
                dnnl_primitive_desc_destroy(fwd)
                throw error
            }
        }
        self.hint = hint
        do {
            let primitive = try DNNL.Primitive(pd, what)
            self.primitive = primitive
            func operand(_ argument: Int32, _ plain: dnnl_memory_desc_t, _ query: dnnl_query_t?, output: Bool) throws -> Operand {
                let chosen = try query.map { try primitive.memoryDescriptor($0, "\(argument) of \(what)") } ?? plain
                var reorder: DNNL.Primitive?
                if !DNNL.equal(plain, chosen) {
                    reorder = try output
                        ? .reorder(from: chosen, to: plain, engine: context.engine, "argument \(argument) of \(what)")
                        : .reorder(from: plain, to: chosen, engine: context.engine, "argument \(argument) of \(what)")
                }
                return Operand(argument: argument, plain: plain, chosen: chosen, reorder: reorder,
                               chosenCount: (DNNL.size(chosen) + 3) / 4, isOutput: output)
            }
            var operands: [Operand] = []
            switch pass {
            case .forward:
                operands.append(try operand(DNNL_ARG_SRC, src, dnnl_query_src_md, output: false))
                operands.append(try operand(DNNL_ARG_WEIGHTS, wei, dnnl_query_weights_md, output: false))
                if g.hasBias { operands.append(try operand(DNNL_ARG_BIAS, bias, nil, output: false)) }
                operands.append(try operand(DNNL_ARG_DST, dst, dnnl_query_dst_md, output: true))
            case .backwardData:
                operands.append(try operand(DNNL_ARG_DIFF_DST, dst, dnnl_query_diff_dst_md, output: false))
                operands.append(try operand(DNNL_ARG_WEIGHTS, wei, dnnl_query_weights_md, output: false))
                operands.append(try operand(DNNL_ARG_DIFF_SRC, src, dnnl_query_diff_src_md, output: true))
            case .backwardWeights:
                operands.append(try operand(DNNL_ARG_SRC, src, dnnl_query_src_md, output: false))
                operands.append(try operand(DNNL_ARG_DIFF_DST, dst, dnnl_query_diff_dst_md, output: false))
                operands.append(try operand(DNNL_ARG_DIFF_WEIGHTS, wei, dnnl_query_diff_weights_md, output: true))
                if g.hasBias { operands.append(try operand(DNNL_ARG_DIFF_BIAS, bias, nil, output: true)) }
            }
            self.operands = operands
        } catch {
            if let hint { dnnl_primitive_desc_destroy(hint) }
            throw error
        }
    }

    deinit {
        if let hint { dnnl_primitive_desc_destroy(hint) }
    }

    /// Runs the pass on plain-layout buffers, one per operand argument (`DNNL_ARG_SRC` → NCHW input, …).
    ///
    /// Inputs in a layout other than the chosen one are reordered into pooled scratch buffers first; outputs are
    /// computed in the chosen layout and reordered into the caller's buffer.
    func run(_ buffers: [Int32: UnsafeMutablePointer<Float>], context: DNNL.Context) throws {
        try Self.run([(self, buffers)], context: context)
    }

    /// Runs several passes in order with exclusive use of the stream. An input buffer that an earlier pass already
    /// reordered into the same layout is not reordered again (the output gradient shared by the two backward
    /// passes); inputs must therefore not be outputs of an earlier step.
    static func run(_ steps: [(ConvolutionPrimitive, [Int32: UnsafeMutablePointer<Float>])], context: DNNL.Context) throws {
        try context.exclusive {
            var memories: [dnnl_memory_t] = []
            var scratch: [TensorStorage] = []
            defer {
                for memory in memories { dnnl_memory_destroy(memory) }
                withExtendedLifetime(scratch) {}
            }
            var reordered: [(buffer: UnsafeMutablePointer<Float>, layout: dnnl_memory_desc_t, memory: dnnl_memory_t)] = []
            for (step, buffers) in steps {
                var args: [dnnl_exec_arg_t] = []
                var outputs: [(DNNL.Primitive, dnnl_memory_t, dnnl_memory_t)] = []
                for op in step.operands {
                    guard let buffer = buffers[op.argument] else {
                        throw TensorError.backend("\(step.pass) \(step.geometry): no buffer for argument \(op.argument)")
                    }
                    if !op.isOutput, op.reorder != nil,
                       let done = reordered.first(where: { $0.buffer == buffer && DNNL.equal($0.layout, op.chosen) }) {
                        args.append(dnnl_exec_arg_t(arg: op.argument, memory: done.memory))
                        continue
                    }
                    let plain = try context.memory(op.plain, buffer, "argument \(op.argument)")
                    memories.append(plain)
                    guard let reorder = op.reorder else {
                        args.append(dnnl_exec_arg_t(arg: op.argument, memory: plain))
                        continue
                    }
                    let storage = TensorStorage(uninitializedCount: op.chosenCount)
                    scratch.append(storage)
                    let chosen = try context.memory(op.chosen, storage.pointer, "argument \(op.argument), chosen layout")
                    memories.append(chosen)
                    args.append(dnnl_exec_arg_t(arg: op.argument, memory: chosen))
                    if op.isOutput {
                        outputs.append((reorder, chosen, plain))
                    } else {
                        try context.execute(reorder, [dnnl_exec_arg_t(arg: DNNL_ARG_FROM, memory: plain),
                                                             dnnl_exec_arg_t(arg: DNNL_ARG_TO, memory: chosen)], "reorder")
                        reordered.append((buffer, op.chosen, chosen))
                    }
                }
                try context.execute(step.primitive, args, "\(step.pass)")
                for (reorder, from, to) in outputs {
                    try context.execute(reorder, [dnnl_exec_arg_t(arg: DNNL_ARG_FROM, memory: from),
                                                         dnnl_exec_arg_t(arg: DNNL_ARG_TO, memory: to)], "reorder")
                }
            }
        }
    }

    /// The primitive for `geometry` and `pass`, created on first use and cached (see `ConvolutionPrimitiveCache`).
    static func cached(_ geometry: ConvolutionGeometry, _ pass: ConvolutionPass) throws -> ConvolutionPrimitive {
        try ConvolutionPrimitiveCache.shared.primitive(geometry, pass)
    }
}

/// Convolution primitives by geometry and pass, so each is created (and its kernels generated) once per shape.
///
/// The cache holds at most `capacity` primitives and empties itself when full (a model has a fixed set of
/// shapes; only a stream of ever-new image sizes reaches the limit). A primitive in use when the cache empties
/// stays alive until its execution ends.
final class ConvolutionPrimitiveCache: @unchecked Sendable {
    static let shared = ConvolutionPrimitiveCache()
    static let capacity = 512

    private struct Key: Hashable {
        let geometry: ConvolutionGeometry
        let pass: ConvolutionPass
    }

    private var entries: [Key: ConvolutionPrimitive] = [:]
    private let lock = NSLock()

    func primitive(_ geometry: ConvolutionGeometry, _ pass: ConvolutionPass) throws -> ConvolutionPrimitive {
        let key = Key(geometry: geometry, pass: pass)
        lock.lock()
        defer { lock.unlock() }
        if let hit = entries[key] { return hit }
        let created = try ConvolutionPrimitive(geometry, pass, context: DNNL.context())
        if entries.count >= Self.capacity { entries.removeAll() }
        entries[key] = created
        return created
    }

    /// The cached primitive of `geometry` and `pass`, without creating one (for tests: unlike `count`, it does not
    /// depend on what other code running in the process has cached).
    func cached(_ geometry: ConvolutionGeometry, _ pass: ConvolutionPass) -> ConvolutionPrimitive? {
        lock.lock()
        defer { lock.unlock() }
        return entries[Key(geometry: geometry, pass: pass)]
    }

    /// Number of cached primitives (for tests).
    var count: Int {
        lock.lock()
        defer { lock.unlock() }
        return entries.count
    }

    /// Drops every cached primitive.
    func removeAll() {
        lock.lock()
        entries.removeAll()
        lock.unlock()
    }
}
