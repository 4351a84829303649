// The per-kernel API's shared objects: FFT plans and magnitude weights, each
// with a host half (FFTW, core's HermitianWeights) and, in the CUDA build, a
// device half (pf::gpu::FftPlans, pf::gpu::DeviceWeights).
#pragma once

#include "device_array.h"

#include <phaseforge/algorithm.h>
#include <phaseforge/projections.h>

#include <pybind11/pybind11.h>

#include <complex>
#include <cstdint>
#include <memory>

namespace pfpy {

namespace py = pybind11;

struct HostFftPlan;   // host_kernels.cpp: FFTW r2c/c2r planned as the FftwEngine plans
struct DeviceFftPlan; // device_kernels.cpp: cuFFT plans as the CUDA engine makes them
struct DeviceWeightsHolder;

/// kernels.FftPlan: r2c/c2r plans for one shape on one device.
struct FftPlan {
    pf::Shape shape;
    bool cuda = false;
    std::shared_ptr<HostFftPlan> host;
    std::shared_ptr<DeviceFftPlan> device;
};

/// kernels.Weights: the Hermitian weights of one problem, on the host always,
/// and on the device when made with device="cuda" (one explicit upload).
struct Weights {
    pf::HermitianWeights host;
    std::shared_ptr<DeviceWeightsHolder> device;
};

// Host half (host_kernels.cpp); arrays were checked by the caller.
std::shared_ptr<HostFftPlan> makeHostPlan(pf::Shape shape, int threads);
int hostPlanThreads(const HostFftPlan& plan);
void hostR2C(HostFftPlan& plan, const float* in, std::complex<float>* out);
void hostC2R(HostFftPlan& plan, const std::complex<float>* in, float* out);

// Device half (device_kernels.cpp). Without CUDA each throws RuntimeError.
std::shared_ptr<DeviceFftPlan> makeDevicePlan(pf::Shape shape);
std::shared_ptr<DeviceWeightsHolder> uploadWeights(const pf::HermitianWeights& w,
                                                   std::uintptr_t stream);
double deviceSumMeasuredSquared(const DeviceWeightsHolder& w);
void deviceR2C(DeviceFftPlan& plan, const float* in, std::complex<float>* out,
               std::uintptr_t stream);
void deviceC2R(DeviceFftPlan& plan, std::complex<float>* in, float* out, std::uintptr_t stream);
void deviceProjectObject(const pf::Step& step, const float* g, const float* gOut,
                         const std::uint8_t* support, float* next, pf::Shape shape,
                         double* sums, std::uintptr_t stream);
void deviceProjectMagnitude(std::complex<float>* spectrum, const DeviceWeightsHolder& w,
                            std::uintptr_t stream);
void deviceErrorSum(const std::complex<float>* spectrum, const DeviceWeightsHolder& w,
                    double* sums, std::uintptr_t stream);
void deviceZero(void* data, std::size_t bytes, std::uintptr_t stream);
double deviceErrorNumerator(const std::complex<float>* spectrum, const DeviceWeightsHolder& w,
                            std::uintptr_t stream);

} // namespace pfpy
