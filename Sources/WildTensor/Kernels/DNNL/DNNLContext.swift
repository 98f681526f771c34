import CDNNL
import Foundation

/// The engine's thin layer over oneDNN's C API (v2.x): one CPU engine and stream for the process, status checks
/// that name the failing call, and memory/reorder helpers shared by the primitives built on it.
///
/// Threading: oneDNN (Debian's build) parallelises with OpenMP (libgomp), so every primitive already uses all
/// cores; its thread count is OpenMP's, set with `OMP_NUM_THREADS` before the process starts (default: one thread
/// per core). Executions are serialised on the shared stream: two convolutions from two threads would only
/// oversubscribe the cores. The exception is ``ConcurrentItems``: each of its workers runs single-threaded on a
/// stream of its own (``workerStream``), and every execution is given a scratchpad of its own (``attributes()``).
enum DNNL {
    /// A stream owned by one thread, bound for the duration of a ``ConcurrentItems`` worker.
    struct WorkerStream: @unchecked Sendable {
        let handle: dnnl_stream_t
    }

    /// The calling worker's own stream, if it has one: executions then go there, without the shared lock.
    @TaskLocal static var workerStream: WorkerStream?

    /// Throws `TensorError.backend` naming `call` when `status` is not success.
    static func check(_ status: dnnl_status_t, _ call: @autoclosure () -> String) throws {
        guard status != dnnl_success else { return }
        throw TensorError.backend("\(call()) returned \(name(of: status))")
    }

    /// Stops with the backend error of a failed call (for operations whose public API cannot throw: the
    /// failures left after argument validation are out-of-memory and library bugs).
    static func trap(_ error: Error, _ operation: String) -> Never {
        fatalError("\(operation): \(error)")
    }

    static func name(of status: dnnl_status_t) -> String {
        switch status {
        case dnnl_success: "success"
        case dnnl_out_of_memory: "out of memory"
        case dnnl_invalid_arguments: "invalid arguments"
        case dnnl_unimplemented: "unimplemented"
        case dnnl_iterator_ends: "iterator ends"
        case dnnl_runtime_error: "runtime error"
        case dnnl_not_required: "not required"
        default: "status \(status.rawValue)"
        }
    }

    /// Execution argument ids (oneDNN's `DNNL_ARG_*`), for code that does not import CDNNL.
    enum Argument {
        static let source: Int32 = DNNL_ARG_SRC
        static let weights: Int32 = DNNL_ARG_WEIGHTS
        static let bias: Int32 = DNNL_ARG_BIAS
        static let destination: Int32 = DNNL_ARG_DST
        static let sourceGradient: Int32 = DNNL_ARG_DIFF_SRC
        static let weightsGradient: Int32 = DNNL_ARG_DIFF_WEIGHTS
        static let biasGradient: Int32 = DNNL_ARG_DIFF_BIAS
        static let destinationGradient: Int32 = DNNL_ARG_DIFF_DST
    }

    /// The process-wide engine and stream, created on first use (Swift initialises `static let` once, thread-safely).
    static let sharedContext: Result<Context, TensorError> = Result { try Context() }.mapError {
        $0 as? TensorError ?? .backend("\($0)")
    }

    /// The shared context, or the error that prevented creating it.
    static func context() throws -> Context { try sharedContext.get() }

    /// A CPU engine and an in-order stream, with the lock that serialises executions on that stream.
    final class Context: @unchecked Sendable {
        let engine: dnnl_engine_t
        let stream: dnnl_stream_t
        private let lock = NSLock()

        init() throws {
            var engine: dnnl_engine_t?
            try check(dnnl_engine_create(&engine, dnnl_cpu, 0), "dnnl_engine_create(cpu, 0)")
            guard let engine else { throw TensorError.backend("dnnl_engine_create returned no engine") }
            var stream: dnnl_stream_t?
            let status = dnnl_stream_create(&stream, engine, UInt32(dnnl_stream_default_flags.rawValue))
            guard status == dnnl_success, let stream else {
                dnnl_engine_destroy(engine)
                throw TensorError.backend("dnnl_stream_create returned \(name(of: status))")
            }
            self.engine = engine
            self.stream = stream
        }

