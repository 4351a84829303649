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
/// transform. Eight keeps a pass (8 values, 3 twiddle reads) well inside 64
/// registers, so blocks of up to 1024 threads run without spilling.
constexpr int kPerThread = 8;
/// Columns at least kLongColumn long may use kLongColumnPerThread values per
/// thread in the column pass (TwoPassLaunch::columnPerThread): 8192 values
/// then take 512 threads, not 1024, and two blocks share a multiprocessor.
constexpr int kLongColumn = 2048;
constexpr int kLongColumnPerThread = 16;

/// exp(+2πi·k/cols) for 0 <= k <= cols/2, from the table's Hermitian run.
__device__ inline float2 halfTwiddle(const float2* table, int k) {
    return conjugate(__ldg(table + kHermitianTableOffset + k));
}

/// exp(+2πi·(M−k)/cols) = −conj(exp(+2πi·k/cols)), M = cols/2: exact.
__device__ inline float2 mirrorTwiddle(float2 w) { return make_float2(-w.x, w.y); }

/// Pairs (k, M−k) of the Hermitian steps per thread: k = tid + j·T, j < this.
constexpr int kPairsPerThread = kPerThread / 2 + 1;

/// One row block of a row pass: rows blockX·rowsPerBlock.. of image `image`.
/// blockDim.x must be rowsPerBlock · cols/2 / kPerThread; dynamic shared
/// memory as twoPassLaunch() sizes it. Holds barriers: the whole block calls it.
/// mode, writeG and sums stand for p's fields: a persistent caller varies them
/// per iteration without copying p into registers.
template <Rule R>
__device__ __forceinline__ void rowPass(const RowPassParams& p, RowMode mode, bool writeG, double* sums,
                                        int blockX, int imageIndex) {
    extern __shared__ float2 shared[];
    const int M = p.cols / 2;
    const int T = M / kPerThread; // so each thread owns m = tid + j·T, j < kPerThread
    const int local = threadIdx.x / T, tid = threadIdx.x % T;
    const int row = blockX * p.rowsPerBlock + local;
    const long long image = imageIndex;
    const long long n = (long long)p.rows * p.cols;
    const long long pixel0 = image * n + (long long)row * p.cols; // first pixel of the row
    float2* X = p.spectrum + (image * p.rows + row) * (long long)p.pitch;
    const int base = local * (M + 1); // this row's values: shared[padded(base + k)]
    auto buf = [&](int k) -> float2& { return shared[padded(base + k)]; };

    // The Hermitian twiddles of this thread's pairs, all reads in flight at once.
    float2 hw[kPairsPerThread];
    auto loadHalfTwiddles = [&] {
#pragma unroll
        for (int j = 0; j < kPairsPerThread; ++j) {
            const int k = tid + j * T;
            hw[j] = k <= M / 2 ? halfTwiddle(p.twiddles, k) : make_float2(1.0f, 0.0f);
        }
    };

    if (mode == RowMode::IterateFromHalf || mode == RowMode::C2rOnly) {
        loadHalfTwiddles();
        {
            float2 v[kPerThread];
#pragma unroll
            for (int j = 0; j < kPerThread; ++j)
                v[j] = X[tid + j * T];
            const float2 last = tid == 0 ? X[M] : make_float2(0.0f, 0.0f);
#pragma unroll
            for (int j = 0; j < kPerThread; ++j)
                buf(tid + j * T) = v[j];
            if (tid == 0)
                buf(M) = last;
        }
        __syncthreads();
        // The Hermitian pre-step: Z[k] = (A + B) + i(A − B)·exp(2πik/cols),
        // A = X[k], B = conj(X[M−k]); z = IFFT_M(Z) then holds g'[2m] + i·g'[2m+1].
        // Pairs (k, M−k) are read and written by one thread. Only the real
        // parts of X[0] and X[M] count (C2R's Re).
#pragma unroll
        for (int j = 0; j < kPairsPerThread; ++j) {
            const int k = tid + j * T;
            if (k > M / 2)
                break;
            if (k == 0) {
                const float a = buf(0).x, c = buf(M).x;
                buf(0) = make_float2(a + c, a - c);
                continue;
            }
            const float2 xk = buf(k), xm = buf(M - k);
            {
                const float2 A = xk, B = conjugate(xm);
                const float2 d = cmul(csub(A, B), hw[j]);
                buf(k) = make_float2(A.x + B.x - d.y, A.y + B.y + d.x);
            }
            if (M - k != k) {
                const float2 A = xm, B = conjugate(xk);
                const float2 d = cmul(csub(A, B), mirrorTwiddle(hw[j]));
                buf(M - k) = make_float2(A.x + B.x - d.y, A.y + B.y + d.x);
            }
        }
        __syncthreads();
        sharedFft<kPerThread, true>(shared, base, 1, M, tid, T, p.twiddles);
        if (mode == RowMode::C2rOnly) {
            float2* out = reinterpret_cast<float2*>(p.realOut + pixel0);
#pragma unroll
            for (int j = 0; j < kPerThread; ++j)
                out[tid + j * T] = buf(tid + j * T);
            return;
        }
    } else {
        // Real input, two pixels per complex value, in the order the rule loop
        // below reads them back (same thread, same index): no barrier needed.
        const float2* in = reinterpret_cast<const float2*>(p.realIn + pixel0);
        float2 v[kPerThread];
#pragma unroll
        for (int j = 0; j < kPerThread; ++j)
            v[j] = in[tid + j * T];
#pragma unroll
        for (int j = 0; j < kPerThread; ++j)
            buf(tid + j * T) = v[j];
    }

    if (mode != RowMode::R2cOnly) {
        // The real-space rule on pixels 2m and 2m+1, exactly as kernels.cu.
        double violation = 0, output = 0;
        const float beta = p.beta;
        // Two halves of kPerThread / 2 values: the reads of each half in
        // flight together, without holding all of them in registers.
#pragma unroll
        for (int h = 0; h < 2; ++h) {
            constexpr int Half = kPerThread / 2;
            float2 gi[Half];
            uchar2 inside[Half];
#pragma unroll
            for (int j = 0; j < Half; ++j) {
                const int m = tid + (h * Half + j) * T;
                gi[j] = ruleReadsG(R) ? reinterpret_cast<const float2*>(p.g + pixel0)[m]
                                      : make_float2(0.0f, 0.0f);
                inside[j] = p.support ? reinterpret_cast<const uchar2*>(p.support + pixel0)[m]
                                      : make_uchar2(1, 1);
            }
#pragma unroll
            for (int j = 0; j < Half; ++j) {
                const int m = tid + (h * Half + j) * T;
                const float2 gp = buf(m);
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
                buf(m) = next;
            }
        }
        if (sums) {
            blockSumAtomicAdd(violation, sums + 2 * image);
            blockSumAtomicAdd(output, sums + 2 * image + 1);
        }
    }
    __syncthreads();
    sharedFft<kPerThread, false>(shared, base, 1, M, tid, T, p.twiddles);
    loadHalfTwiddles();
    // The Hermitian post-step: with a = Z[k], b = conj(Z[M−k]),
    // Y[k] = (a + b)/2 − i(a − b)/2 · exp(−2πik/cols); Y[0], Y[M] from Z[0].
#pragma unroll
    for (int j = 0; j < kPairsPerThread; ++j) {
        const int k = tid + j * T;
        if (k > M / 2)
            break;
        if (k == 0) {
            const float2 z = buf(0);
            X[0] = make_float2(z.x + z.y, 0.0f);
            X[M] = make_float2(z.x - z.y, 0.0f);
            continue;
        }
        const float2 zk = buf(k), zm = buf(M - k);
        {
            const float2 a = zk, b = conjugate(zm);
            const float2 sum = cadd(a, b), dif = csub(a, b);
            const float2 o = cmul(make_float2(dif.y, -dif.x), conjugate(hw[j]));
            X[k] = make_float2(0.5f * (sum.x + o.x), 0.5f * (sum.y + o.y));
        }
        if (M - k != k) {
            const float2 a = zm, b = conjugate(zk);
            const float2 sum = cadd(a, b), dif = csub(a, b);
            const float2 o = cmul(make_float2(dif.y, -dif.x), conjugate(mirrorTwiddle(hw[j])));
            X[M - k] = make_float2(0.5f * (sum.x + o.x), 0.5f * (sum.y + o.y));
        }
    }
}

