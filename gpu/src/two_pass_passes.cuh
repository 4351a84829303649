// The bodies of the two-pass row and column passes (two_pass.h), shared by
// their one-launch-per-pass kernels (two_pass.cu) and the persistent kernel
// that loops both passes in one launch (persistent.cu). Device code only.
//
// Each body handles one work item, a row block or a column tile of one image,
// named by its arguments instead of blockIdx, so that a persistent block can
// take several items in turn. A caller that runs two items in a row on one
// block must put a block barrier between them (the shared memory is reused).
#pragma once

#include "reduce.cuh"
#include "rules.cuh"
#include "shared_fft.cuh"
#include "two_pass.h"

namespace pf::gpu::detail {

/// Elements each thread holds per FFT pass: T = L / kPerThread threads per
/// transform. Eight keep a pass (8 values, 3 twiddle reads) within 64
/// registers, so blocks of up to 1024 threads run without spilling.
constexpr int kPerThread = 8;

/// exp(+2πi·k/cols) for 0 <= k <= cols/2, from the table's Hermitian run.
__device__ inline float2 halfTwiddle(const float2* table, int k) {
    return conjugate(__ldg(table + kHermitianTableOffset + k));
}

/// exp(+2πi·(M−k)/cols) = −conj(exp(+2πi·k/cols)), M = cols/2: exact.
__device__ inline float2 mirrorTwiddle(float2 w) { return make_float2(-w.x, w.y); }

/// exp(+2πi·k/cols) for 0 <= k <= cols/2 = M: read from the table for
/// k <= M/2, mirrored above, so that k and M−k use the same entry.
__device__ inline float2 hermitianTwiddle(const float2* table, int k, int M) {
    return k <= M / 2 ? halfTwiddle(table, k) : mirrorTwiddle(halfTwiddle(table, M - k));
}

/// One row block of a row pass with M = cols/2 (rowPass() below picks M).
///
/// Thread tid of a row holds v[s] for index k = tid + s·T (T = M / kPerThread)
/// throughout: the spectrum's X[k] and Z[k], the pixel pair m = k of g'.
/// Prefetch issues the rule's reads (g, the support) with the spectrum's, so
/// that they arrive during the inverse FFT: for the persistent kernel, whose
/// register budget holds them; the per-pass kernels (64 registers) read them
/// after the FFT, in two halves.
template <Rule R, int M, bool Prefetch>
__device__ __forceinline__ void rowPassFixed(const RowPassParams& p, RowMode mode, bool writeG,
                                             double* sums, int blockX, int imageIndex) {
    extern __shared__ float2 shared[];
    constexpr int T = M / kPerThread;
    const int local = threadIdx.x / T, tid = threadIdx.x % T;
    const int row = blockX * p.rowsPerBlock + local;
    const long long image = imageIndex;
    const long long n = (long long)p.rows * p.cols;
    const long long pixel0 = image * n + (long long)row * p.cols; // first pixel of the row
    float2* X = p.spectrum + (image * p.rows + row) * (long long)p.pitch;
    const int base = local * (M + 1); // this row's shared memory: shared[padded(base + k)]
    float2 v[kPerThread];
    // The rule's inputs of pixel pair m = tid + s·T.
    auto readG = [&](int m) {
        return ruleReadsG(R) ? reinterpret_cast<const float2*>(p.g + pixel0)[m] : make_float2(0.0f, 0.0f);
    };
    auto readInside = [&](int m) {
        return p.support ? reinterpret_cast<const uchar2*>(p.support + pixel0)[m] : make_uchar2(1, 1);
    };
    float2 gAhead[Prefetch ? kPerThread : 1];
    uchar2 insideAhead[Prefetch ? kPerThread : 1];
    if constexpr (Prefetch) {
        if (mode == RowMode::IterateFromHalf || mode == RowMode::IterateFromReal) {
#pragma unroll
            for (int s = 0; s < kPerThread; ++s) {
                gAhead[s] = readG(tid + s * T);
                insideAhead[s] = readInside(tid + s * T);
            }
        }
    }

    if (mode == RowMode::IterateFromHalf || mode == RowMode::C2rOnly) {
        // The Hermitian pre-step, on the loads: Z[k] = (A + B) + i(A − B)·exp(2πik/cols)
        // with A = X[k], B = conj(X[M−k]); z = IFFT_M(Z) then holds g'[2m] + i·g'[2m+1].
        // Only the real parts of X[0] and X[M] count (C2R's Re), which makes
        // Z[0] = (X[0] + X[M], X[0] − X[M]). X[M−k] is another thread's X[k]:
        // read twice, from the caches the second time.
        float2 mirror[kPerThread];
#pragma unroll
        for (int s = 0; s < kPerThread; ++s) {
            const int k = tid + s * T;
            v[s] = X[k];
            mirror[s] = X[M - k];
        }
#pragma unroll
        for (int s = 0; s < kPerThread; ++s) {
            const int k = tid + s * T;
            float2 A = v[s], B = conjugate(mirror[s]);
            if (k == 0)
                A.y = B.y = 0.0f;
            const float2 d = cmul(csub(A, B), hermitianTwiddle(p.twiddles, k, M));
            v[s] = make_float2(A.x + B.x - d.y, A.y + B.y + d.x);
        }
        registerFft<kPerThread, true, M>(v, shared, base, 1, tid, p.twiddles);
        if (mode == RowMode::C2rOnly) {
            float2* out = reinterpret_cast<float2*>(p.realOut + pixel0);
#pragma unroll
            for (int s = 0; s < kPerThread; ++s)
                out[tid + s * T] = v[s];
            return;
        }
    } else {
        // Real input, two pixels per complex value.
        const float2* in = reinterpret_cast<const float2*>(p.realIn + pixel0);
#pragma unroll
        for (int s = 0; s < kPerThread; ++s)
            v[s] = in[tid + s * T];
    }

    if (mode != RowMode::R2cOnly) {
        // The real-space rule on pixels 2m and 2m+1, exactly as kernels.cu.
        double violation = 0, output = 0;
        const float beta = betaValue(p.beta, 1.0f);
        // Two halves of kPerThread / 2 values: the reads of each half in
        // flight together, without holding all of them in registers.
#pragma unroll
        for (int h = 0; h < 2; ++h) {
            constexpr int Half = kPerThread / 2;
            float2 gi[Half];
            uchar2 inside[Half];
#pragma unroll
            for (int j = 0; j < Half; ++j) {
                const int s = h * Half + j;
                if constexpr (Prefetch) {
                    gi[j] = gAhead[s];
                    inside[j] = insideAhead[s];
                } else {
                    gi[j] = readG(tid + s * T);
                    inside[j] = readInside(tid + s * T);
                }
            }
#pragma unroll
            for (int j = 0; j < Half; ++j) {
                const int s = h * Half + j, m = tid + s * T;
                const float2 gp = v[s];
                const bool bad0 = violates<R>(gi[j].x, gp.x, inside[j].x != 0);
                const bool bad1 = violates<R>(gi[j].y, gp.y, inside[j].y != 0);
                const float2 next = make_float2(ruleValue<R>(gi[j].x, gp.x, bad0, beta),
                                                ruleValue<R>(gi[j].y, gp.y, bad1, beta));
                if (writeG)
                    reinterpret_cast<float2*>(p.g + pixel0)[m] = next;
                if (sums) {
                    const double e0 = double(gp.x) * double(gp.x), e1 = double(gp.y) * double(gp.y);
                    output += e0 + e1;
                    violation += (bad0 ? e0 : 0.0) + (bad1 ? e1 : 0.0);
                }
                v[s] = next;
            }
        }
        if (sums) {
            blockSumAtomicAdd(violation, sums + 2 * image);
            blockSumAtomicAdd(output, sums + 2 * image + 1);
        }
    }
    registerFft<kPerThread, false, M>(v, shared, base, 1, tid, p.twiddles);
    // The Hermitian post-step: with a = Z[k], b = conj(Z[M−k]),
    // Y[k] = (a + b)/2 − i(a − b)/2 · exp(−2πik/cols); Y[0], Y[M] from Z[0].
    // Z[M−k] is another thread's: one more step through shared memory.
#pragma unroll
    for (int s = 0; s < kPerThread; ++s)
        shared[padded(base + tid + s * T)] = v[s];
    __syncthreads();
#pragma unroll
    for (int s = 0; s < kPerThread; ++s) {
        const int k = tid + s * T;
        if (k == 0) {
            X[0] = make_float2(v[s].x + v[s].y, 0.0f);
            X[M] = make_float2(v[s].x - v[s].y, 0.0f);
            continue;
        }
        const float2 a = v[s], b = conjugate(shared[padded(base + M - k)]);
        const float2 sum = cadd(a, b), dif = csub(a, b);
        const float2 o = cmul(make_float2(dif.y, -dif.x), conjugate(hermitianTwiddle(p.twiddles, k, M)));
        X[k] = make_float2(0.5f * (sum.x + o.x), 0.5f * (sum.y + o.y));
    }
}

/// One column tile of a column pass with L = rows (columnPass() below picks L).
///
/// Thread (c, tid) holds rows r = tid + s·T (T = L / kPerThread) of column
/// c0 + c throughout; the shared memory only carries the steps between FFT
/// passes (element (r, c) at padded(r·C + c)). Prefetch reads the pairs (a, b)
/// with the spectrum, so that they arrive during the forward FFT (as for
/// rowPassFixed()).
template <int L, bool Prefetch>
__device__ __forceinline__ void columnPassFixed(const ColumnPassParams& p, double* sums, int blockX,
                                                int imageIndex) {
    extern __shared__ float2 tile[];
    constexpr int E = kPerThread, T = L / E;
    const int C = p.columnsPerBlock;
    const int c = threadIdx.x % C, tid = threadIdx.x / C;
    const int col = blockX * C + c;
    const bool valid = col < p.halfCols; // the last tile may reach past cols/2
    const long long image = imageIndex;
    float2* X = p.spectrum + image * p.rows * (long long)p.pitch + col;
    float2 v[E];
    auto readAb = [&](int s) {
        const long long w = (long long)(tid + s * T) * p.halfCols + col;
        return valid ? p.projection[w] : make_float2(0.0f, 0.0f);
    };
    float2 abAhead[Prefetch ? E : 1];
#pragma unroll
    for (int s = 0; s < E; ++s)
        v[s] = valid ? X[(long long)(tid + s * T) * p.pitch] : make_float2(0.0f, 0.0f);
    if constexpr (Prefetch) {
        if (p.stages & kColumnProject) {
#pragma unroll
            for (int s = 0; s < E; ++s)
                abAhead[s] = readAb(s);
        }
    }
    if (p.stages & kColumnForward)
        registerFft<E, false, L>(v, tile, c, C, tid, p.twiddles);
    if (p.stages & kColumnProject) {
        double acc = 0;
#pragma unroll
        for (int h = 0; h < 2; ++h) {
            constexpr int Half = E / 2;
            float2 ab[Half], ns[Half];
#pragma unroll
            for (int j = 0; j < Half; ++j) {
                const int s = h * Half + j;
                const long long w = (long long)(tid + s * T) * p.halfCols + col;
                if constexpr (Prefetch)
                    ab[j] = abAhead[s];
                else
                    ab[j] = readAb(s);
                ns[j] = valid && sums ? p.error[w] : make_float2(0.0f, 0.0f);
            }
#pragma unroll
            for (int j = 0; j < Half; ++j) {
                const float2 G = v[h * Half + j];
                if (sums && valid)
                    acc += fourierErrorTerm(G, ns[j]); // as kernels.cu's fourierErrorKernel
                v[h * Half + j] = projectHalfPixel(G, ab[j], p.inverseSize);
            }
        }
        if (sums)
            blockSumAtomicAdd(acc, sums + image);
    }
    if (p.stages & kColumnInverse)
        registerFft<E, true, L>(v, tile, c, C, tid, p.twiddles);
    if (valid) {
#pragma unroll
        for (int s = 0; s < E; ++s)
            X[(long long)(tid + s * T) * p.pitch] = v[s];
    }
}

/// One row block of a row pass: rows blockX·rowsPerBlock.. of image `image`.
/// blockDim.x must be rowsPerBlock · cols/2 / kPerThread; dynamic shared
/// memory as twoPassLaunch() sizes it. Holds barriers: the whole block calls it.
/// mode, writeG and sums stand for p's fields: a persistent caller varies them
/// per iteration without copying p into registers. Instantiated for
/// cols/2 = 32..MaxHalf. Prefetch: as rowPassFixed().
template <Rule R, int MaxHalf, bool Prefetch = false>
__device__ __forceinline__ void rowPass(const RowPassParams& p, RowMode mode, bool writeG, double* sums,
                                        int blockX, int imageIndex) {
    withLength<MaxHalf>(p.cols / 2, [&](auto M) {
        rowPassFixed<R, decltype(M)::value, Prefetch>(p, mode, writeG, sums, blockX, imageIndex);
    });
}

/// One column tile of a column pass: columns blockX·columnsPerBlock.. of image
/// `image`. blockDim.x must be columnsPerBlock · rows / kPerThread. Holds
/// barriers: the whole block calls it. sums stands for p.sums. Instantiated
/// for rows = 64..MaxRows. Prefetch: as columnPassFixed().
template <int MaxRows, bool Prefetch = false>
__device__ __forceinline__ void columnPass(const ColumnPassParams& p, double* sums, int blockX,
                                           int imageIndex) {
    withLength<MaxRows>(p.rows, [&](auto L) {
        if constexpr (decltype(L)::value >= 64)
            columnPassFixed<decltype(L)::value, Prefetch>(p, sums, blockX, imageIndex);
    });
}

} // namespace pf::gpu::detail
