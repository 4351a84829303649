// The column pass for long columns (two_pass.h, splitColumns()): the column
// FFT of length L = P·Q (P = 64; Q = 64 for 4096 rows, 128 for 8192) split by the four-step
// decomposition into three passes over tiles of 16 adjacent columns, so that
// every load and store moves 128 contiguous bytes of a row. (Whole columns,
// as the shorter columns have, take a block of 512 or 1024 threads for one or
// two of them, and their loads of 8 or 16 bytes from each of 32 rows fill the
// load/store queue: docs/gpu-engine.md, "Long columns".)
//
// With row n = n1 + P·n2 and frequency k = k2 + Q·k1 (n1, k1 < P; n2, k2 < Q),
// W = exp(−2πi/L):
//   outer forward (per n1): Y[n1, k2] = W^(n1·k2) · DFT_Q over n2 of x[n1 + P·n2],
//                           stored at row n1 + P·k2 (where its inputs were);
//   inner (per k2):         X[k2 + Q·k1] = DFT_P over n1 of Y[n1, k2], then the
//                           Fourier-error sum and the projection (weights of
//                           row k2 + Q·k1), then the inverse DFT_P back over
//                           n1, stored where its inputs were (rows P·k2 + n1);
//   outer inverse (per n1): x[n1 + P·n2] = inverse DFT_Q over k2 of
//                           W^(−n1·k2) · Z[n1, k2].
// Each pass reads and writes only its own rows, so all three run in place.
// The transforms-only entry points want the spectrum in natural row order:
// there the inner pass reads or writes rows k2 + Q·k1 of a copy instead.
#include "two_pass.h"

#include "check.h"
#include "counters.h"
#include "pass_launch.cuh"
#include "two_pass_passes.cuh" // kPerThread, the FFTs, the projection

#include <phaseforge/error.h>

#include <string>

