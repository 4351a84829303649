// The automatic support's fill step on the device. One iteration, as the
// host's (core/src/support.cpp, fillAutocorrelation):
//   a        = C2R(estimate) / n                 (the autocorrelation)
//   positive = max(a, 0),  peak = max(positive)
//   blurred  = blur_σ=2(positive) (periodic, rows then columns)
//   a'       = blurred < floor · max(blurred) ? 0 : positive
//   estimate = max(Re R2C(a'), 0) on the unknown pixels; known ones stay
// An iteration whose peak is 0 changes nothing (the host stops there; the
// device goes on without effect, so the result is the same).
#include "autocorrelation_fill.h"

#include "check.h"
#include "counters.h"
#include "launch.h"
#include "phaseforge/gpu/kernels.h"
#include "phaseforge/gpu/memory.h"

#include <phaseforge/error.h>

#include <cstdint>
#include <vector>

namespace pf::gpu::detail {

namespace {

/// Parameters of the fill kernels (one image).
struct FillParams {
    float* estimate;            ///< half spectrum: the intensity estimate, updated where unknown
    const std::uint8_t* known;  ///< half spectrum: 1 where the intensity was measured
    float2* spectrum;           ///< half spectrum: transform input and output
    float* image;               ///< rows·cols: C2R output, R2C input (holds the blur between)
    float* positive;            ///< rows·cols: max(a, 0)
    float* rowBlurred;          ///< rows·cols: the row pass of the blur
    unsigned int* peaks;        ///< [0] max of positive, [1] max of the blur (float bits, >= 0)
    const float* weights;       ///< 2·radius+1 blur weights (gaussianBlurWeights(2))
    int radius;
    int rows, cols;
    long long n, halfN;
    float scale;                ///< 1 / n
    float floor;                ///< IntensityFill::floor; 0: no blur, a' = positive
};

__device__ inline void atomicPeak(unsigned int* bits, float v) {
    // Non-negative floats order like their bit patterns.
    for (int offset = 16; offset > 0; offset >>= 1)
        v = fmaxf(v, __shfl_down_sync(0xffffffffu, v, offset));
    if ((threadIdx.x & 31) == 0)
        atomicMax(bits, __float_as_uint(v));
}

__global__ void __launch_bounds__(kBlockThreads) spectrumKernel(FillParams p) {
    for (long long h = blockIdx.x * (long long)blockDim.x + threadIdx.x; h < p.halfN;
         h += (long long)gridDim.x * blockDim.x)
        p.spectrum[h] = make_float2(p.estimate[h], 0.0f);
}

__global__ void __launch_bounds__(kBlockThreads) positiveKernel(FillParams p) {
    float peak = 0;
    for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < p.n;
         i += (long long)gridDim.x * blockDim.x) {
        const float v = fmaxf(p.image[i] * p.scale, 0.0f);
        p.positive[i] = v;
        peak = fmaxf(peak, v);
    }
    atomicPeak(p.peaks, peak);
}

/// Σ_j w_j · line[((i + j) mod length) · stride], j = -radius..radius: one
/// output of the periodic blur along a row (stride 1) or a column (stride cols).
__device__ inline float blurAlong(const FillParams& p, const float* line, int i, int length,
                                  long long stride) {
    float acc = 0;
    for (int j = -p.radius; j <= p.radius; ++j)
        acc += p.weights[j + p.radius] * line[(long long)(((i + j) % length + length) % length) * stride];
    return acc;
}

__global__ void __launch_bounds__(kBlockThreads) rowBlurKernel(FillParams p) {
    for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < p.n;
         i += (long long)gridDim.x * blockDim.x) {
        const int r = int(i / p.cols), c = int(i % p.cols);
        p.rowBlurred[i] = blurAlong(p, p.positive + (long long)r * p.cols, c, p.cols, 1);
    }
}

/// The column pass of the blur into `image`, and its maximum.
__global__ void __launch_bounds__(kBlockThreads) columnBlurKernel(FillParams p) {
    float peak = 0;
    for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < p.n;
         i += (long long)gridDim.x * blockDim.x) {
        const int r = int(i / p.cols), c = int(i % p.cols);
        const float acc = blurAlong(p, p.rowBlurred + c, r, p.rows, p.cols);
        p.image[i] = acc;
        peak = fmaxf(peak, acc);
    }
    atomicPeak(p.peaks + 1, peak);
}

