// The stage-1 real-space rule kernel's parameters and launcher, shared by the
// kernel-level API (projectObject, β by value) and the engine's stage-1 path
// (β read on the device). Internal to gpu/src; the kernel is in kernels.cu.
#pragma once

#include "rule.h"

#include <cstdint>
#include <cuda_runtime.h>

namespace pf::gpu::detail {

/// Parameters of the real-space rule (one launch covers `batch` images).
struct ObjectParams {
    const float* g;               ///< current iterate, batch x n (read by IO, HIO, RAAR)
    const float* gOut;            ///< last Fourier output g', batch x n
    const std::uint8_t* support;  ///< batch x n masks, or nullptr for the whole field
    float* next;                  ///< output, batch x n; may equal g
    double* sums;                 ///< 2 per image: violation energy, output energy (or nullptr)
    long long n;                  ///< pixels per image
    float beta;                   ///< the rule's β, used when betaOnDevice is nullptr
    const float* betaOnDevice;    ///< the rule's β as one float on the device (the engine:
                                  ///< a graph that replays the launch reads the current β)
};

/// Launches the rule `rule` over `batch` images on `stream` (checked, counted).
void launchObjectRule(Rule rule, const ObjectParams& p, int batch, cudaStream_t stream);

/// Writes `value` into one float on the device, stream-ordered, by a kernel
/// (no host memory involved, so the caller's value may die at return).
void setDeviceFloat(float* target, float value, cudaStream_t stream);

} // namespace pf::gpu::detail
