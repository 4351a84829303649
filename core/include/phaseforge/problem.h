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

/// A problem by reference, as the engines and the support rules read it: the
/// magnitudes, the measured mask and the support in force. Reconstruction
/// makes one from the data it has validated, with its own measured mask (free
/// pixels held out) and support, so the magnitudes are neither copied nor
/// checked again. Whoever makes a ProblemRef has validated what it refers to
/// (Problem::validate, or masks of the magnitude's shape derived from a
/// validated problem); functions that take one do not check it. It refers:
/// the arrays must outlive it (pass it on, do not keep it).
struct ProblemRef {
    const ImageF& magnitude;
    const Mask& measured;
    const Mask& support;

    ProblemRef(const ImageF& m, const Mask& measuredMask, const Mask& supportMask)
        : magnitude(m), measured(measuredMask), support(supportMask) {}
    /// A Problem as it is.
    ProblemRef(const Problem& p) : ProblemRef(p.magnitude, p.measured, p.support) {}
    Shape shape() const { return magnitude.shape; }
};

} // namespace pf
