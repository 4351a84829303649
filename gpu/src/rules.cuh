// The per-pixel arithmetic of one iteration, shared by the stage-1 kernels
// (kernels.cu) and the cuFFT LTO callbacks (callbacks/fused_callbacks.cu).
// Every operation is an explicit round-to-nearest intrinsic, so no compiler
// (nvcc, or the JIT link of a callback) can contract it into a fused
// multiply-add: both paths give the same bits from the same inputs.
#pragma once

#include "rule.h"

namespace pf::gpu::detail {

/// The violation test of algorithm.h: outside the support, or the tested
/// value (g', or 2g' - g for RAAR) negative.
template <Rule R> __device__ inline bool violates(float gi, float gp, bool inside) {
    const float test = R == Rule::Raar ? __fsub_rn(__fmul_rn(2.0f, gp), gi) : gp;
    return !inside || test < 0.0f;
}

/// g_next for one pixel.
template <Rule R> __device__ inline float ruleValue(float gi, float gp, bool bad, float beta) {
    switch (R) {
    case Rule::ErGs: return bad ? 0.0f : gp;
    case Rule::Io: return bad ? __fsub_rn(gi, __fmul_rn(beta, gp)) : gi;
    case Rule::Oo: return bad ? __fsub_rn(gp, __fmul_rn(beta, gp)) : gp;
    case Rule::Hio: return bad ? __fsub_rn(gi, __fmul_rn(beta, gp)) : gp;
    case Rule::Raar:
        return bad ? __fadd_rn(__fmul_rn(beta, gi), __fmul_rn(__fsub_rn(1.0f, __fmul_rn(2.0f, beta)), gp))
                   : gp;
    }
    return gp;
}

/// The magnitude projection of one half pixel G with weights (a, b) and the
/// inverse transform's 1/(rows·cols):  (a|G| + b) G/|G| · invN, or b·invN
/// (phase 0) where |G| = 0.
__device__ inline float2 projectHalfPixel(float2 G, float2 ab, float inverseSize) {
    const float mag = __fsqrt_rn(__fadd_rn(__fmul_rn(G.x, G.x), __fmul_rn(G.y, G.y)));
    if (mag > 0.0f) {
        const float scale =
            __fmul_rn(__fdiv_rn(__fadd_rn(__fmul_rn(ab.x, mag), ab.y), mag), inverseSize);
        return make_float2(__fmul_rn(G.x, scale), __fmul_rn(G.y, scale));
    }
    return make_float2(__fmul_rn(ab.y, inverseSize), 0.0f);
}

} // namespace pf::gpu::detail
