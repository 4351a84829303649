// Shared-memory FFTs of the two-pass iteration (two_pass.cu). Device code only.
//
// A transform of length L (a power of two, 16..8192) lives in shared memory,
// element e at smem[padded(offset + e·stride)]; T = L / E threads work on it,
// each holding E elements in registers per pass. padded() inserts one unused
// value after every 16, so that the strided writes of the early passes (and
// column tiles) spread over all banks instead of a few. The passes are Stockham autosort steps of
// radix 8 (then one of radix 4 or 2 for the remaining factor): pass with
// sub-transform length p reads x[i + r·L/R], twiddles by w^(r·k), k = i mod p,
// does an R-point DFT and writes y[(i − k)·R + k + r·p], r = 0..R−1. The output
// is in natural order. Reads and writes of one pass go through the same buffer:
// every thread reads all its inputs, the block meets a barrier, then writes.
//
// Twiddles come from a table rounded once from double precision
// (fillTwiddles()): for each radix R and sub-transform length p = 8, 64, 512
// (4096 for radix 2) a contiguous run of exp(∓2πi·q·k/(R·p)), k < p, for
// q = 1 (and 2, 4 for radix 4 and 8), so that a warp's reads are coalesced;
// then exp(−2πi·k/cols), k <= cols/2, for the Hermitian steps of the rows.
#pragma once

#include "two_pass.h" // kTwiddleLength

#include <cuda_runtime.h>