namespace pf::gpu::detail {

namespace {

constexpr int kP = 64;
constexpr int kTile = 16; // columns per tile: 128 bytes of a row
constexpr int kInnerThreads = kTile * kP / kPerThread;
template <int Q> constexpr int kOuterThreads = kTile * Q / kPerThread;

/// exp(∓2πi·m/L) (− forward, + inverse) for the twiddle between the steps:
/// float sincospi, within 1 ulp; 2m/L is exact for m < L.
template <bool Inverse> __device__ inline float2 stepTwiddle(int m, int L) {
    float s = 0, c = 0;
    sincospif(2.0f * float(m) / float(L), &s, &c);
    return make_float2(c, Inverse ? s : -s);
}

__host__ __device__ inline int tilesOf(int halfCols) { return (halfCols + kTile - 1) / kTile; }

/// The outer step of one tile: grid.x = tiles · P (n1 major), grid.y = image.
template <int Q, bool Inverse>
__global__ void __launch_bounds__(kOuterThreads<Q>) outerKernel(ColumnPassParams p) {
    __shared__ float2 tile[paddedSize(Q * kTile)];
    awaitPreviousPass();
    constexpr int E = kPerThread, T = Q / E;
    const int c = threadIdx.x % kTile, tid = threadIdx.x / kTile;
    const int tiles = tilesOf(p.halfCols);
    const int n1 = int(blockIdx.x) / tiles, col = int(blockIdx.x) % tiles * kTile + c;
    const bool valid = col < p.halfCols;
    float2* X = p.spectrum + (long long)blockIdx.y * p.rows * p.pitch + col;
    auto at = [&](int s) { return (long long)(n1 + kP * (tid + s * T)) * p.pitch; };
    float2 v[E];
#pragma unroll
    for (int s = 0; s < E; ++s)
        v[s] = valid ? X[at(s)] : make_float2(0.0f, 0.0f);
    if (Inverse) {
#pragma unroll
        for (int s = 0; s < E; ++s)
            v[s] = cmul(v[s], stepTwiddle<true>(n1 * (tid + s * T), p.rows));
    }
    registerFft<E, Inverse, Q>(v, tile, c, kTile, tid, p.twiddles);
    if (!Inverse) {
#pragma unroll
        for (int s = 0; s < E; ++s)
            v[s] = cmul(v[s], stepTwiddle<false>(n1 * (tid + s * T), p.rows));
    }
    if (valid) {
#pragma unroll
        for (int s = 0; s < E; ++s)
            X[at(s)] = v[s];
    }
}

/// Where the inner step reads and writes, and in which row order.
struct InnerParams {
    ColumnPassParams pass;
    const float2* in;  ///< K × rows × pitch
    float2* out;       ///< the same, or another buffer
    bool naturalIn;    ///< rows k2 + Q·j instead of P·k2 + j
    bool naturalOut;
};

/// The inner step of one tile: grid.x = tiles · Q (k2 major), grid.y = image.
template <int Q> __global__ void __launch_bounds__(kInnerThreads) innerKernel(InnerParams q) {
    __shared__ float2 tile[paddedSize(kP * kTile)];
    awaitPreviousPass();
    const ColumnPassParams& p = q.pass;
    constexpr int E = kPerThread, T = kP / E;
    const int c = threadIdx.x % kTile, tid = threadIdx.x / kTile;
    const int tiles = tilesOf(p.halfCols);
    const int k2 = int(blockIdx.x) / tiles, col = int(blockIdx.x) % tiles * kTile + c;
    const bool valid = col < p.halfCols;
    const long long image = blockIdx.y, base = image * p.rows * p.pitch + col;
    auto rowOf = [&](int s, bool natural) { return natural ? k2 + Q * (tid + s * T) : kP * k2 + tid + s * T; };
    float2 v[E];
#pragma unroll
    for (int s = 0; s < E; ++s)
        v[s] = valid ? q.in[base + (long long)rowOf(s, q.naturalIn) * p.pitch] : make_float2(0.0f, 0.0f);
    if (p.stages & kColumnForward)
        registerFft<E, false, kP>(v, tile, c, kTile, tid, p.twiddles);
    if (p.stages & kColumnProject) {
        // v[s] is X[k] at k = k2 + Q·(tid + s·T); as columnPassFixed().
        double acc = 0;
#pragma unroll
        for (int s = 0; s < E; ++s) {
            const long long w = (long long)(k2 + Q * (tid + s * T)) * p.halfCols + col;
            const float2 ab = valid ? p.projection[w] : make_float2(0.0f, 0.0f);
            if (p.sums && valid)
                acc += fourierErrorTerm(v[s], p.error[w]);
            v[s] = projectHalfPixel(v[s], ab, p.inverseSize);
        }
        if (p.sums)
            blockSumAtomicAdd(acc, p.sums + image);
    }
    if (p.stages & kColumnInverse)
        registerFft<E, true, kP>(v, tile, c, kTile, tid, p.twiddles);
    if (valid) {
#pragma unroll
        for (int s = 0; s < E; ++s)
            q.out[base + (long long)rowOf(s, q.naturalOut) * p.pitch] = v[s];
    }
}

template <int Q>
void launchOuter(bool inverse, const ColumnPassParams& p, int batch, cudaStream_t stream, bool overlap) {
    const dim3 grid(unsigned(tilesOf(p.halfCols) * kP), unsigned(batch));
    launchPass(overlap, inverse ? outerKernel<Q, true> : outerKernel<Q, false>, grid,
               dim3(unsigned(kOuterThreads<Q>)), 0, stream, p);
}

template <int Q> void launchInner(const InnerParams& q, int batch, cudaStream_t stream, bool overlap) {
    const dim3 grid(unsigned(tilesOf(q.pass.halfCols) * Q), unsigned(batch));
    launchPass(overlap, innerKernel<Q>, grid, dim3(unsigned(kInnerThreads)), 0, stream, q);
}

template <int Q>
void launchSteps(const ColumnPassParams& p, int batch, cudaStream_t stream, float2* scratch, bool overlap) {
    const bool forward = p.stages & kColumnForward, inverse = p.stages & kColumnInverse;
    InnerParams q{p, p.spectrum, p.spectrum, false, false};
    if (!(forward && inverse)) {
        // Transforms only: the spectrum on the far side is in natural row order,
        // so the inner step reads from (or writes to) a copy in `scratch`.
        if (!scratch)
            throw InvalidArgument("split column pass: one direction only needs a scratch buffer");
        q.in = scratch;
        q.naturalIn = inverse;
        q.naturalOut = forward;
    }
    if (forward)
        launchOuter<Q>(false, p, batch, stream, overlap);
    if (q.in != p.spectrum) {
        const std::size_t bytes = std::size_t(batch) * std::size_t(p.rows) * std::size_t(p.pitch) * sizeof(float2);
        PF_CUDA_CHECK(cudaMemcpyAsync(scratch, p.spectrum, bytes, cudaMemcpyDeviceToDevice, stream));
    }
    launchInner<Q>(q, batch, stream, overlap);
    if (inverse)
        launchOuter<Q>(true, p, batch, stream, overlap);
}

} // namespace

// Measured on the H200 (bench/results/gpu-split-*-h200-*.log): faster than the
// one-pass tiles at 4096 rows (222 against 255 µs at 4096²) and 8192 (901
// against 1314), slower at 2048 (53.1 against 50.1 at 2048²) and 1024 (21.2
// against 18.1 at 1024², per-pass kernels).
bool splitColumns(int rows) { return rows == kP * 64 || rows == kP * 128; }

void launchSplitColumnPass(const ColumnPassParams& p, int batch, cudaStream_t stream, float2* scratch,
                           bool overlap) {
    switch (p.rows / kP) {
    case 64: launchSteps<64>(p, batch, stream, scratch, overlap); break;
    case 128: launchSteps<128>(p, batch, stream, scratch, overlap); break;
    default: throw InvalidArgument("split column pass: " + std::to_string(p.rows) + " rows");
    }
}

} // namespace pf::gpu::detail