/// a' into `image`: positive where the blur (in `image`) reaches the floor.
__global__ void __launch_bounds__(kBlockThreads) floorKernel(FillParams p) {
    const float level = p.floor * __uint_as_float(p.peaks[1]);
    for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < p.n;
         i += (long long)gridDim.x * blockDim.x)
        p.image[i] = p.floor > 0 && p.image[i] < level ? 0.0f : p.positive[i];
}

__global__ void __launch_bounds__(kBlockThreads) updateKernel(FillParams p) {
    if (p.peaks[0] == 0u)
        return; // an all-zero autocorrelation: the host stops here, nothing changes
    for (long long h = blockIdx.x * (long long)blockDim.x + threadIdx.x; h < p.halfN;
         h += (long long)gridDim.x * blockDim.x)
        if (!p.known[h])
            p.estimate[h] = fmaxf(p.spectrum[h].x, 0.0f);
}

__global__ void __launch_bounds__(kBlockThreads) clampKernel(FillParams p) {
    for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < p.n;
         i += (long long)gridDim.x * blockDim.x)
        p.image[i] = fmaxf(p.image[i], 0.0f);
}

template <class Kernel> void launch(Kernel kernel, long long elements, const FillParams& p,
                                    cudaStream_t stream) {
    kernel<<<blocksFor(std::size_t(elements)), kBlockThreads, 0, stream>>>(p);
    PF_CUDA_CHECK_LAUNCH();
    countLaunch();
}

} // namespace

void fillAutocorrelationOnDevice(const IntensityFill& fill, std::span<float> out) {
    const Shape s = fill.shape;
    const std::size_t n = s.size(), nh = s.halfSize();
    if (fill.known.size() != nh || fill.value.size() != nh || out.size() != n)
        throw InvalidArgument("fillAutocorrelation: buffer sizes differ from the shape");
    int radius = 0;
    const std::vector<float> w = gaussianBlurWeights(2.0f, radius);
    Stream stream;
    const auto cs = static_cast<cudaStream_t>(stream.handle());
    DeviceBuffer<float> estimate(nh), image(n), positive(n), rowBlurred(n), weights(w.size());
    DeviceBuffer<std::uint8_t> known(nh);
    DeviceBuffer<Complex> spectrum(nh);
    DeviceBuffer<unsigned int> peaks(2);
    upload(estimate.data(), fill.value.data(), nh * sizeof(float), cs);
    upload(known.data(), fill.known.data(), nh, cs);
    upload(weights.data(), w.data(), w.size() * sizeof(float), cs);
    const FillParams p{estimate.data(),   known.data(), reinterpret_cast<float2*>(spectrum.data()),
                       image.data(),      positive.data(), rowBlurred.data(),
                       peaks.data(),      weights.data(), radius,
                       s.rows,            s.cols,         (long long)n,
                       (long long)nh,     1.0f / float(n), fill.floor};
    FftPlans plans;
    for (int it = 0; it < fill.iterations; ++it) {
        PF_CUDA_CHECK(cudaMemsetAsync(peaks.data(), 0, 2 * sizeof(unsigned int), cs));
        launch(spectrumKernel, (long long)nh, p, cs);
        plans.c2r(spectrum.data(), image.data(), s, 1, cs);
        launch(positiveKernel, (long long)n, p, cs);
        if (fill.floor > 0) {
            launch(rowBlurKernel, (long long)n, p, cs);
            launch(columnBlurKernel, (long long)n, p, cs);
        }
        launch(floorKernel, (long long)n, p, cs);
        plans.r2c(image.data(), spectrum.data(), s, 1, cs);
        launch(updateKernel, (long long)nh, p, cs);
    }
    launch(spectrumKernel, (long long)nh, p, cs);
    plans.c2r(spectrum.data(), image.data(), s, 1, cs);
    launch(clampKernel, (long long)n, p, cs);
    download(out.data(), image.data(), n * sizeof(float), cs);
    stream.synchronize();
}

} // namespace pf::gpu::detail
