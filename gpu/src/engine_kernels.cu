// Start-up, shrink-wrap and display kernels of the CUDA engine.
#include "engine_kernels.h"

#include "check.h"
#include "counters.h"
#include "launch.h"
#include "reduce.cuh"

namespace pf::gpu::detail {

namespace {

__global__ void __launch_bounds__(kBlockThreads)
    scaleKernel(float* gOut, float* g, float scale, long long total) {
    for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < total;
         i += (long long)gridDim.x * blockDim.x) {
        const float v = gOut[i] * scale;
        gOut[i] = v;
        g[i] = v;
    }
}

/// Counts ones per image (grid.y = image) into counts (zeroed by the caller).
__global__ void __launch_bounds__(kBlockThreads)
    countKernel(const std::uint8_t* support, double* counts, long long n) {
    const std::uint8_t* s = support + blockIdx.y * n;
    double acc = 0;
    for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < n;
         i += (long long)gridDim.x * blockDim.x)
        acc += s[i] != 0 ? 1.0 : 0.0;
    blockSumAtomicAdd(acc, counts + blockIdx.y);
}

/// Parameters of the shrink-wrap kernels (grid.y = image).
struct BlurParams {
    const float* g;            ///< iterates, batch x n
    float* rowBlurred;         ///< batch x n: the row pass of the blur of max(g, 0)·support
    std::uint8_t* support;     ///< batch x n masks to replace
    double* counts;            ///< batch: support size in force
    unsigned int* peakBits;    ///< batch: max of the blurred image (float bits, >= 0)
    double* newCounts;         ///< batch: ones of the new support
    const float* weights;      ///< 2·radius+1 normalised Gaussian weights
    int radius;
    int rows, cols;
    const float* thresholds;   ///< batch: fraction of the peak; 0 = keep the support
    double minCount, maxCount; ///< a new support outside these sizes is not adopted
};

/// Whether image b adopts its new support (`ones` pixels).
__device__ inline bool adopts(const float* thresholds, double ones, double minCount,
                              double maxCount, int b) {
    return thresholds[b] > 0.0f && ones >= minCount && ones <= maxCount;
}

// The sums use round-to-nearest multiply and add (no fused multiply-add) in
// the host's order, so the blur equals gaussianBlurPeriodic() bit for bit.
__global__ void __launch_bounds__(kBlockThreads) rowBlurKernel(BlurParams p) {
    const long long n = (long long)p.rows * p.cols;
    const float* g = p.g + blockIdx.y * n;
    const std::uint8_t* inside = p.support + blockIdx.y * n; // the support still in force
    float* out = p.rowBlurred + blockIdx.y * n;
    for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < n;
         i += (long long)gridDim.x * blockDim.x) {
        const int r = int(i / p.cols), c = int(i % p.cols);
        float acc = 0;
        for (int j = -p.radius; j <= p.radius; ++j) {
            const long long k = (long long)r * p.cols + ((c + j) % p.cols + p.cols) % p.cols;
            // The object estimate: max(g, 0) inside the support, 0 elsewhere.
            const float a = inside[k] != 0 && g[k] > 0.0f ? g[k] : 0.0f;
            acc = __fadd_rn(acc, __fmul_rn(p.weights[j + p.radius], a));
        }
        out[i] = acc;
    }
}

enum class ColumnPass { Peak, Count, Write };

__device__ inline float columnBlur(const BlurParams& p, const float* in, int r, int c) {
    float acc = 0;
    for (int j = -p.radius; j <= p.radius; ++j) {
        const int rr = ((r + j) % p.rows + p.rows) % p.rows;
        acc = __fadd_rn(acc, __fmul_rn(p.weights[j + p.radius], in[(long long)rr * p.cols + c]));
    }
    return acc;
}

template <ColumnPass Pass> __global__ void __launch_bounds__(kBlockThreads) columnKernel(BlurParams p) {
    const long long n = (long long)p.rows * p.cols;
    const int image = blockIdx.y;
    const float* in = p.rowBlurred + image * n;
    float peak = 0, level = 0;
    if (p.thresholds[image] == 0.0f)
        return; // this image keeps its support
    if (Pass != ColumnPass::Peak) {
        peak = __uint_as_float(p.peakBits[image]);
        level = __fmul_rn(p.thresholds[image], peak);
    }
    if (Pass == ColumnPass::Write &&
        !adopts(p.thresholds, p.newCounts[image], p.minCount, p.maxCount, image))
        return; // outside the limits (or an all-zero iterate): keep the support in force
    float localPeak = 0;
    double ones = 0;
    for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < n;
         i += (long long)gridDim.x * blockDim.x) {
        const float v = columnBlur(p, in, int(i / p.cols), int(i % p.cols));
        const bool on = peak > 0 && v >= level;
        if (Pass == ColumnPass::Peak)
            localPeak = fmaxf(localPeak, v);
        else if (Pass == ColumnPass::Count)
            ones += on ? 1.0 : 0.0;
        else
            p.support[image * n + i] = on ? 1 : 0;
    }
    if (Pass == ColumnPass::Peak) {
        // Non-negative floats order like their bit patterns.
        for (int offset = 16; offset > 0; offset >>= 1)
            localPeak = fmaxf(localPeak, __shfl_down_sync(0xffffffffu, localPeak, offset));
        if ((threadIdx.x & 31) == 0)
            atomicMax(p.peakBits + image, __float_as_uint(localPeak));
    } else if (Pass == ColumnPass::Count) {
        blockSumAtomicAdd(ones, p.newCounts + image);
    }
}

