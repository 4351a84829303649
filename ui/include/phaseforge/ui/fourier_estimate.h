// The Fourier-space estimate shown beside the measured pattern: |FFT(x)| of
// the object estimate, centred like the measured magnitudes.
#pragma once

#include <phaseforge/image.h>

#include <memory>

namespace pf {
class FftwTransforms;
}

namespace pf::ui {

/// |FFT(object)| over the whole field (the half spectrum of the real
/// transform mirrored by Hermitian symmetry), zero frequency at the centre.
/// `transforms` (optional) must have the object's shape; reused across calls.
std::shared_ptr<const ImageF> centredFourierMagnitude(const ImageF& object,
                                                      pf::FftwTransforms* transforms = nullptr);

} // namespace pf::ui
