import Foundation

/// A PyTorch tensor's view of its storage (offset, size and stride in elements) turned into a C-ordered
/// ``StoredTensor``.
///
/// A view that is already C-contiguous becomes a slice of the storage's bytes (no copy). Any other view, such as
/// a transpose, a strided slice or an expanded dimension (stride 0), is gathered into new bytes; the gathered bytes
/// of all tensors together are limited by a budget (the file's size), so a few bytes of storage cannot be
/// expanded into an arbitrarily large allocation. Every element a view reaches must lie inside its storage.
struct TorchTensorLayout {
    let file: String
    /// Most dimensions accepted.
    static let maximumRank = 64

    private func bad(_ detail: String) -> CheckpointError { .malformed(file: file, detail: detail) }

    func tensor(storage: TorchStorage, offset: Int, size: [Int], stride: [Int], copyBudget: inout Int) throws -> StoredTensor {
        let view = "a tensor of size \(size), stride \(stride) at offset \(offset) in storage '\(storage.key)' (\(storage.count) elements)"
        guard size.count == stride.count, size.count <= Self.maximumRank else { throw bad("\(view) has mismatched or too many dimensions") }
        guard offset >= 0, size.allSatisfy({ $0 >= 0 }), stride.allSatisfy({ $0 >= 0 }) else {
            throw bad("\(view) has a negative size, stride or offset")
        }
        let itemSize = storage.elementType.byteCount
        var count = 1
        for n in size {
            let (product, overflow) = count.multipliedReportingOverflow(by: n)
            guard !overflow else { throw bad("\(view) has too many elements") }
            count = product
        }
        let (byteCount, overflow) = count.multipliedReportingOverflow(by: itemSize)
        guard !overflow else { throw bad("\(view) has too many bytes") }
        if count == 0 {
            guard offset <= storage.count else { throw bad("\(view) starts outside its storage") }
            return try StoredTensor(shape: size, elementType: storage.elementType, bytes: Data())
        }
        // The last element the view reaches: offset + Σ (size − 1)·stride.
        var last = offset
        for (n, s) in zip(size, stride) {
            let (step, o1) = (n - 1).multipliedReportingOverflow(by: s)
            let (sum, o2) = last.addingReportingOverflow(step)
            guard !o1, !o2 else { throw bad("\(view) reaches beyond any storage") }
            last = sum
        }
        guard last < storage.count else { throw bad("\(view) reaches element \(last), outside its storage") }

        var expected = 1
        var contiguous = true
        for (n, s) in zip(size, stride).reversed() {
            if n != 1 && s != expected { contiguous = false }
            expected *= n
        }
        if contiguous {
            let start = storage.bytes.startIndex + offset * itemSize
            return try StoredTensor(shape: size, elementType: storage.elementType, bytes: storage.bytes[start..<(start + byteCount)])
        }
        guard byteCount <= copyBudget else {
            throw bad("\(view) would expand to \(byteCount) bytes; the non-contiguous tensors of this file may not allocate more than its own size")
        }
        copyBudget -= byteCount
        let gathered: Data
        switch itemSize {
        case 1: gathered = gather(UInt8.self, storage.bytes, offset: offset, size: size, stride: stride, count: count)
        case 2: gathered = gather(UInt16.self, storage.bytes, offset: offset, size: size, stride: stride, count: count)
        case 4: gathered = gather(UInt32.self, storage.bytes, offset: offset, size: size, stride: stride, count: count)
        default: gathered = gather(UInt64.self, storage.bytes, offset: offset, size: size, stride: stride, count: count)
        }
        return try StoredTensor(shape: size, elementType: storage.elementType, bytes: gathered)
    }

    /// The `count` elements of the view, in C order (the bounds were checked by the caller; rank ≥ 1).
    private func gather<Element: FixedWidthInteger>(
        _: Element.Type, _ source: Data, offset: Int, size: [Int], stride: [Int], count: Int
    ) -> Data {
        let width = MemoryLayout<Element>.size
        var output = Data(count: count * width)
        source.withUnsafeBytes { raw in
            output.withUnsafeMutableBytes { out in
                let rank = size.count
                let inner = size[rank - 1], innerStride = stride[rank - 1]
                var index = [Int](repeating: 0, count: rank)
                var base = offset
                var written = 0
                while true {
                    var element = base
                    for _ in 0..<inner {
                        out.storeBytes(of: raw.loadUnaligned(fromByteOffset: element * width, as: Element.self),
                                       toByteOffset: written, as: Element.self)
                        written += width
                        element &+= innerStride  // past the last step it is never read
                    }
                    // Advance the outer index like an odometer (never stepping past the last element); done when
                    // it rolls over.
                    var d = rank - 2
                    while d >= 0 {
                        if index[d] + 1 < size[d] {
                            index[d] += 1
                            base += stride[d]
                            break
                        }
                        base -= stride[d] * (size[d] - 1)
                        index[d] = 0
                        d -= 1
                    }
                    if d < 0 { break }
                }
            }
        }
        return output
    }
}
