#include "phaseforge/simulate.h"

#include "fftw_util.h"
#include "phaseforge/error.h"

#include <algorithm>
#include <cmath>
#include <random>

namespace pf {

Simulation simulate(const ImageF& object, const SimulationOptions& options) {
    if (object.shape.empty() || object.data.size() != object.shape.size())
        throw InvalidArgument("object: the image is empty");
    if (!(options.oversampling >= 1.0 && options.oversampling <= 64.0))
        throw InvalidArgument("oversampling: must lie in [1, 64], got " +
                              std::to_string(options.oversampling));
    if (!(options.photons >= 0) || !std::isfinite(options.photons))
        throw InvalidArgument("photons: must be finite and >= 0");
    if (!(options.beamstopRadius >= 0) || !std::isfinite(options.beamstopRadius))
        throw InvalidArgument("beamstop radius: must be finite and >= 0");
    for (float v : object.data)
        if (!std::isfinite(v) || v < 0)
            throw InvalidArgument("object: values must be finite and non-negative");

    const Shape field{int(std::lround(object.shape.rows * options.oversampling)),
                      int(std::lround(object.shape.cols * options.oversampling))};
    const int r0 = (field.rows - object.shape.rows) / 2, c0 = (field.cols - object.shape.cols) / 2;

    Simulation sim;
    sim.object = ImageF(field, 0.0f);
    sim.problem.support = Mask(field, 0);
    for (int r = 0; r < object.shape.rows; ++r)
        for (int c = 0; c < object.shape.cols; ++c) {
            sim.object.at(r0 + r, c0 + c) = object.at(r, c);
            sim.problem.support.at(r0 + r, c0 + c) = 1;
        }

    // |FFT(field)| on the full grid, from the half spectrum and Hermitian symmetry.
    const int half = field.halfCols();
    auto in = fftw::allocate<float>(field.size());
    auto spec = fftw::allocate<std::complex<float>>(field.halfSize());
    fftw::Plan plan = fftw::planR2C(field.rows, field.cols, in.get(), spec.get(), 1, FFTW_ESTIMATE);
    std::copy(sim.object.data.begin(), sim.object.data.end(), in.get());
    fftwf_execute(plan.get());
    ImageF intensity(field);
    for (int r = 0; r < field.rows; ++r)
        for (int c = 0; c < field.cols; ++c) {
            std::complex<float> v;
            if (c < half)
                v = spec[std::size_t(r) * half + c];
            else
                v = std::conj(spec[std::size_t((field.rows - r) % field.rows) * half +
                                   (field.cols - c)]);
            intensity.at(r, c) = std::norm(v);
        }

    if (options.photons > 0) {
        double total = 0;
        for (float v : intensity.data)
            total += v;
        const double scale = total > 0 ? options.photons / total : 0;
        std::mt19937_64 rng(options.seed);
        for (auto& v : intensity.data) {
            const double mean = v * scale;
            v = mean > 0 ? float(std::poisson_distribution<long long>(mean)(rng)) : 0.0f;
        }
    }

    sim.problem.magnitude = ImageF(field);
    for (std::size_t i = 0; i < field.size(); ++i)
        sim.problem.magnitude.data[i] = std::sqrt(intensity.data[i]);

    if (options.beamstopRadius > 0) {
        sim.problem.measured = Mask(field, 1);
        const double r2 = options.beamstopRadius * options.beamstopRadius;
        for (int r = 0; r < field.rows; ++r)
            for (int c = 0; c < field.cols; ++c) {
                const double dr = std::min(r, field.rows - r), dc = std::min(c, field.cols - c);
                if (dr * dr + dc * dc <= r2) {
                    sim.problem.measured.at(r, c) = 0;
                    sim.problem.magnitude.at(r, c) = 0;
                }
            }
    }
    return sim;
}

ImageF randomBlobs(Shape shape, int blobs, std::uint64_t seed) {
    if (shape.empty())
        throw InvalidArgument("randomBlobs: empty shape");
    std::mt19937_64 rng(seed);
    const double minSide = std::min(shape.rows, shape.cols);
    std::uniform_real_distribution<double> ur(0.2 * shape.rows, 0.8 * shape.rows);
    std::uniform_real_distribution<double> uc(0.2 * shape.cols, 0.8 * shape.cols);
    std::uniform_real_distribution<double> width(0.04 * minSide, 0.15 * minSide);
    std::uniform_real_distribution<double> height(0.3, 1.0);
    ImageF img(shape, 0.0f);
    for (int b = 0; b < blobs; ++b) {
        const double cr = ur(rng), cc = uc(rng), w = width(rng), h = height(rng);
        for (int r = 0; r < shape.rows; ++r)
            for (int c = 0; c < shape.cols; ++c) {
                const double d2 = ((r - cr) * (r - cr) + (c - cc) * (c - cc)) / (w * w);
                img.at(r, c) += float(h * std::exp(-0.5 * d2));
            }
    }
    float peak = 0;
    for (float v : img.data)
        peak = std::max(peak, v);
    for (auto& v : img.data)
        v = peak > 0 ? v / peak : 0.0f;
    return img;
}

} // namespace pf
