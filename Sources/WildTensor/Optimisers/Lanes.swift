#if canImport(_Builtin_intrinsics.intel)
import _Builtin_intrinsics.intel
#endif

/// Four-lane Float32 helpers for the optimiser loops.
///
/// `Float.squareRoot()` compiles to a call of the C library's `sqrtf` on Linux (which may set `errno`), and that
/// call keeps the compiler from vectorising a loop; on x86-64 the SSE instruction is used directly. Both are
/// correctly rounded, so the lanes and the scalar tail agree bit for bit.
enum Lanes {
    @inline(__always)
    static func load(_ pointer: UnsafeMutablePointer<Float>) -> SIMD4<Float> {
        UnsafeRawPointer(pointer).loadUnaligned(as: SIMD4<Float>.self)
    }

    @inline(__always)
    static func store(_ value: SIMD4<Float>, _ pointer: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(pointer).storeBytes(of: value, as: SIMD4<Float>.self)
    }

    @inline(__always)
    static func squareRoot(_ x: SIMD4<Float>) -> SIMD4<Float> {
        #if canImport(_Builtin_intrinsics.intel)
        return _mm_sqrt_ps(x)
        #else
        return SIMD4(x[0].squareRoot(), x[1].squareRoot(), x[2].squareRoot(), x[3].squareRoot())
        #endif
    }
}
