/// A dense, contiguous Float32 tensor of rank 0…5 (images are NCHW) that records the operations producing it
/// when gradients are wanted.
///
/// `Tensor` is a reference type, as in PyTorch: parameters are updated in place by optimisers and their
/// gradients accumulate in `grad`. Operations never mutate their inputs; they return new tensors.
public final class Tensor: @unchecked Sendable {
    /// Dimensions, outermost first.
    public let shape: [Int]
    /// The contiguous element buffer.
    let storage: TensorStorage
    /// Whether gradients flow to this tensor; set on leaves (parameters, inputs) by the user.
    public var requiresGrad: Bool
    /// The gradient accumulated by `backward()` into a leaf that requires it.
    public var grad: Tensor?
    /// How this tensor was computed, when recorded for autograd (nil for leaves and under `withNoGrad`).
    var gradFunction: GradientFunction?

    /// The largest rank the engine supports.
    public static let maximumRank = 5

    init(shape: [Int], storage: TensorStorage, gradFunction: GradientFunction? = nil) {
        precondition(shape.count <= Tensor.maximumRank, "Tensor: rank \(shape.count) exceeds \(Tensor.maximumRank)")
        precondition(shape.allSatisfy { $0 >= 0 }, "Tensor: negative dimension in \(shape)")
        precondition(storage.count == shape.elementCount, "Tensor: storage of \(storage.count) for shape \(shape)")
        self.shape = shape
        self.storage = storage
        self.requiresGrad = false
        self.gradFunction = gradFunction
    }

    /// A tensor with the given values in C order (`values.count` must equal the product of `shape`).
    public convenience init(shape: [Int], values: [Float], requiresGrad: Bool = false) {
        precondition(values.count == shape.elementCount, "Tensor: \(values.count) values for shape \(shape)")
        self.init(shape: shape, storage: values.withUnsafeBufferPointer { TensorStorage($0) })
        self.requiresGrad = requiresGrad
    }

    /// A tensor filled with `value`.
    public convenience init(shape: [Int], repeating value: Float, requiresGrad: Bool = false) {
        self.init(shape: shape, storage: TensorStorage(count: shape.elementCount, repeating: value))
        self.requiresGrad = requiresGrad
    }

    /// A scalar (rank-0) tensor.
    public convenience init(scalar: Float) { self.init(shape: [], values: [scalar]) }

    /// Zeros of the given shape.
    public static func zeros(_ shape: [Int]) -> Tensor { Tensor(shape: shape, repeating: 0) }
    /// Ones of the given shape.
    public static func ones(_ shape: [Int]) -> Tensor { Tensor(shape: shape, repeating: 1) }

    /// A new tensor whose contents the caller fills through `body` before anyone else sees it.
    static func filled(_ shape: [Int], _ body: (UnsafeMutableBufferPointer<Float>) -> Void) -> Tensor {
        let storage = TensorStorage(uninitializedCount: shape.elementCount)
        body(storage.buffer)
        return Tensor(shape: shape, storage: storage)
    }

    /// Number of elements.
    public var count: Int { storage.count }
    /// Number of dimensions.
    public var rank: Int { shape.count }
    /// The elements in C order (a copy).
    public var values: [Float] { Array(storage.buffer) }
    /// The single element of a one-element tensor.
    public var scalar: Float {
        precondition(count == 1, "Tensor.scalar: tensor of shape \(shape) has \(count) elements")
        return storage.pointer[0]
    }

    /// Element at a multi-index (for tests and small inspections; not a fast path).
    public subscript(_ index: Int...) -> Float {
        get { storage.pointer[flatIndex(index)] }
        set { storage.pointer[flatIndex(index)] = newValue }
    }

    private func flatIndex(_ index: [Int]) -> Int {
        precondition(index.count == rank, "Tensor subscript: \(index.count) indices for rank \(rank)")
        var flat = 0
        for (i, d) in zip(index, shape) {
            precondition(i >= 0 && i < d, "Tensor subscript: index \(index) out of bounds for \(shape)")
            flat = flat * d + i
        }
        return flat
    }

    /// Calls `body` with the elements (read-only).
    public func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<Float>) throws -> R) rethrows -> R {
        try body(UnsafeBufferPointer(storage.buffer))
    }

    /// Calls `body` with the elements for in-place modification; the tensor must not be part of a recorded graph.
    public func withUnsafeMutableBufferPointer<R>(_ body: (UnsafeMutableBufferPointer<Float>) throws -> R) rethrows -> R {
        try body(storage.buffer)
    }

    /// A copy that shares nothing and records nothing.
    public func copy() -> Tensor {
        Tensor(shape: shape, storage: TensorStorage(UnsafeBufferPointer(storage.buffer)))
    }

    /// The same values, cut from the graph (PyTorch `detach`); shares storage.
    public func detached() -> Tensor { Tensor(shape: shape, storage: storage) }

    /// Overwrites the elements with those of `other` (same element count), outside of autograd.
    public func assign(_ other: Tensor) {
        precondition(other.count == count, "Tensor.assign: \(other.shape) into \(shape)")
        storage.pointer.update(from: other.storage.pointer, count: count)
        storage.bfloat16 = nil
        storage.winogradFilters = [:]
    }

    /// Whether an operation on this tensor must be recorded.
    var isTracked: Bool { requiresGrad || gradFunction != nil }
}

extension Tensor: CustomStringConvertible {
    public var description: String {
        let preview = values.prefix(8).map { String(format: "%.5g", Double($0)) }.joined(separator: ", ")
        return "Tensor(shape: \(shape), [\(preview)\(count > 8 ? ", …" : "")])"
    }
}
