// The per-pixel arithmetic of one iteration, shared by the stage-1 kernels
// (kernels.cu) and the two-pass row pass (two_pass_passes.cuh). Every
// operation is an explicit round-to-nearest intrinsic, so no compiler can
// contract it into a fused multiply-add: both paths give the same bits from
// the same inputs. The rule is written over the value type T through
// Rounded<T> (float today; a complex object adds its own Rounded).
#pragma once

#include "rule.h"

namespace pf::gpu::detail {

/// Round-to-nearest arithmetic of one value type.
template <class T> struct Rounded;

template <> struct Rounded<float> {
    static __device__ float add(float a, float b) { return __fadd_rn(a, b); }
    static __device__ float sub(float a, float b) { return __fsub_rn(a, b); }
    static __device__ float mul(float a, float b) { return __fmul_rn(a, b); }
    /// The value the constraint tests for negativity.
    static __device__ float tested(float v) { return v; }
};

/// The violation test of algorithm.h: outside the support, or the tested
/// value (g', or 2g' - g for RAAR) negative.
template <Rule R, class T> __device__ inline bool violates(T gi, T gp, bool inside) {
    using O = Rounded<T>;
    const T test = R == Rule::Raar ? O::sub(O::mul(T(2), gp), gi) : gp;
    return !inside || O::tested(test) < 0.0f;
}

/// g_next for one pixel.
template <Rule R, class T> __device__ inline T ruleValue(T gi, T gp, bool bad, float beta) {
    using O = Rounded<T>;
    switch (R) {
    case Rule::ErGs: return bad ? T(0) : gp;
    case Rule::Io: return bad ? O::sub(gi, O::mul(beta, gp)) : gi;
    case Rule::Oo: return bad ? O::sub(gp, O::mul(beta, gp)) : gp;
    case Rule::Hio: return bad ? O::sub(gi, O::mul(beta, gp)) : gp;
    case Rule::Raar:
        return bad ? O::add(O::mul(beta, gi), O::mul(O::sub(1.0f, O::mul(2.0f, beta)), gp)) : gp;
    }
    return gp;
}

/// β for a rule: read from the device where a pointer is given (one value the
/// engine writes when β changes, so a captured graph never holds β), else
/// `fallback`.
__device__ inline float betaValue(const float* onDevice, float fallback) {
    return onDevice ? __ldg(onDevice) : fallback;
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

/// The Fourier-error term of one half pixel G with weights (n, s):
/// n|G|² − 2s|G|, in double (both passes and the stage-1 kernel sum it).
__device__ inline double fourierErrorTerm(float2 G, float2 ns) {
    const double mag = sqrt(double(G.x) * G.x + double(G.y) * G.y);
    return double(ns.x) * mag * mag - 2.0 * double(ns.y) * mag;
}

} // namespace pf::gpu::detail
