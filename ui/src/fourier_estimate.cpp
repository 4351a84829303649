#include "phaseforge/ui/fourier_estimate.h"

#include <phaseforge/fftw_engine.h>

#include <complex>
#include <vector>

namespace pf::ui {

std::shared_ptr<const ImageF> centredFourierMagnitude(const ImageF& object,
                                                      pf::FftwTransforms* transforms) {
    const Shape s = object.shape;
    std::unique_ptr<pf::FftwTransforms> own;
    if (!transforms || transforms->shape() != s) {
        // One thread and estimated plans: a display aid must not plan for long
        // or take the engine's threads.
        own = std::make_unique<pf::FftwTransforms>(s, 1, pf::FftwEngine::PlanEffort::Estimate);
        transforms = own.get();
    }
    std::vector<std::complex<float>> half(s.halfSize());
    transforms->forward(object.data, half);
    return std::make_shared<const ImageF>(centredMagnitudeOfHalf(half, s));
}

ImageF centredMagnitudeOfHalf(std::span<const std::complex<float>> half, Shape s, float scale) {
    ImageF full(s);
    const int hc = s.halfCols();
    for (int r = 0; r < s.rows; ++r) {
        for (int c = 0; c < s.cols; ++c) {
            // Columns past the half spectrum mirror (-r, -c): |F| is the same.
            const bool stored = c < hc;
            const int rr = stored ? r : (s.rows - r) % s.rows;
            const int cc = stored ? c : s.cols - c;
            const std::size_t i = std::size_t(rr) * std::size_t(hc) + std::size_t(cc);
            full.at(r, c) = scale * std::abs(half[i]);
        }
    }
    return pf::fftShift(full);
}

} // namespace pf::ui
