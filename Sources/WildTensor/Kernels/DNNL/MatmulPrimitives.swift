import CDNNL
import Foundation

/// The layout of one operand of a (batched) matrix product: its dimensions and element strides, outermost first;
/// the last two axes are the matrix (rows, columns), any before them batch axes.
struct MatrixLayout: Hashable, Sendable {
    var dims: [Int]
    var strides: [Int]

    /// A dense row-major `rows × columns` matrix (`ld` elements between rows).
    static func rowMajor(_ rows: Int, _ columns: Int, ld: Int? = nil) -> MatrixLayout {
        MatrixLayout(dims: [rows, columns], strides: [ld ?? columns, 1])
    }

    /// The transpose of a dense row-major `columns × rows` matrix stored with `ld` elements between its rows: a
    /// `rows × columns` view (PyTorch's `weight.T` of a `Linear` weight `[out, in]` is `transposed(in, out, ld: in)`).
    static func transposed(_ rows: Int, _ columns: Int, ld: Int? = nil) -> MatrixLayout {
        MatrixLayout(dims: [rows, columns], strides: [1, ld ?? rows])
    }
}

/// Everything that determines a oneDNN matmul primitive `C = scale·(A·B) (+ bias) (then activation) (+ C)`: the
/// key of the primitive cache. `A` is `[batch…, m, k]`, `B` `[batch…, k, n]`, `C` `[batch…, m, n]`, each strided.
struct MatmulGeometry: Hashable, Sendable, CustomStringConvertible {
    var a: MatrixLayout
    var b: MatrixLayout
    var c: MatrixLayout
    /// A bias of `n` values added to every row.
    var hasBias: Bool
    /// Applied to `scale·(A·B) + bias` inside the primitive (a oneDNN eltwise post-op).
    var activation: FusedActivation?
    /// `C ← C + result` instead of `C ← result` (a oneDNN sum post-op, after the activation).
    var accumulate: Bool
    /// The factor of the product (oneDNN's output scale).
    var scale: Float
    /// The element type of A and B (C and the bias stay Float32).
    var precision: MatmulPrecision = .float32

    var m: Int { a.dims[a.dims.count - 2] }
    var k: Int { a.dims[a.dims.count - 1] }
    var n: Int { b.dims[b.dims.count - 1] }
    var batch: Int { a.dims.dropLast(2).reduce(1, *) }

    var description: String {
        "matmul \(a.dims)·\(b.dims) → \(c.dims)\(hasBias ? ", bias" : "")\(activation.map { ", \($0)" } ?? "")"
            + "\(accumulate ? ", accumulate" : "")\(scale != 1 ? ", scale \(scale)" : "")\(precision == .float32 ? "" : ", \(precision)")"
    }
}

/// One oneDNN matmul primitive for one geometry. oneDNN picks its kernel from the operand layouts: the blocked
/// AVX-512/AVX2 `brgemm` kernels for dense operands (a `Linear` weight read transposed in place, without a copy),
/// its `gemm` kernels for the strided per-head views of attention. It runs on the OpenMP team of the engine.
final class MatmulPrimitive: @unchecked Sendable {
    let geometry: MatmulGeometry
    let primitive: DNNL.Primitive
    private let source: dnnl_memory_desc_t
    private let weights: dnnl_memory_desc_t
    private let bias: dnnl_memory_desc_t
    private let destination: dnnl_memory_desc_t

