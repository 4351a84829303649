// The data the fused cuFFT LTO callbacks read (their callerInfo). Plain C++,
// shared by the callbacks (compiled to LTO-IR) and the host side.
#pragma once

namespace pf::gpu::detail {

/// One per engine, in device memory, written at load() and when β changes.
struct FusedInfo {
    const float* gOut;            ///< K x n: g', the R2C's input (the load callback reads it)
    float* g;                     ///< K x n: receives g_next (the iterate)
    const unsigned char* support; ///< K x n masks, or nullptr for the whole field
    const float* weights;         ///< half pairs (a, b) of the projection
    long long half;               ///< half-spectrum pixels per image
    float beta;                   ///< the rule's β (OO)
    float inverseSize;            ///< 1 / (rows·cols)
};

} // namespace pf::gpu::detail
