// Shared-memory FFTs of the two-pass iteration (two_pass.cu). Device code only.
//
// A transform of length L (a power of two, 16..8192) is spread over T = L / E
// threads, thread tid holding v[s] = x[tid + s·T], s < E, in registers, on
// entry and on return (registerFft()). The passes are Stockham autosort steps
// of radix 8 (then one of radix 4 or 2 for the remaining factor): the pass
// with sub-transform length p reads x[i + r·L/R], twiddles by w^(r·k),
// k = i mod p, does an R-point DFT and writes y[(i − k)·R + k + r·p],
// r = 0..R−1; the output is in natural order. A thread's butterflies
// i = tid + b·T read exactly its values, whatever the radix, so a pass runs
// on registers, and only the step between two passes goes through shared
// memory (element e at smem[padded(offset + e·stride)]): the first pass takes
// the caller's values and the last hands them back, with no shared-memory
// round trip at either end. padded() inserts one unused value after every 16,
// so that the strided writes of the early passes (and of column tiles) spread
// over all banks instead of a few.
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

/// The twiddle reads of one radix-R pass with sub-transform length P > 1:
/// for each of the thread's E / R butterflies, the table entries that
/// applyTwiddles() multiplies out. Read before the exchange that precedes the
/// pass, so that they are in flight during its barrier.
template <int R, int E> struct PassTwiddles {
    float2 raw[E / R][tablePowers(R)];
};

template <int R, int E, int P, bool Inverse>
__device__ inline PassTwiddles<R, E> loadPassTwiddles(int tid, int T, const float2* table) {
    PassTwiddles<R, E> t;
    const float2* run = table + passTableOffset(R, P);
#pragma unroll
    for (int b = 0; b < E / R; ++b)
        loadTwiddles<R, Inverse>(t.raw[b], run, (tid + b * T) & (P - 1), P);
    return t;
}

/// One Stockham pass of radix R on the thread's values in registers.
/// v[b + r·B] (B = E / R) is input r of butterfly i = tid + b·T, that is
/// x[i + r·L/R] = x[tid + (b + r·B)·T]; the outputs replace the inputs.
template <int R, int E, bool Inverse>
__device__ inline void radixPass(float2 (&v)[E], const PassTwiddles<R, E>* twiddles) {
    constexpr int B = E / R;
#pragma unroll
    for (int b = 0; b < B; ++b) {
        float2 a[R];
#pragma unroll
        for (int r = 0; r < R; ++r)
            a[r] = v[b + r * B];
        if (twiddles)
            applyTwiddles<R>(a, twiddles->raw[b]);
        dftR<R, Inverse>(a);
#pragma unroll
        for (int r = 0; r < R; ++r)
            v[b + r * B] = a[r];
    }
}

/// Between two passes, through shared memory (element e at
/// smem[padded(offset + e·stride)]): stores the outputs of a radix-8 pass of
/// sub-length Q where Stockham puts them, y[(i − k)·8 + k + r·Q] for
/// butterfly i = tid + b·T, k = i mod Q; then loads v[s] = y[tid + s·T], the
/// next pass's inputs. The barrier after the loads lets the block write the
/// shared memory again.
template <int E, int T, int Q>
__device__ inline void exchange(float2 (&v)[E], float2* smem, int offset, int stride, int tid) {
    constexpr int B = E / 8;
#pragma unroll
    for (int b = 0; b < B; ++b) {
        const int i = tid + b * T, k = i & (Q - 1), j = (i - k) * 8 + k;
#pragma unroll
        for (int r = 0; r < 8; ++r)
            smem[padded(offset + (j + r * Q) * stride)] = v[b + r * B];
    }
    __syncthreads();
#pragma unroll
    for (int s = 0; s < E; ++s)
        v[s] = smem[padded(offset + (tid + s * T) * stride)];
    __syncthreads();
}

/// The passes of registerFft() from the one with sub-transform length P on.
template <int E, bool Inverse, int L, int P>
__device__ inline void fftPasses(float2 (&v)[E], float2* smem, int offset, int stride, int tid,
                                 const float2* table) {
    constexpr int R = L / P >= 8 ? 8 : L / P, T = L / E;
    if constexpr (P == 1) {
        radixPass<8, E, Inverse>(v, nullptr);
    } else {
        const PassTwiddles<R, E> t = loadPassTwiddles<R, E, P, Inverse>(tid, T, table);
        exchange<E, T, P / 8>(v, smem, offset, stride, tid);
        radixPass<R, E, Inverse>(v, &t);
    }
    if constexpr (P * R < L)
        fftPasses<E, Inverse, L, P * R>(v, smem, offset, stride, tid, table);
}

/// The unnormalised DFT of length L (sign − forward, + inverse) of values
/// spread over T = L / E threads: on entry v[s] = x[tid + s·T], on return
/// v[s] = X[tid + s·T]. Radix-8 passes, then one of radix 4 or 2 for the rest;
/// the values stay in registers within a pass and move through shared memory
/// (offset, stride as exchange()) between passes. Every thread of the block
/// calls it with the same L (it holds barriers); the shared memory is free to
/// write on entry and on return. L is a template argument, so that every
/// index but tid's part is a constant.
template <int E, bool Inverse, int L>
__device__ inline void registerFft(float2 (&v)[E], float2* smem, int offset, int stride, int tid,
                                   const float2* table) {
    static_assert(E % 8 == 0 && L % E == 0 && L >= 8, "a radix-8 pass needs 8 values per thread");
    fftPasses<E, Inverse, L, 1>(v, smem, offset, stride, tid, table);
}

/// A transform length as a type, for dispatch on a runtime length.
template <int N> struct Length {
    static constexpr int value = N;
};

/// Calls f(Length<n>{}) for n, a power of two in 32..Max (the callers check
/// shapes on the host: twoPassShape()); does nothing for other n.
template <int Max, class F> __device__ __forceinline__ void withLength(int n, F&& f) {
    switch (n) {
    case 32: if constexpr (Max >= 32) f(Length<32>{}); break;
    case 64: if constexpr (Max >= 64) f(Length<64>{}); break;
    case 128: if constexpr (Max >= 128) f(Length<128>{}); break;
    case 256: if constexpr (Max >= 256) f(Length<256>{}); break;
    case 512: if constexpr (Max >= 512) f(Length<512>{}); break;
    case 1024: if constexpr (Max >= 1024) f(Length<1024>{}); break;
    case 2048: if constexpr (Max >= 2048) f(Length<2048>{}); break;
    case 4096: if constexpr (Max >= 4096) f(Length<4096>{}); break;
    case 8192: if constexpr (Max >= 8192) f(Length<8192>{}); break;
    default: break;
    }
}

} // namespace pf::gpu::detail
