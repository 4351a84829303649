// What is being solved: measured Fourier magnitudes, which of them were
// measured, and where the object may be non-zero.
#pragma once

#include "phaseforge/image.h"

namespace pf {

/// One phase-retrieval problem. All arrays are in FFT order: the zero
/// frequency at (0, 0), as numpy.fft.fft2 returns it. Readers of centred data
/// apply ifftShift before building a Problem.
struct Problem {
    /// Measured Fourier magnitudes |F x|, finite and >= 0, any rectangular size.
    ImageF magnitude;
    /// Optional. 1 where the detector measured, 0 where it did not (beamstop,
    /// gaps, dead pixels): there the magnitude floats free. Empty = all measured.
    Mask measured;
    /// Optional real-space support. 1 where the object may be non-zero.
    /// Empty = the whole field (only positivity is enforced).
    Mask support;

    Shape shape() const { return magnitude.shape; }

    /// Throws InvalidArgument naming the problem: empty image, NaN/Inf or
    /// negative magnitudes, a mask or support of the wrong shape, no measured
    /// pixel at all, an empty support.
    void validate() const;
};

} // namespace pf