namespace pf::gpu::detail {

/// The shared-memory slot of logical index x: one spare value per 16.
__device__ inline int padded(int x) { return x + (x >> 4); }
/// Values of shared memory that `count` logical values take.
inline constexpr int paddedSize(int count) { return count + (count >> 4) + 1; }

__device__ inline float2 cmul(float2 a, float2 b) {
    return make_float2(a.x * b.x - a.y * b.y, a.x * b.y + a.y * b.x);
}
__device__ inline float2 cadd(float2 a, float2 b) { return make_float2(a.x + b.x, a.y + b.y); }
__device__ inline float2 csub(float2 a, float2 b) { return make_float2(a.x - b.x, a.y - b.y); }
__device__ inline float2 conjugate(float2 a) { return make_float2(a.x, -a.y); }

/// exp(∓2πi·t/kTwiddleLength): the table's entry, conjugated for the inverse.
template <bool Inverse> __device__ inline float2 twiddle(const float2* table, int t) {
    const float2 w = __ldg(table + t);
    return Inverse ? conjugate(w) : w;
}

/// a·(∓i): multiplies by −i for the forward transform, +i for the inverse.
template <bool Inverse> __device__ inline float2 timesMinusI(float2 a) {
    return Inverse ? make_float2(-a.y, a.x) : make_float2(a.y, -a.x);
}

template <bool Inverse> __device__ inline void dft2(float2& a, float2& b) {
    const float2 t = a;
    a = cadd(t, b);
    b = csub(t, b);
}

template <bool Inverse> __device__ inline void dft4(float2& a0, float2& a1, float2& a2, float2& a3) {
    const float2 t0 = cadd(a0, a2), t1 = csub(a0, a2);
    const float2 t2 = cadd(a1, a3), t3 = timesMinusI<Inverse>(csub(a1, a3));
    a0 = cadd(t0, t2);
    a2 = csub(t0, t2);
    a1 = cadd(t1, t3);
    a3 = csub(t1, t3);
}

/// Eight points: two 4-point DFTs of the even and odd inputs, then one radix-2 step.
template <bool Inverse> __device__ inline void dft8(float2* a) {
    float2 e0 = a[0], e1 = a[2], e2 = a[4], e3 = a[6];
    float2 o0 = a[1], o1 = a[3], o2 = a[5], o3 = a[7];
    dft4<Inverse>(e0, e1, e2, e3);
    dft4<Inverse>(o0, o1, o2, o3);
    constexpr float h = 0.70710678118654752440f; // √2 / 2
    // o_k · exp(∓2πi k/8)
    o1 = Inverse ? make_float2(h * (o1.x - o1.y), h * (o1.x + o1.y))
                 : make_float2(h * (o1.x + o1.y), h * (o1.y - o1.x));
    o2 = timesMinusI<Inverse>(o2);
    o3 = Inverse ? make_float2(-h * (o3.x + o3.y), h * (o3.x - o3.y))
                 : make_float2(h * (o3.y - o3.x), -h * (o3.x + o3.y));
    a[0] = cadd(e0, o0);
    a[4] = csub(e0, o0);
    a[1] = cadd(e1, o1);
    a[5] = csub(e1, o1);
    a[2] = cadd(e2, o2);
    a[6] = csub(e2, o2);
    a[3] = cadd(e3, o3);
    a[7] = csub(e3, o3);
}

template <int R, bool Inverse> __device__ inline void dftR(float2* a) {
    if constexpr (R == 2)
        dft2<Inverse>(a[0], a[1]);
    else if constexpr (R == 4)
        dft4<Inverse>(a[0], a[1], a[2], a[3]);
    else
        dft8<Inverse>(a);
}

/// The powers of w a radix-R pass reads from the table (w^k, w^2k, w^4k).
__host__ __device__ constexpr int tablePowers(int R) { return R == 8 ? 3 : R == 4 ? 2 : 1; }

/// Where the run of radix R and sub-length p = 8^j starts in the table; runs
/// go radix 8 (j = 1..3), radix 4 (j = 1..3), radix 2 (j = 1..4). p = 0 gives
/// the end of the pass runs, where the Hermitian run starts.
__host__ __device__ constexpr int passTableOffset(int R, int p) {
    int offset = 0;
    for (int radix : {8, 4, 2}) {
        for (int q = 8; q <= (radix == 2 ? 4096 : 512); q *= 8) {
            if (radix == R && q == p)
                return offset;
            offset += tablePowers(radix) * q;
        }
    }
    return offset;
}
inline constexpr int kHermitianTableOffset = passTableOffset(0, 0);

/// The table reads of one butterfly's twiddles: w^k, w^2k, w^4k of
/// w = exp(∓2πi/(R·p)), as many as the radix needs.
template <int R, bool Inverse>
__device__ inline void loadTwiddles(float2* raw, const float2* run, int k, int p) {
    raw[0] = twiddle<Inverse>(run, k);
    if constexpr (R >= 4)
        raw[1] = twiddle<Inverse>(run, p + k);
    if constexpr (R == 8)
        raw[2] = twiddle<Inverse>(run, 2 * p + k);
}

/// Multiplies v[r] by w^(r·k), r = 1..R−1, from the reads of loadTwiddles()
/// (the powers the table does not hold as products of two).
template <int R> __device__ inline void applyTwiddles(float2* v, const float2* raw) {
    v[1] = cmul(v[1], raw[0]);
    if constexpr (R >= 4) {
        v[2] = cmul(v[2], raw[1]);
        v[3] = cmul(v[3], cmul(raw[0], raw[1]));
    }
    if constexpr (R == 8) {
        const float2 w3 = cmul(raw[0], raw[1]);
        v[4] = cmul(v[4], raw[2]);
        v[5] = cmul(v[5], cmul(raw[0], raw[2]));
        v[6] = cmul(v[6], cmul(raw[1], raw[2]));
        v[7] = cmul(v[7], cmul(w3, raw[2]));
    }
}

/// One Stockham pass of radix R over a transform of length L whose
/// sub-transforms have length p. Holds two block-wide barriers.
template <int R, int E, bool Inverse>
__device__ inline void stockhamPass(float2* smem, int offset, int stride, int L, int p, int tid,
                                    int T, const float2* table) {
    constexpr int B = E / R; // butterflies per thread
    // The twiddle reads first: they overlap the shared-memory reads and the
    // barrier. With 16 values per thread only where registers allow (the
    // radix-8 passes, two butterflies); the others read them just before use.
    constexpr int Reads = tablePowers(R);
    constexpr bool Early = E <= 8 || B <= 2;
    float2 raw[B][Reads];
    const float2* run = table + (p > 1 ? passTableOffset(R, p) : 0);
    if (Early && p > 1) {
#pragma unroll
        for (int b = 0; b < B; ++b)
            loadTwiddles<R, Inverse>(raw[b], run, (tid + b * T) & (p - 1), p);
    }
    float2 v[B][R];
    const int quarter = L / R;
#pragma unroll
    for (int b = 0; b < B; ++b) {
        const int i = tid + b * T;
#pragma unroll
        for (int r = 0; r < R; ++r)
            v[b][r] = smem[padded(offset + (i + r * quarter) * stride)];
    }
    __syncthreads();
#pragma unroll
    for (int b = 0; b < B; ++b) {
        const int i = tid + b * T;
        const int k = i & (p - 1);
        if (p > 1) {
            if constexpr (!Early)
                loadTwiddles<R, Inverse>(raw[b], run, k, p);
            applyTwiddles<R>(v[b], raw[b]);
        }
        dftR<R, Inverse>(v[b]);
        const int j = (i - k) * R + k;
#pragma unroll
        for (int r = 0; r < R; ++r)
            smem[padded(offset + (j + r * p) * stride)] = v[b][r];
    }
    __syncthreads();
}

/// The unnormalised DFT of length L (sign − forward, + inverse) in place.
/// Every thread of the block must call it with the same L (it holds barriers);
/// the caller must have made the data visible (a barrier) before.
template <int E, bool Inverse>
__device__ inline void sharedFft(float2* smem, int offset, int stride, int L, int tid, int T,
                                 const float2* table) {
    int p = 1;
    while (L / p >= 8) {
        stockhamPass<8, E, Inverse>(smem, offset, stride, L, p, tid, T, table);
        p *= 8;
    }
    if (L / p == 4)
        stockhamPass<4, E, Inverse>(smem, offset, stride, L, p, tid, T, table);
    else if (L / p == 2)
        stockhamPass<2, E, Inverse>(smem, offset, stride, L, p, tid, T, table);
}

} // namespace pf::gpu::detail