        deinit {
            dnnl_stream_destroy(stream)
            dnnl_engine_destroy(engine)
        }

        /// Runs `body` with exclusive use of the stream (a worker's own stream is exclusive already).
        func exclusive<R>(_ body: () throws -> R) rethrows -> R {
            if DNNL.workerStream != nil { return try body() }
            lock.lock()
            defer { lock.unlock() }
            return try body()
        }

        /// Executes `primitive` with `args` and waits for it (call inside `exclusive`), with a scratchpad of this
        /// call's own when the primitive needs one.
        func execute(_ primitive: Primitive, _ args: [dnnl_exec_arg_t], _ what: String) throws {
            let stream = DNNL.workerStream?.handle ?? stream
            var args = args
            var scratchpad: (storage: TensorStorage, memory: dnnl_memory_t)?
            defer { if let scratchpad { withExtendedLifetime(scratchpad.storage) { dnnl_memory_destroy(scratchpad.memory) } } }
            if let layout = primitive.scratchpad {
                let storage = TensorStorage(uninitializedCount: (DNNL.size(layout) + 3) / 4)
                scratchpad = (storage, try memory(layout, storage.pointer, "scratchpad of \(what)"))
                args.append(dnnl_exec_arg_t(arg: DNNL_ARG_SCRATCHPAD, memory: scratchpad?.memory))
            }
            try args.withUnsafeBufferPointer { buffer in
                try check(dnnl_primitive_execute(primitive.handle, stream, Int32(buffer.count), buffer.baseAddress),
                          "dnnl_primitive_execute(\(what))")
            }
            try check(dnnl_stream_wait(stream), "dnnl_stream_wait(\(what))")
        }

        /// A new in-order stream on the engine, for one worker thread (destroy it with `dnnl_stream_destroy`).
        func makeStream() throws -> dnnl_stream_t {
            var stream: dnnl_stream_t?
            try check(dnnl_stream_create(&stream, engine, UInt32(dnnl_stream_default_flags.rawValue)), "dnnl_stream_create")
            guard let stream else { throw TensorError.backend("dnnl_stream_create returned no stream") }
            return stream
        }

        /// A memory object over caller-owned `handle` (no copy; destroy it after use).
        func memory(_ descriptor: dnnl_memory_desc_t, _ handle: UnsafeMutableRawPointer, _ what: String) throws -> dnnl_memory_t {
            var desc = descriptor
            var memory: dnnl_memory_t?
            try check(dnnl_memory_create(&memory, &desc, engine, handle), "dnnl_memory_create(\(what))")
            guard let memory else { throw TensorError.backend("dnnl_memory_create(\(what)) returned no memory") }
            return memory
        }
    }

    /// A dense Float32 memory descriptor in a plain layout (`tag` such as `dnnl_nchw`), or with
    /// `dnnl_format_tag_any` to let a primitive choose.
    static func descriptor(_ dims: [Int], _ tag: dnnl_format_tag_t) throws -> dnnl_memory_desc_t {
        var desc = dnnl_memory_desc_t()
        let dims64 = dims.map(Int64.init)
        try check(dnnl_memory_desc_init_by_tag(&desc, Int32(dims.count), dims64, dnnl_f32, tag),
                  "dnnl_memory_desc_init_by_tag(\(dims), tag \(tag.rawValue))")
        return desc
    }

    /// Whether two memory descriptors describe the same layout.
    static func equal(_ a: dnnl_memory_desc_t, _ b: dnnl_memory_desc_t) -> Bool {
        var a = a, b = b
        return dnnl_memory_desc_equal(&a, &b) != 0
    }

    /// Bytes a memory descriptor needs (blocked layouts may pad channels).
    static func size(_ desc: dnnl_memory_desc_t) -> Int {
        var desc = desc
        return dnnl_memory_desc_get_size(&desc)
    }

