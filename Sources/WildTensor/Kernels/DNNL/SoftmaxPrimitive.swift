import CDNNL
import Foundation

/// A oneDNN softmax over the last axis of a dense `[rows, length]` buffer, in place (the attention scores): oneDNN's
/// AVX-512/AVX2 kernel, where the engine's own loops are built for the baseline x86-64 vector width and measured
/// 5 % of a ViT-L-14 encoding (`Benchmarks/results/daclip.md`). Cached per shape; runs on the engine's threads.
final class SoftmaxPrimitive: @unchecked Sendable {
    let rows: Int
    let length: Int
    let primitive: DNNL.Primitive
    private let data: dnnl_memory_desc_t

    init(rows: Int, length: Int, context: DNNL.Context) throws {
        self.rows = rows
        self.length = length
        data = try DNNL.descriptor([rows, length], dnnl_ab)
        var desc = dnnl_softmax_desc_t()
        var d = data
        try DNNL.check(dnnl_softmax_forward_desc_init(&desc, dnnl_forward_inference, &d, 1),
                       "dnnl_softmax_forward_desc_init([\(rows), \(length)])")
        var pd: dnnl_primitive_desc_t?
        try DNNL.check(dnnl_primitive_desc_create(&pd, &desc, nil, context.engine, nil), "dnnl_primitive_desc_create(softmax)")
        guard let pd else { throw TensorError.backend("dnnl_primitive_desc_create(softmax) returned nothing") }
        primitive = try DNNL.Primitive(pd, "softmax [\(rows), \(length)]")
    }

    /// Replaces every row of `values` by its softmax.
    func run(_ values: UnsafeMutablePointer<Float>, context: DNNL.Context) throws {
        try context.exclusive {
            let memory = try context.memory(data, values, "softmax data")
            defer { dnnl_memory_destroy(memory) }
            try context.execute(primitive.handle, [dnnl_exec_arg_t(arg: DNNL_ARG_SRC, memory: memory),
                                                   dnnl_exec_arg_t(arg: DNNL_ARG_DST, memory: memory)], "softmax")
        }
    }

    /// Guarded by `lock`.
    nonisolated(unsafe) private static var cache: [[Int]: SoftmaxPrimitive] = [:]
    private static let lock = NSLock()

    /// The primitive for `[rows, length]`, created on first use and cached (emptied when it reaches 256 shapes).
    static func cached(rows: Int, length: Int) throws -> SoftmaxPrimitive {
        lock.lock()
        defer { lock.unlock() }
        if let hit = cache[[rows, length]] { return hit }
        let created = try SoftmaxPrimitive(rows: rows, length: length, context: DNNL.context())
        if cache.count >= 256 { cache.removeAll() }
        cache[[rows, length]] = created
        return created
    }
}
