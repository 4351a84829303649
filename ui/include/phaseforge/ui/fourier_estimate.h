// The Fourier-space estimate shown beside the measured pattern: |FFT(x)| of
// the object estimate, centred like the measured magnitudes.
#pragma once

#include <phaseforge/image.h>

#include <complex>
#include <memory>
#include <span>

namespace pf {
class FftwTransforms;
}

namespace pf::ui {

/// |FFT(object)| over the whole field (the half spectrum of the real
/// transform mirrored by Hermitian symmetry), zero frequency at the centre.
/// `transforms` (optional) must have the object's shape; reused across calls.
std::shared_ptr<const ImageF> centredFourierMagnitude(const ImageF& object,
                                                      pf::FftwTransforms* transforms = nullptr);

/// scale·|F| over the whole field from the half spectrum of a real image of
/// shape `s` (FFT order, s.halfSize() values), zero frequency at the centre.
ImageF centredMagnitudeOfHalf(std::span<const std::complex<float>> half, Shape s,
                              float scale = 1.0f);

} // namespace pf::ui
