// The fused stage-1 path: an R2C plan whose cuFFT LTO callbacks apply the
// real-space rule on load and the magnitude projection on store, so a GS, ER
// or OO iteration is two cuFFT executions and nothing else. Internal.
#pragma once

#include "callbacks/fused_info.h"
#include "rule.h"

#include <phaseforge/gpu/kernels.h>

#include <cuda_runtime.h>
#include <cufft.h>

#include <map>

namespace pf::gpu::detail {

/// True for the rules the callbacks implement (those that read g' alone).
bool fusable(Algorithm a);

class FusedTransforms {
public:
    /// `info` is a device pointer that must outlive this object.
    FusedTransforms(Shape shape, int batch, const FusedInfo* info);
    ~FusedTransforms();
    FusedTransforms(const FusedTransforms&) = delete;
    FusedTransforms& operator=(const FusedTransforms&) = delete;

    /// Makes the plan of `a`'s rule now (JIT link included) if not made yet.
    void prepare(Algorithm a);
    /// g_next = rule(g') into info->g, spectrum = P_M(FFT(g_next)) / (rows·cols).
    void r2c(Algorithm a, const float* gOut, Complex* spectrum, cudaStream_t stream);
    /// cuFFT work area held by the plans made so far.
    std::size_t workBytes() const { return m_work; }

private:
    Shape m_shape;
    int m_batch;
    const FusedInfo* m_info;
    std::map<Rule, cufftHandle> m_plans;
    std::size_t m_work = 0;
};

} // namespace pf::gpu::detail
