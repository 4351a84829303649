// The automatic support's fill step on the device (support.h,
// fillAutocorrelation): the same alternating projections as the host's, with
// cuFFT for the transforms. Internal to gpu/src; CudaEngine runs it.
#pragma once

#include <phaseforge/support.h>

#include <span>

namespace pf::gpu::detail {

/// Runs `fill` on the current device and writes max(0, the completed
/// autocorrelation), unnormalised, into `out` (rows·cols, FFT order). Owns its
/// buffers, plans and stream for the call; waits for the device.
void fillAutocorrelationOnDevice(const IntensityFill& fill, std::span<float> out);

} // namespace pf::gpu::detail
