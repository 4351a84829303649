// The stage-1 kernels of one iteration: the real-space rule, the magnitude
// projection and the Fourier error. CudaEngine and the kernel-level API
// (kernels.h) both launch them through the functions below.
#include "phaseforge/gpu/kernels.h"

#include "check.h"
#include "counters.h"
#include "launch.h"
#include "object_rule.h"
#include "reduce.cuh"
#include "rules.cuh"

#include <phaseforge/error.h>

namespace pf::gpu {

namespace {

using detail::kBlockThreads;

using detail::ObjectParams;
using detail::Rule;

template <Rule R, bool WithSums>
__global__ void __launch_bounds__(kBlockThreads) objectKernel(ObjectParams p) {
    const long long image = blockIdx.y;
    const float* g = p.g + image * p.n;
    const float* gOut = p.gOut + image * p.n;
    const std::uint8_t* support = p.support ? p.support + image * p.n : nullptr;
    float* next = p.next + image * p.n;
    const float beta = detail::betaValue(p.betaOnDevice, p.beta);
    double violation = 0, output = 0;
    for (long long i = blockIdx.x * blockDim.x + threadIdx.x; i < p.n;
         i += (long long)gridDim.x * blockDim.x) {
        const float gp = gOut[i];
        const float gi = detail::ruleReadsG(R) ? g[i] : 0.0f;
        const bool inside = support ? support[i] != 0 : true;
        const bool violates = detail::violates<R>(gi, gp, inside);
        next[i] = detail::ruleValue<R>(gi, gp, violates, beta);
        if (WithSums) {
            const double e = double(gp) * double(gp);
            output += e;
            if (violates)
                violation += e;
        }
    }
    if (WithSums) {
        detail::blockSumAtomicAdd(violation, p.sums + 2 * image);
        detail::blockSumAtomicAdd(output, p.sums + 2 * image + 1);
    }
}

__global__ void setFloatKernel(float* target, float value) { *target = value; }

/// Parameters of the magnitude projection and the Fourier error.
struct SpectrumParams {
    float2* spectrum;       ///< batch half spectra, `half` pixels each
    const float2* weights;  ///< half pairs: (a, b) for the projection, (n, s) for the error
    double* sums;           ///< one per image (error kernel only)
    long long half;         ///< half-spectrum pixels per image
    float inverseSize;      ///< 1 / (rows·cols)
};

__global__ void __launch_bounds__(kBlockThreads) magnitudeKernel(SpectrumParams p) {
    float2* spectrum = p.spectrum + (long long)blockIdx.y * p.half;
    for (long long i = blockIdx.x * blockDim.x + threadIdx.x; i < p.half;
         i += (long long)gridDim.x * blockDim.x) {
        spectrum[i] = detail::projectHalfPixel(spectrum[i], p.weights[i], p.inverseSize);
    }
}

__global__ void __launch_bounds__(kBlockThreads) fourierErrorKernel(SpectrumParams p) {
    const float2* spectrum = p.spectrum + (long long)blockIdx.y * p.half;
    double acc = 0;
    for (long long i = blockIdx.x * blockDim.x + threadIdx.x; i < p.half;
         i += (long long)gridDim.x * blockDim.x) {
        acc += detail::fourierErrorTerm(spectrum[i], p.weights[i]);
    }
    detail::blockSumAtomicAdd(acc, p.sums + blockIdx.y);
}

cudaStream_t asStream(void* s) { return static_cast<cudaStream_t>(s); }

void checkBatch(int batch, const char* function) {
    if (batch < 1)
        throw InvalidArgument(std::string(function) + ": batch must be >= 1, got " +
                              std::to_string(batch));
}

} // namespace

void projectObject(const Step& step, const float* g, const float* gOut,
                   const std::uint8_t* support, float* next, Shape shape, int batch,
                   void* stream, double* sums) {
    checkBatch(batch, "projectObject");
    if (shape.empty())
        throw InvalidArgument("projectObject: empty shape");
    if (usesBeta(step.algorithm))
        checkBeta(step.beta);
    if (!gOut || !next || (!g && detail::ruleReadsG(detail::ruleOf(step.algorithm))))
        throw InvalidArgument("projectObject: null device pointer");
    const ObjectParams p{g, gOut, support, next, sums, (long long)shape.size(), step.beta, nullptr};
    detail::launchObjectRule(detail::ruleOf(step.algorithm), p, batch, asStream(stream));
}

void projectMagnitude(Complex* spectrum, const DeviceWeights& weights, int batch, void* stream) {
    checkBatch(batch, "projectMagnitude");
    const Shape shape = weights.shape();
    if (!spectrum || !weights.projection())
        throw InvalidArgument("projectMagnitude: null device pointer");
    const SpectrumParams p{reinterpret_cast<float2*>(spectrum),
                           reinterpret_cast<const float2*>(weights.projection()), nullptr,
                           (long long)shape.halfSize(), float(1.0 / double(shape.size()))};
    const dim3 grid(detail::blocksFor(shape.halfSize()), unsigned(batch));
    magnitudeKernel<<<grid, kBlockThreads, 0, asStream(stream)>>>(p);
    PF_CUDA_CHECK_LAUNCH();
    detail::countLaunch();
}

void fourierErrorSum(const Complex* spectrum, const DeviceWeights& weights, int batch,
                     double* sums, void* stream) {
    checkBatch(batch, "fourierErrorSum");
    const Shape shape = weights.shape();
    if (!spectrum || !sums || !weights.error())
        throw InvalidArgument("fourierErrorSum: null device pointer");
    const SpectrumParams p{const_cast<float2*>(reinterpret_cast<const float2*>(spectrum)),
                           reinterpret_cast<const float2*>(weights.error()), sums,
                           (long long)shape.halfSize(), 0.0f};
    const dim3 grid(detail::blocksFor(shape.halfSize()), unsigned(batch));
    fourierErrorKernel<<<grid, kBlockThreads, 0, asStream(stream)>>>(p);
    PF_CUDA_CHECK_LAUNCH();
    detail::countLaunch();
}

void zeroDevice(void* device, std::size_t bytes, void* stream) {
    if (bytes == 0)
        return;
    PF_CUDA_CHECK(cudaMemsetAsync(device, 0, bytes, asStream(stream)));
    detail::countLaunch();
}

std::vector<double> fourierErrorNumerators(const Complex* spectrum, const DeviceWeights& weights,
                                           int batch, void* stream) {
    checkBatch(batch, "fourierErrorNumerators");
    DeviceBuffer<double> sums{std::size_t(batch)};
    zeroDevice(sums.data(), sums.bytes(), stream);
    fourierErrorSum(spectrum, weights, batch, sums.data(), stream);
    std::vector<double> host(static_cast<std::size_t>(batch));
    download(host.data(), sums.data(), sums.bytes(), stream);
    synchronize(stream);
    for (double& v : host)
        v += weights.sumMeasuredSquared();
    return host;
}

DeviceWeights::DeviceWeights(const HermitianWeights& w, void* stream)
    : m_shape(w.shape), m_sumMeasuredSquared(w.sumMeasuredSquared) {
    const std::size_t half = w.shape.halfSize();
    if (w.a.size() != half || w.b.size() != half || w.n.size() != half || w.s.size() != half)
        throw InvalidArgument("DeviceWeights: weights of " + std::to_string(w.a.size()) +
                              " entries do not match the half spectrum of " +
                              w.shape.toString());
    std::vector<float> projection(2 * half), error(2 * half);
    for (std::size_t i = 0; i < half; ++i) {
        projection[2 * i] = w.a[i];
        projection[2 * i + 1] = w.b[i];
        error[2 * i] = w.n[i];
        error[2 * i + 1] = w.s[i];
    }
    m_projection = DeviceBuffer<float>(2 * half);
    m_error = DeviceBuffer<float>(2 * half);
    upload(m_projection.data(), projection.data(), m_projection.bytes(), stream);
    upload(m_error.data(), error.data(), m_error.bytes(), stream);
    // The host vectors die at return: wait for the copies (pageable memory).
    synchronize(stream);
}

namespace detail {

void launchObjectRule(Rule rule, const ObjectParams& p, int batch, cudaStream_t stream) {
    const dim3 grid(blocksFor(std::size_t(p.n)), unsigned(batch));
    withRule(rule, [&](auto r) {
        constexpr Rule R = decltype(r)::value;
        if (p.sums)
            objectKernel<R, true><<<grid, kBlockThreads, 0, stream>>>(p);
        else
            objectKernel<R, false><<<grid, kBlockThreads, 0, stream>>>(p);
    });
    PF_CUDA_CHECK_LAUNCH();
    countLaunch();
}

void setDeviceFloat(float* target, float value, cudaStream_t stream) {
    setFloatKernel<<<1, 1, 0, stream>>>(target, value);
    PF_CUDA_CHECK_LAUNCH();
    countLaunch();
}

} // namespace detail

} // namespace pf::gpu
