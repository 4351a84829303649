// cuFFT LTO callbacks of the fused stage-1 iteration (GS, ER, OO): the R2C's
// load callback applies the real-space rule to g' and stores g_next; its
// store callback applies the magnitude projection before the spectrum is
// written. Compiled to LTO-IR (see gpu/CMakeLists.txt) and JIT-linked into
// cuFFT's kernels. The arithmetic is rules.cuh's, as in kernels.cu.
//
// The callbacks have C++ linkage in the global namespace: cuFFT refers to them
// by the name given to cufftXtSetJITCallback with the callback signature.
// Each callback is compiled alone (PF_CALLBACK = 1, 2, 3) into its own
// fatbin: cuFFT links a plan's load and store modules together, and one
// module holding every symbol would define them twice.
//
// Only rules that read g' alone are fused: cuFFT may load an element more
// than once, and these callbacks are idempotent (they never read what they wrote).
#include "../rules.cuh"
#include "fused_info.h"

#include <cufftXt.h>

using pf::gpu::detail::FusedInfo;
using pf::gpu::detail::Rule;

namespace {

template <Rule R> __device__ inline cufftReal loadRule(void* dataIn, unsigned long long offset,
                                                       void* callerInfo) {
    const FusedInfo* info = static_cast<const FusedInfo*>(callerInfo);
    const float gp = static_cast<const float*>(dataIn)[offset];
    const bool inside = info->support ? info->support[offset] != 0 : true;
    const bool bad = pf::gpu::detail::violates<R>(0.0f, gp, inside);
    const float v = pf::gpu::detail::ruleValue<R>(0.0f, gp, bad, info->beta);
    info->g[offset] = v;
    return v;
}

} // namespace

#if PF_CALLBACK == 1
__device__ cufftReal pf_load_er(void* dataIn, unsigned long long offset,
                                           void* callerInfo, void*) {
    return loadRule<Rule::ErGs>(dataIn, offset, callerInfo);
}
#endif

#if PF_CALLBACK == 2
__device__ cufftReal pf_load_oo(void* dataIn, unsigned long long offset,
                                           void* callerInfo, void*) {
    return loadRule<Rule::Oo>(dataIn, offset, callerInfo);
}
#endif

#if PF_CALLBACK == 3
__device__ void pf_store_project(void* dataOut, unsigned long long offset,
                                            cufftComplex element, void* callerInfo, void*) {
    const FusedInfo* info = static_cast<const FusedInfo*>(callerInfo);
    const unsigned long long i = offset % (unsigned long long)info->half;
    const float2 ab = reinterpret_cast<const float2*>(info->weights)[i];
    const float2 out = pf::gpu::detail::projectHalfPixel(make_float2(element.x, element.y), ab,
                                                         info->inverseSize);
    static_cast<cufftComplex*>(dataOut)[offset] = make_cuComplex(out.x, out.y);
}
#endif
