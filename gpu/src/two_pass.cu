// The row and column passes of the two-pass iteration (two_pass.h), and the
// public transforms-only entry points of fused_fft.h that test them.
#include "two_pass.h"

#include "check.h"
#include "counters.h"
#include "phaseforge/gpu/fused_fft.h"
#include "reduce.cuh"
#include "rules.cuh"
#include "shared_fft.cuh"

#include <phaseforge/error.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace pf::gpu::detail {

namespace {

/// Elements each thread holds per FFT pass: T = L / kPerThread threads per
/// transform. Eight keeps a pass (8 values, 3 twiddle reads) well inside 64
/// registers, so blocks of up to 1024 threads run without spilling.
constexpr int kPerThread = 8;
/// Shared-memory budget of one block, in complex values before padding
/// (64 KiB), and the largest column tile (128 KiB, for 8192-long columns two
/// wide).
constexpr int kRowBudget = 8192;
constexpr int kColumnBudget = 16384;

bool powerOfTwo(int v) { return v > 0 && (v & (v - 1)) == 0; }

__global__ void twiddleKernel(float2* table, int cols) {
    const int t = blockIdx.x * blockDim.x + threadIdx.x;
    double turns = 0; // the value is exp(−2πi·turns)
    if (t < kHermitianTableOffset) {
        int offset = 0;
        for (int radix : {8, 4, 2}) {
            for (int q = 8; q <= (radix == 2 ? 4096 : 512); q *= 8) {
                const int size = tablePowers(radix) * q;
                if (t >= offset && t < offset + size) {
                    const int power = 1 << ((t - offset) / q), k = (t - offset) % q;
                    turns = double(power) * double(k) / double(radix * q);
                }
                offset += size;
            }
        }
    } else if (t <= kHermitianTableOffset + cols / 2) {
        turns = double(t - kHermitianTableOffset) / double(cols);
    } else {
        return;
    }
    double s = 0, c = 0;
    sincospi(-2.0 * turns, &s, &c);
    table[t] = make_float2(float(c), float(s));
}

/// exp(+2πi·k/cols) for 0 <= k <= cols/2, from the table's Hermitian run.
__device__ inline float2 halfTwiddle(const float2* table, int k) {
    return conjugate(__ldg(table + kHermitianTableOffset + k));
}

/// exp(+2πi·(M−k)/cols) = −conj(exp(+2πi·k/cols)), M = cols/2: exact.
__device__ inline float2 mirrorTwiddle(float2 w) { return make_float2(-w.x, w.y); }

/// Pairs (k, M−k) of the Hermitian steps per thread: k = tid + j·T, j < this.
constexpr int kPairsPerThread = kPerThread / 2 + 1;

template <Rule R> __global__ void __launch_bounds__(512, 2) rowPassKernel(RowPassParams p) {
    extern __shared__ float2 shared[];
    const int M = p.cols / 2;
    const int T = M / kPerThread; // so each thread owns m = tid + j·T, j < kPerThread
    const int local = threadIdx.x / T, tid = threadIdx.x % T;
    const int row = blockIdx.x * p.rowsPerBlock + local;
    const long long image = blockIdx.y;
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

    if (p.mode == RowMode::IterateFromHalf || p.mode == RowMode::C2rOnly) {
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
        if (p.mode == RowMode::C2rOnly) {
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

    if (p.mode != RowMode::R2cOnly) {
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
                if (p.writeG)
                    reinterpret_cast<float2*>(p.g + pixel0)[m] = next;
                if (p.sums) {
                    const double e0 = double(gp.x) * double(gp.x), e1 = double(gp.y) * double(gp.y);
                    output += e0 + e1;
                    violation += (bad0 ? e0 : 0.0) + (bad1 ? e1 : 0.0);
                }
                buf(m) = next;
            }
        }
        if (p.sums) {
            blockSumAtomicAdd(violation, p.sums + 2 * image);
            blockSumAtomicAdd(output, p.sums + 2 * image + 1);
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

__global__ void __launch_bounds__(1024) columnPassKernel(ColumnPassParams p) {
    extern __shared__ float2 tile[]; // rows × C, element (r, c) at padded(r·C + c)
    const int C = p.columnsPerBlock;
    const int T = p.rows / kPerThread;
    const int c = threadIdx.x % C, tid = threadIdx.x / C;
    const int c0 = blockIdx.x * C;
    const long long image = blockIdx.y;
    float2* X = p.spectrum + image * p.rows * (long long)p.pitch + c0;
    const int shift = __ffs(C) - 1;
    // rows·C = kPerThread·blockDim.x: each thread moves kPerThread values,
    // e = threadIdx.x + j·blockDim.x, all loads in flight before the first store.
    {
        float2 v[kPerThread];
#pragma unroll
        for (int j = 0; j < kPerThread; ++j) {
            const int e = threadIdx.x + j * blockDim.x;
            const int r = e >> shift, cc = e & (C - 1);
            v[j] = c0 + cc < p.halfCols ? X[(long long)r * p.pitch + cc] : make_float2(0.0f, 0.0f);
        }
#pragma unroll
        for (int j = 0; j < kPerThread; ++j)
            tile[padded(threadIdx.x + j * blockDim.x)] = v[j];
    }
    __syncthreads();
    if (p.stages & kColumnForward)
        sharedFft<kPerThread, false>(tile, c, C, p.rows, tid, T, p.twiddles);
    if (p.stages & kColumnProject) {
        double acc = 0;
#pragma unroll
        for (int h = 0; h < 2; ++h) {
            constexpr int Half = kPerThread / 2;
            float2 ab[Half], ns[Half];
#pragma unroll
            for (int j = 0; j < Half; ++j) {
                const int e = threadIdx.x + (h * Half + j) * blockDim.x;
                const int r = e >> shift, col = c0 + (e & (C - 1));
                const long long w = (long long)r * p.halfCols + col;
                const bool valid = col < p.halfCols;
                ab[j] = valid ? p.projection[w] : make_float2(0.0f, 0.0f);
                ns[j] = valid && p.sums ? p.error[w] : make_float2(0.0f, 0.0f);
            }
#pragma unroll
            for (int j = 0; j < Half; ++j) {
                const int e = threadIdx.x + (h * Half + j) * blockDim.x;
                if (c0 + (e & (C - 1)) >= p.halfCols)
                    continue;
                const float2 G = tile[padded(e)];
                if (p.sums) {
                    // The Fourier error term of kernels.cu's fourierErrorKernel.
                    const double mag = sqrt(double(G.x) * G.x + double(G.y) * G.y);
                    acc += double(ns[j].x) * mag * mag - 2.0 * double(ns[j].y) * mag;
                }
                tile[padded(e)] = projectHalfPixel(G, ab[j], p.inverseSize);
            }
        }
        if (p.sums)
            blockSumAtomicAdd(acc, p.sums + image);
        __syncthreads();
    }
    if (p.stages & kColumnInverse)
        sharedFft<kPerThread, true>(tile, c, C, p.rows, tid, T, p.twiddles);
#pragma unroll
    for (int j = 0; j < kPerThread; ++j) {
        const int e = threadIdx.x + j * blockDim.x;
        const int r = e >> shift, cc = e & (C - 1);
        if (c0 + cc < p.halfCols)
            X[(long long)r * p.pitch + cc] = tile[padded(e)];
    }
}

template <Rule R> void launchRows(const RowPassParams& p, const TwoPassLaunch& l, int batch,
                                  cudaStream_t stream) {
    const dim3 grid(unsigned(l.rowBlocks), unsigned(batch));
    rowPassKernel<R><<<grid, l.rowThreads, l.rowSharedBytes, stream>>>(p);
}

/// Raises `kernel`'s dynamic shared memory limit to what the device allows
/// beside the kernel's static shared memory.
template <class Kernel> void raiseLimit(Kernel kernel, int optIn) {
    cudaFuncAttributes attributes{};
    PF_CUDA_CHECK(cudaFuncGetAttributes(&attributes, kernel));
    const int bytes = optIn - int(attributes.sharedSizeBytes);
    PF_CUDA_CHECK(cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, bytes));
}

/// The dynamic shared memory a block of this device may opt in to.
int sharedOptIn() {
    int device = 0, bytes = 0;
    PF_CUDA_CHECK(cudaGetDevice(&device));
    PF_CUDA_CHECK(cudaDeviceGetAttribute(&bytes, cudaDevAttrMaxSharedMemoryPerBlockOptin, device));
    return bytes;
}

} // namespace

void raiseSharedMemoryLimits() {
    const int optIn = sharedOptIn();
    raiseLimit(rowPassKernel<Rule::ErGs>, optIn);
    raiseLimit(rowPassKernel<Rule::Io>, optIn);
    raiseLimit(rowPassKernel<Rule::Oo>, optIn);
    raiseLimit(rowPassKernel<Rule::Hio>, optIn);
    raiseLimit(rowPassKernel<Rule::Raar>, optIn);
    raiseLimit(columnPassKernel, optIn);
}

bool twoPassShape(Shape shape) {
    return powerOfTwo(shape.rows) && powerOfTwo(shape.cols) && shape.rows >= 64 &&
           shape.cols >= 64 && shape.rows <= kTwiddleLength && shape.cols <= kTwiddleLength;
}

TwoPassLaunch twoPassLaunch(Shape shape, int batch) {
    if (!twoPassShape(shape))
        throw InvalidArgument("two-pass: shape " + shape.toString() +
                              " is not two powers of two in 64..8192");
    const int M = shape.cols / 2;
    const int rowThreads = M / kPerThread, columnThreads = shape.rows / kPerThread;
    // From the sweep on the H200 (bench --sweep): narrow tiles win, since
    // more blocks hide more latency: row blocks of >= 2 warps, column tiles
    // four wide (32-byte rows), eight for short columns or many starts, as
    // far as 1024 threads and the shared memory allow.
    int rowsPerBlock = std::min(shape.rows, std::max(1, 64 / rowThreads));
    int columnsPerBlock = shape.rows <= 256 || batch >= 16 ? 8 : 4;
    columnsPerBlock = std::min({columnsPerBlock, std::max(1, kColumnBudget / shape.rows),
                                std::max(1, 1024 / columnThreads)});
    // A tuning override for benchmarks: PF_TWO_PASS_TILE="rowsPerBlock,columnsPerBlock".
    if (const char* tile = std::getenv("PF_TWO_PASS_TILE")) {
        int r = 0, c = 0;
        if (std::sscanf(tile, "%d,%d", &r, &c) != 2 || !powerOfTwo(r) || !powerOfTwo(c) ||
            r > shape.rows || r * rowThreads > 512 || c * columnThreads > 1024 ||
            paddedSize(r * (M + 1)) > kRowBudget * 2 || paddedSize(c * shape.rows) > kColumnBudget * 9 / 8)
            throw InvalidArgument(std::string("two-pass: PF_TWO_PASS_TILE=") + tile +
                                  " does not fit " + shape.toString());
        rowsPerBlock = r;
        columnsPerBlock = c;
    }
    TwoPassLaunch l;
    l.rowsPerBlock = rowsPerBlock;
    l.rowThreads = rowsPerBlock * rowThreads;
    l.rowBlocks = shape.rows / rowsPerBlock;
    l.rowSharedBytes = std::size_t(paddedSize(rowsPerBlock * (M + 1))) * sizeof(float2);
    l.columnsPerBlock = columnsPerBlock;
    l.columnThreads = columnsPerBlock * columnThreads;
    l.columnBlocks = (M + columnsPerBlock) / columnsPerBlock; // ceil((M + 1) / C)
    l.columnSharedBytes = std::size_t(paddedSize(shape.rows * columnsPerBlock)) * sizeof(float2);
    return l;
}

int twiddleCount(int cols) { return kHermitianTableOffset + cols / 2 + 1; }

void fillTwiddles(float2* table, int cols, cudaStream_t stream) {
    twiddleKernel<<<(twiddleCount(cols) + 255) / 256, 256, 0, stream>>>(table, cols);
    PF_CUDA_CHECK_LAUNCH();
    countLaunch();
}

void launchRowPass(Rule rule, const RowPassParams& p, const TwoPassLaunch& l, int batch,
                   cudaStream_t stream) {
    switch (rule) {
    case Rule::ErGs: launchRows<Rule::ErGs>(p, l, batch, stream); break;
    case Rule::Io: launchRows<Rule::Io>(p, l, batch, stream); break;
    case Rule::Oo: launchRows<Rule::Oo>(p, l, batch, stream); break;
    case Rule::Hio: launchRows<Rule::Hio>(p, l, batch, stream); break;
    case Rule::Raar: launchRows<Rule::Raar>(p, l, batch, stream); break;
    }
    PF_CUDA_CHECK_LAUNCH();
    countLaunch();
}

void launchColumnPass(const ColumnPassParams& p, const TwoPassLaunch& l, int batch,
                      cudaStream_t stream) {
    const dim3 grid(unsigned(l.columnBlocks), unsigned(batch));
    columnPassKernel<<<grid, l.columnThreads, l.columnSharedBytes, stream>>>(p);
    PF_CUDA_CHECK_LAUNCH();
    countLaunch();
}

} // namespace pf::gpu::detail

namespace pf::gpu {

namespace {

/// A twiddle table for one call of the transforms-only API (tests).
struct CallTwiddles {
    DeviceBuffer<float2> table;
    CallTwiddles(int cols, cudaStream_t s) : table(std::size_t(detail::twiddleCount(cols))) {
        detail::raiseSharedMemoryLimits();
        detail::fillTwiddles(table.data(), cols, s);
    }
};

void checkTransformArgs(Shape shape, int batch, const void* a, const void* b, const char* what) {
    if (batch < 1)
        throw InvalidArgument(std::string(what) + ": batch must be >= 1, got " +
                              std::to_string(batch));
    if (!a || !b)
        throw InvalidArgument(std::string(what) + ": null device pointer");
    if (!detail::twoPassShape(shape))
        throw InvalidArgument(std::string(what) + ": shape " + shape.toString() +
                              " is not two powers of two in 64..8192");
}

detail::RowPassParams rowParams(Shape shape, int batch, const float2* table) {
    detail::RowPassParams p{};
    p.twiddles = table;
    p.rows = shape.rows;
    p.cols = shape.cols;
    p.pitch = shape.halfCols();
    p.rowsPerBlock = detail::twoPassLaunch(shape, batch).rowsPerBlock;
    p.beta = 1.0f;
    return p;
}

} // namespace

bool twoPassSupports(Shape shape) { return detail::twoPassShape(shape); }

void sharedRowsR2C(const float* in, Complex* half, Shape shape, int batch, void* stream) {
    checkTransformArgs(shape, batch, in, half, "sharedRowsR2C");
    const auto s = static_cast<cudaStream_t>(stream);
    CallTwiddles tw(shape.cols, s);
    detail::RowPassParams p = rowParams(shape, batch, tw.table.data());
    p.spectrum = reinterpret_cast<float2*>(half);
    p.realIn = in;
    p.mode = detail::RowMode::R2cOnly;
    detail::launchRowPass(detail::Rule::ErGs, p, detail::twoPassLaunch(shape, batch), batch, s);
    synchronize(stream); // the table dies here
}

void sharedRowsC2R(Complex* half, float* out, Shape shape, int batch, void* stream) {
    checkTransformArgs(shape, batch, half, out, "sharedRowsC2R");
    const auto s = static_cast<cudaStream_t>(stream);
    CallTwiddles tw(shape.cols, s);
    detail::RowPassParams p = rowParams(shape, batch, tw.table.data());
    p.spectrum = reinterpret_cast<float2*>(half);
    p.realOut = out;
    p.mode = detail::RowMode::C2rOnly;
    detail::launchRowPass(detail::Rule::ErGs, p, detail::twoPassLaunch(shape, batch), batch, s);
    synchronize(stream);
}

void sharedColumnsFft(Complex* half, Shape shape, int batch, bool inverse, void* stream) {
    checkTransformArgs(shape, batch, half, half, "sharedColumnsFft");
    const auto s = static_cast<cudaStream_t>(stream);
    CallTwiddles tw(shape.cols, s);
    const detail::TwoPassLaunch l = detail::twoPassLaunch(shape, batch);
    detail::ColumnPassParams p{};
    p.spectrum = reinterpret_cast<float2*>(half);
    p.twiddles = tw.table.data();
    p.rows = shape.rows;
    p.halfCols = shape.halfCols();
    p.pitch = shape.halfCols();
    p.columnsPerBlock = l.columnsPerBlock;
    p.stages = inverse ? detail::kColumnInverse : detail::kColumnForward;
    detail::launchColumnPass(p, l, batch, s);
    synchronize(stream);
}

} // namespace pf::gpu