/// One column tile of a column pass: columns blockX·columnsPerBlock.. of image
/// `image`, E values per thread (E, or kLongColumnPerThread for long
/// columns). blockDim.x must be columnsPerBlock · rows / E. Holds barriers:
/// the whole block calls it. sums stands for p.sums.
template <int E>
__device__ __forceinline__ void columnPass(const ColumnPassParams& p, double* sums, int blockX,
                                           int imageIndex) {
    extern __shared__ float2 tile[]; // rows × C, element (r, c) at padded(r·C + c)
    const int C = p.columnsPerBlock;
    const int T = p.rows / E;
    const int c = threadIdx.x % C, tid = threadIdx.x / C;
    const int c0 = blockX * C;
    const long long image = imageIndex;
    float2* X = p.spectrum + image * p.rows * (long long)p.pitch + c0;
    const int shift = __ffs(C) - 1;
    // rows·C = E·blockDim.x: each thread moves E values,
    // e = threadIdx.x + j·blockDim.x, all loads in flight before the first store.
    {
        float2 v[E];
#pragma unroll
        for (int j = 0; j < E; ++j) {
            const int e = threadIdx.x + j * blockDim.x;
            const int r = e >> shift, cc = e & (C - 1);
            v[j] = c0 + cc < p.halfCols ? X[(long long)r * p.pitch + cc] : make_float2(0.0f, 0.0f);
        }
#pragma unroll
        for (int j = 0; j < E; ++j)
            tile[padded(threadIdx.x + j * blockDim.x)] = v[j];
    }
    __syncthreads();
    if (p.stages & kColumnForward)
        sharedFft<E, false>(tile, c, C, p.rows, tid, T, p.twiddles);
    if (p.stages & kColumnProject) {
        double acc = 0;
#pragma unroll
        for (int h = 0; h < 2; ++h) {
            constexpr int Half = E / 2;
            float2 ab[Half], ns[Half];
#pragma unroll
            for (int j = 0; j < Half; ++j) {
                const int e = threadIdx.x + (h * Half + j) * blockDim.x;
                const int r = e >> shift, col = c0 + (e & (C - 1));
                const long long w = (long long)r * p.halfCols + col;
                const bool valid = col < p.halfCols;
                ab[j] = valid ? p.projection[w] : make_float2(0.0f, 0.0f);
                ns[j] = valid && sums ? p.error[w] : make_float2(0.0f, 0.0f);
            }
#pragma unroll
            for (int j = 0; j < Half; ++j) {
                const int e = threadIdx.x + (h * Half + j) * blockDim.x;
                if (c0 + (e & (C - 1)) >= p.halfCols)
                    continue;
                const float2 G = tile[padded(e)];
                if (sums) {
                    // The Fourier error term of kernels.cu's fourierErrorKernel.
                    const double mag = sqrt(double(G.x) * G.x + double(G.y) * G.y);
                    acc += double(ns[j].x) * mag * mag - 2.0 * double(ns[j].y) * mag;
                }
                tile[padded(e)] = projectHalfPixel(G, ab[j], p.inverseSize);
            }
        }
        if (sums)
            blockSumAtomicAdd(acc, sums + image);
        __syncthreads();
    }
    if (p.stages & kColumnInverse)
        sharedFft<E, true>(tile, c, C, p.rows, tid, T, p.twiddles);
#pragma unroll
    for (int j = 0; j < E; ++j) {
        const int e = threadIdx.x + j * blockDim.x;
        const int r = e >> shift, cc = e & (C - 1);
        if (c0 + cc < p.halfCols)
            X[(long long)r * p.pitch + cc] = tile[padded(e)];
    }
}

} // namespace pf::gpu::detail
