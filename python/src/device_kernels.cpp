// The device half of the per-kernel API: thin calls into gpu/kernels.h, the
// same functions, plans and launch shapes the CUDA engine's loop uses. In a
// build without CUDA each entry point says so with a RuntimeError.
#include "kernels.h"

#include <phaseforge/error.h>

#ifdef PF_PYTHON_WITH_GPU
#include <phaseforge/gpu/kernels.h>
#endif

namespace pfpy {

#ifdef PF_PYTHON_WITH_GPU

namespace {
void* asStream(std::uintptr_t s) { return reinterpret_cast<void*>(s); }
} // namespace

struct DeviceFftPlan {
    pf::Shape shape;
    pf::gpu::FftPlans plans; // one shape, batch 1, made up front
};

struct DeviceWeightsHolder {
    pf::gpu::DeviceWeights weights;
};

std::shared_ptr<DeviceFftPlan> makeDevicePlan(pf::Shape shape) {
    auto p = std::make_shared<DeviceFftPlan>();
    p->shape = shape;
    p->plans.prepare(shape, 1);
    return p;
}

std::shared_ptr<DeviceWeightsHolder> uploadWeights(const pf::HermitianWeights& w,
                                                   std::uintptr_t stream) {
    auto h = std::make_shared<DeviceWeightsHolder>();
    h->weights = pf::gpu::DeviceWeights(w, asStream(stream));
    return h;
}

double deviceSumMeasuredSquared(const DeviceWeightsHolder& w) {
    return w.weights.sumMeasuredSquared();
}

void deviceR2C(DeviceFftPlan& plan, const float* in, std::complex<float>* out,
               std::uintptr_t stream) {
    plan.plans.r2c(in, out, plan.shape, 1, asStream(stream));
}

void deviceC2R(DeviceFftPlan& plan, std::complex<float>* in, float* out, std::uintptr_t stream) {
    plan.plans.c2r(in, out, plan.shape, 1, asStream(stream));
}

void deviceProjectObject(const pf::Step& step, const float* g, const float* gOut,
                         const std::uint8_t* support, float* next, pf::Shape shape, double* sums,
                         std::uintptr_t stream) {
    pf::gpu::projectObject(step, g, gOut, support, next, shape, 1, asStream(stream), sums);
}

void deviceProjectMagnitude(std::complex<float>* spectrum, const DeviceWeightsHolder& w,
                            std::uintptr_t stream) {
    pf::gpu::projectMagnitude(spectrum, w.weights, 1, asStream(stream));
}

void deviceErrorSum(const std::complex<float>* spectrum, const DeviceWeightsHolder& w,
                    double* sums, std::uintptr_t stream) {
    pf::gpu::fourierErrorSum(spectrum, w.weights, 1, sums, asStream(stream));
}

void deviceZero(void* data, std::size_t bytes, std::uintptr_t stream) {
    pf::gpu::zeroDevice(data, bytes, asStream(stream));
}

double deviceErrorNumerator(const std::complex<float>* spectrum, const DeviceWeightsHolder& w,
                            std::uintptr_t stream) {
    return pf::gpu::fourierErrorNumerators(spectrum, w.weights, 1, asStream(stream)).front();
}

#else // no CUDA in this build

struct DeviceFftPlan {};
struct DeviceWeightsHolder {};

std::shared_ptr<DeviceFftPlan> makeDevicePlan(pf::Shape) { throwNoCuda("device arrays"); }
std::shared_ptr<DeviceWeightsHolder> uploadWeights(const pf::HermitianWeights&, std::uintptr_t) {
    throwNoCuda("device arrays");
}
double deviceSumMeasuredSquared(const DeviceWeightsHolder&) { throwNoCuda("device arrays"); }
void deviceR2C(DeviceFftPlan&, const float*, std::complex<float>*, std::uintptr_t) {
    throwNoCuda("device arrays");
}
void deviceC2R(DeviceFftPlan&, std::complex<float>*, float*, std::uintptr_t) {
    throwNoCuda("device arrays");
}
void deviceProjectObject(const pf::Step&, const float*, const float*, const std::uint8_t*, float*,
                         pf::Shape, double*, std::uintptr_t) {
    throwNoCuda("device arrays");
}
void deviceProjectMagnitude(std::complex<float>*, const DeviceWeightsHolder&, std::uintptr_t) {
    throwNoCuda("device arrays");
}
void deviceErrorSum(const std::complex<float>*, const DeviceWeightsHolder&, double*,
                    std::uintptr_t) {
    throwNoCuda("device arrays");
}
void deviceZero(void*, std::size_t, std::uintptr_t) { throwNoCuda("device arrays"); }
double deviceErrorNumerator(const std::complex<float>*, const DeviceWeightsHolder&,
                            std::uintptr_t) {
    throwNoCuda("device arrays");
}

#endif

} // namespace pfpy
