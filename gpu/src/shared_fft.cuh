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
// Twiddles come from one table of exp(−2πi t / kTwiddleLength), t < 8192,
// rounded once from double precision (twiddleTable()), so every transform
// length up to 8192 takes its factors from it exactly.
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

/// The twiddles w^(r·k), r = 1..R−1, of w = exp(∓2πi/(R·p)): three table
/// reads (w^k, w^2k, w^4k, the others as products of two), for R <= 8.
template <int R, bool Inverse>
__device__ inline void passTwiddles(float2* w, int k, int step, const float2* table) {
    w[1] = twiddle<Inverse>(table, k * step);
    if constexpr (R >= 4) {
        w[2] = twiddle<Inverse>(table, 2 * k * step);
        w[3] = cmul(w[1], w[2]);
    }
    if constexpr (R == 8) {
        w[4] = twiddle<Inverse>(table, 4 * k * step);
        w[5] = cmul(w[1], w[4]);
        w[6] = cmul(w[2], w[4]);
        w[7] = cmul(w[3], w[4]);
    }
}

/// One Stockham pass of radix R over a transform of length L whose
/// sub-transforms have length p. Holds two block-wide barriers.
template <int R, int E, bool Inverse>
__device__ inline void stockhamPass(float2* smem, int offset, int stride, int L, int p, int tid,
                                    int T, const float2* table) {
    constexpr int B = E / R; // butterflies per thread
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
    const int step = kTwiddleLength / (R * p); // table stride of exp(∓2πi/(R·p))
#pragma unroll
    for (int b = 0; b < B; ++b) {
        const int i = tid + b * T;
        const int k = i & (p - 1);
        if (p > 1) {
            float2 w[R];
            passTwiddles<R, Inverse>(w, k, step, table);
#pragma unroll
            for (int r = 1; r < R; ++r)
                v[b][r] = cmul(v[b][r], w[r]);
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
