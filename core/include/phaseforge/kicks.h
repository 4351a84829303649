// Kicks out of stagnation (docs/algorithms.md, "Kicks out of stagnation"):
// random phases on the dark pixels of a stalled iterate's spectrum, or a
// tapered half-plane cut of the object. The recipe uses them when the free
// error says the iterations stalled.
#pragma once

#include "phaseforge/image.h"

#include <complex>
#include <cstdint>
#include <vector>

namespace pf {

/// The box over which darkPixels() averages: 7 x 7 pixels.
inline constexpr int kDarkBox = 7;

/// Measured pixels whose magnitude is below `fraction` times the mean
/// magnitude of the kDarkBox² box around them (the box wraps: the spectrum is
/// periodic; unmeasured pixels count as 0 in the mean). An empty `measured`
/// means every pixel. These are the dark rings where a stalled iterate's phase
/// errors sit.
Mask darkPixels(const ImageF& magnitude, const Mask& measured, float fraction);

/// `x` with the phases of its spectrum on `dark` replaced by random ones drawn
/// from `seed`, Hermitian so that the result is real; every magnitude is kept
/// (to float rounding). Pixels whose Hermitian partner is themselves get a
/// random sign.
ImageF kickPhases(const ImageF& x, const Mask& dark, std::uint64_t seed);
/// kickPhases from x's half spectrum (R2C, unnormalised, rows x (cols/2 + 1)),
/// for a caller that has the spectrum already: kicks it in place and returns
/// the kicked image.
ImageF kickHalfSpectrum(std::vector<std::complex<float>>& half, Shape shape, const Mask& dark,
                        std::uint64_t seed);

/// `x` times w = (1 + tanh(d / taper)) / 2, where d is the signed distance (in
/// pixels, periodic) from the line through the circular centre of `support`
/// at `angle` radians from the column axis: the half of the object on one
/// side kept, the other faded out over about `taper` pixels. An empty
/// support means the whole field (centre at the origin).
ImageF halfPlaneCut(const ImageF& x, const Mask& support, double angle, double taper);

} // namespace pf