    init(_ g: MatmulGeometry, context: DNNL.Context) throws {
        geometry = g
        let what = g.description
        func strided(_ layout: MatrixLayout, _ type: dnnl_data_type_t = dnnl_f32) throws -> dnnl_memory_desc_t {
            var desc = dnnl_memory_desc_t()
            let dims = layout.dims.map(Int64.init), strides = layout.strides.map(Int64.init)
            try DNNL.check(dnnl_memory_desc_init_by_strides(&desc, Int32(dims.count), dims, type, strides),
                           "dnnl_memory_desc_init_by_strides(\(layout.dims), \(layout.strides))")
            return desc
        }
        let operands = g.precision == .bfloat16 ? dnnl_bf16 : dnnl_f32
        source = try strided(g.a, operands)
        weights = try strided(g.b, operands)
        destination = try strided(g.c)
        // The bias broadcasts over every axis but the last.
        bias = try DNNL.descriptor(Array(repeating: 1, count: g.c.dims.count - 1) + [g.n],
                                   g.c.dims.count == 2 ? dnnl_ab : g.c.dims.count == 3 ? dnnl_abc : dnnl_abcd)
        var desc = dnnl_matmul_desc_t()
        var s = source, w = weights, b = bias, d = destination
        let status = withUnsafePointer(to: &b) { b in dnnl_matmul_desc_init(&desc, &s, &w, g.hasBias ? b : nil, &d) }
        try DNNL.check(status, "dnnl_matmul_desc_init(\(what))")
        let attr = try DNNL.attributes()
        defer { dnnl_primitive_attr_destroy(attr) }
        if g.scale != 1 {
            var scale = g.scale
            try DNNL.check(dnnl_primitive_attr_set_output_scales(attr, 1, 0, &scale), "dnnl_primitive_attr_set_output_scales")
        }
        if g.activation != nil || g.accumulate {
            var ops: dnnl_post_ops_t?
            try DNNL.check(dnnl_post_ops_create(&ops), "dnnl_post_ops_create")
            defer { dnnl_post_ops_destroy(ops) }
            if let activation = g.activation {
                let (alg, alpha) = activation.algorithm
                try DNNL.check(dnnl_post_ops_append_eltwise(ops, 1, alg, alpha, 0), "dnnl_post_ops_append_eltwise(\(activation))")
            }
            if g.accumulate { try DNNL.check(dnnl_post_ops_append_sum(ops, 1), "dnnl_post_ops_append_sum") }
            try DNNL.check(dnnl_primitive_attr_set_post_ops(attr, ops), "dnnl_primitive_attr_set_post_ops")
        }
        var pd: dnnl_primitive_desc_t?
        try DNNL.check(dnnl_primitive_desc_create(&pd, &desc, attr, context.engine, nil), "dnnl_primitive_desc_create(\(what))")
        guard let pd else { throw TensorError.backend("dnnl_primitive_desc_create(\(what)) returned nothing") }
        primitive = try DNNL.Primitive(pd, what)
    }

    /// Runs the product on the caller's buffers (each the first element of its operand's layout; A and B of the
    /// geometry's precision).
    func run(a: UnsafeRawPointer, b: UnsafeRawPointer, bias biasValues: UnsafePointer<Float>?,
             c: UnsafeMutablePointer<Float>, context: DNNL.Context) throws {
        try context.exclusive {
            var memories: [dnnl_memory_t] = []
            defer { for memory in memories { dnnl_memory_destroy(memory) } }
            func memory(_ desc: dnnl_memory_desc_t, _ pointer: UnsafeRawPointer, _ what: String) throws -> dnnl_memory_t {
                let created = try context.memory(desc, UnsafeMutableRawPointer(mutating: pointer), what)
                memories.append(created)
                return created
            }
            var args = [
                dnnl_exec_arg_t(arg: DNNL_ARG_SRC, memory: try memory(source, a, "A")),
                dnnl_exec_arg_t(arg: DNNL_ARG_WEIGHTS, memory: try memory(weights, b, "B")),
                dnnl_exec_arg_t(arg: DNNL_ARG_DST, memory: try memory(destination, c, "C")),
            ]
            if geometry.hasBias, let biasValues {
                args.append(dnnl_exec_arg_t(arg: DNNL_ARG_BIAS, memory: try memory(bias, biasValues, "bias")))
            }
            try context.execute(primitive, args, geometry.description)
        }
    }

    /// The primitive for `geometry`, created on first use and cached.
    static func cached(_ geometry: MatmulGeometry) throws -> MatmulPrimitive {
        try MatmulPrimitiveCache.shared.primitive(geometry)
    }
}

/// Matmul primitives by geometry, so each is created (and its kernel generated) once per shape. Like the
/// convolution cache it empties itself when full: a model has a fixed set of shapes.
final class MatmulPrimitiveCache: @unchecked Sendable {
    static let shared = MatmulPrimitiveCache()
    static let capacity = 512

    private var entries: [MatmulGeometry: MatmulPrimitive] = [:]
    private let lock = NSLock()

    func primitive(_ geometry: MatmulGeometry) throws -> MatmulPrimitive {
        lock.lock()
        defer { lock.unlock() }
        if let hit = entries[geometry] { return hit }
        let created = try MatmulPrimitive(geometry, context: DNNL.context())
        if entries.count >= Self.capacity { entries.removeAll() }
        entries[geometry] = created
        return created
    }

    /// Number of cached primitives (for tests).
    var count: Int {
        lock.lock()
        defer { lock.unlock() }
        return entries.count
    }
}