    /// Primitive attributes (destroy with `dnnl_primitive_attr_destroy`) in which the caller provides the
    /// scratchpad (`dnnl_scratchpad_mode_user`): every execution then gets a buffer of its own
    /// (``Context/execute(_:_:_:)``), so primitives can run concurrently from several threads, as
    /// ``ConcurrentItems`` does, whatever scratchpad policy the library was built with.
    static func attributes() throws -> dnnl_primitive_attr_t {
        var attr: dnnl_primitive_attr_t?
        try check(dnnl_primitive_attr_create(&attr), "dnnl_primitive_attr_create")
        guard let attr else { throw TensorError.backend("dnnl_primitive_attr_create returned nothing") }
        do {
            try check(dnnl_primitive_attr_set_scratchpad_mode(attr, dnnl_scratchpad_mode_user), "dnnl_primitive_attr_set_scratchpad_mode")
        } catch {
            dnnl_primitive_attr_destroy(attr)
            throw error
        }
        return attr
    }

    /// Owns a primitive and its descriptor; destroys both when released.
    final class Primitive: @unchecked Sendable {
        let handle: dnnl_primitive_t
        let descriptor: dnnl_primitive_desc_t
        /// The layout of the scratchpad each execution must be given (descriptors made with ``attributes()``), or
        /// nil when the primitive needs none.
        let scratchpad: dnnl_memory_desc_t?
        /// The implementation oneDNN chose ("jit:avx512_core", "gemm:jit", …).
        let implementation: String

        /// Creates the primitive of `descriptor`, taking ownership of the descriptor.
        init(_ descriptor: dnnl_primitive_desc_t, _ what: String) throws {
            var primitive: dnnl_primitive_t?
            let status = dnnl_primitive_create(&primitive, descriptor)
            guard status == dnnl_success, let primitive else {
                dnnl_primitive_desc_destroy(descriptor)
                throw TensorError.backend("dnnl_primitive_create(\(what)) returned \(name(of: status))")
            }
            self.handle = primitive
            self.descriptor = descriptor
            let scratchpad = dnnl_primitive_desc_query_md(descriptor, dnnl_query_scratchpad_md, 0)?.pointee
            self.scratchpad = scratchpad.flatMap { DNNL.size($0) > 0 ? $0 : nil }
            var info: UnsafePointer<CChar>?
            if dnnl_primitive_desc_query(descriptor, dnnl_query_impl_info_str, 0, &info) == dnnl_success, let info {
                implementation = String(cString: info)
            } else {
                implementation = "?"
            }
        }

        deinit {
            dnnl_primitive_destroy(handle)
            dnnl_primitive_desc_destroy(descriptor)
        }

        /// The memory descriptor the primitive expects for `query` (`dnnl_query_src_md`, …).
        func memoryDescriptor(_ query: dnnl_query_t, _ what: String) throws -> dnnl_memory_desc_t {
            guard let md = dnnl_primitive_desc_query_md(descriptor, query, 0) else {
                throw TensorError.backend("dnnl_primitive_desc_query_md(\(what)) returned nothing")
            }
            return md.pointee
        }

        /// A reorder from layout `source` to layout `destination`.
        static func reorder(from source: dnnl_memory_desc_t, to destination: dnnl_memory_desc_t, engine: dnnl_engine_t,
                            _ what: String) throws -> Primitive {
            var src = source, dst = destination
            var pd: dnnl_primitive_desc_t?
            let attr = try attributes()
            defer { dnnl_primitive_attr_destroy(attr) }
            try check(dnnl_reorder_primitive_desc_create(&pd, &src, engine, &dst, engine, attr),
                      "dnnl_reorder_primitive_desc_create(\(what))")
            guard let pd else { throw TensorError.backend("dnnl_reorder_primitive_desc_create(\(what)) returned nothing") }
            return try Primitive(pd, "reorder \(what)")
        }
    }
}