__global__ void adoptCounts(BlurParams p, int batch) {
    const int b = blockIdx.x * blockDim.x + threadIdx.x;
    if (b < batch && adopts(p.thresholds, p.newCounts[b], p.minCount, p.maxCount, b))
        p.counts[b] = p.newCounts[b];
}

__global__ void __launch_bounds__(kBlockThreads)
    objectKernel(const float* g, const std::uint8_t* support, float* object, long long n) {
    for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < n;
         i += (long long)gridDim.x * blockDim.x) {
        const float v = g[i];
        const bool inside = support ? support[i] != 0 : true;
        object[i] = inside && v >= 0.0f ? v : 0.0f;
    }
}

__global__ void __launch_bounds__(kBlockThreads)
    fillKernel(std::uint8_t* support, double* counts, long long n, int batch) {
    const long long total = n * batch;
    for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < total;
         i += (long long)gridDim.x * blockDim.x)
        support[i] = 1;
    if (blockIdx.x == 0 && threadIdx.x < unsigned(batch))
        counts[threadIdx.x] = double(n);
}

} // namespace

void scaleAndDuplicate(float* gOut, float* g, float scale, Shape shape, int batch,
                       cudaStream_t stream) {
    const long long total = (long long)shape.size() * batch;
    scaleKernel<<<blocksFor(std::size_t(total)), kBlockThreads, 0, stream>>>(gOut, g, scale,
                                                                             total);
    PF_CUDA_CHECK_LAUNCH();
    countLaunch();
}

void fillSupport(std::uint8_t* support, double* counts, Shape shape, int batch,
                 cudaStream_t stream) {
    // counts are written by block 0's first `batch` threads.
    if (batch > kBlockThreads) {
        PF_CUDA_CHECK(cudaMemsetAsync(support, 1, shape.size() * std::size_t(batch), stream));
        countLaunch();
        countSupport(support, counts, shape, batch, stream);
        return;
    }
    const long long n = (long long)shape.size();
    fillKernel<<<blocksFor(shape.size() * std::size_t(batch)), kBlockThreads, 0, stream>>>(
        support, counts, n, batch);
    PF_CUDA_CHECK_LAUNCH();
    countLaunch();
}

void countSupport(const std::uint8_t* support, double* counts, Shape shape, int batch,
                  cudaStream_t stream) {
    PF_CUDA_CHECK(cudaMemsetAsync(counts, 0, sizeof(double) * std::size_t(batch), stream));
    const dim3 grid(blocksFor(shape.size()), unsigned(batch));
    countKernel<<<grid, kBlockThreads, 0, stream>>>(support, counts, (long long)shape.size());
    PF_CUDA_CHECK_LAUNCH();
    countLaunch(2);
}

void shrinkWrapSupport(const float* g, std::uint8_t* support, double* counts,
                       const ShrinkWrapScratch& s, const ShrinkWrapLimits& limits, Shape shape,
                       int batch, cudaStream_t stream) {
    PF_CUDA_CHECK(cudaMemsetAsync(s.peakBits, 0, sizeof(unsigned int) * std::size_t(batch), stream));
    PF_CUDA_CHECK(cudaMemsetAsync(s.newCounts, 0, sizeof(double) * std::size_t(batch), stream));
    const BlurParams p{g,           s.rowBlurred,     support,          counts,
                       s.peakBits,  s.newCounts,      s.weights,        s.radius,
                       shape.rows,  shape.cols,       limits.thresholds, double(limits.minPixels),
                       double(limits.maxPixels)};
    const dim3 grid(blocksFor(shape.size()), unsigned(batch));
    rowBlurKernel<<<grid, kBlockThreads, 0, stream>>>(p);
    PF_CUDA_CHECK_LAUNCH();
    columnKernel<ColumnPass::Peak><<<grid, kBlockThreads, 0, stream>>>(p);
    PF_CUDA_CHECK_LAUNCH();
    columnKernel<ColumnPass::Count><<<grid, kBlockThreads, 0, stream>>>(p);
    PF_CUDA_CHECK_LAUNCH();
    columnKernel<ColumnPass::Write><<<grid, kBlockThreads, 0, stream>>>(p);
    PF_CUDA_CHECK_LAUNCH();
    adoptCounts<<<(batch + 127) / 128, 128, 0, stream>>>(p, batch);
    PF_CUDA_CHECK_LAUNCH();
    countLaunch(7);
}

void objectEstimate(const float* g, const std::uint8_t* support, float* object, Shape shape,
                    cudaStream_t stream) {
    objectKernel<<<blocksFor(shape.size()), kBlockThreads, 0, stream>>>(g, support, object,
                                                                         (long long)shape.size());
    PF_CUDA_CHECK_LAUNCH();
    countLaunch();
}

} // namespace pf::gpu::detail
