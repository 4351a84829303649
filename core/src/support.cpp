#include "phaseforge/support.h"

#include "fftw_util.h"
#include "phaseforge/error.h"
#include "phaseforge/problem.h"

#include <algorithm>
#include <cmath>
#include <string>

namespace pf {

float ShrinkWrap::sigmaAt(int update) const {
    return std::max(sigmaEnd, float(sigmaStart * std::pow(double(sigmaDecay), double(update))));
}

void ShrinkWrap::validate() const {
    if (!enabled)
        return;
    if (every < 1)
        throw InvalidArgument("shrink-wrap: 'every' must be at least 1, got " +
                              std::to_string(every));
    if (!(sigmaStart > 0) || !(sigmaEnd > 0) || !std::isfinite(sigmaStart) || sigmaStart > 1000)
        throw InvalidArgument("shrink-wrap: sigma must be positive and finite (pixels)");
    if (!(sigmaDecay > 0 && sigmaDecay <= 1))
        throw InvalidArgument("shrink-wrap: sigma decay must lie in (0, 1]");
    if (!(threshold > 0 && threshold < 1))
        throw InvalidArgument("shrink-wrap: threshold must lie in (0, 1), got " +
                              std::to_string(threshold));
}

std::vector<float> gaussianBlurWeights(float sigma, int& radius) {
    radius = int(std::ceil(3.0f * sigma));
    std::vector<float> w(std::size_t(2 * radius + 1));
    double sum = 0;
    for (int j = -radius; j <= radius; ++j) {
        const double v = std::exp(-double(j) * j / (2.0 * double(sigma) * sigma));
        w[std::size_t(j + radius)] = float(v);
        sum += v;
    }
    for (auto& v : w)
        v = float(v / sum);
    return w;
}

void gaussianBlurPeriodic(std::span<const float> in, Shape shape, float sigma,
                          std::span<float> out) {
    if (in.size() != shape.size() || out.size() != shape.size())
        throw InvalidArgument("gaussianBlurPeriodic: buffer sizes differ from the shape");
    if (!(sigma > 0))
        throw InvalidArgument("gaussianBlurPeriodic: sigma must be positive");
    int radius = 0;
    const std::vector<float> w = gaussianBlurWeights(sigma, radius);
    const int rows = shape.rows, cols = shape.cols;
    std::vector<float> tmp(shape.size());
    // Rows first (along c), then columns (along r); indices wrap around.
#pragma omp parallel for schedule(static) if (shape.size() > (1u << 16))
    for (int r = 0; r < rows; ++r)
        for (int c = 0; c < cols; ++c) {
            float acc = 0;
            for (int j = -radius; j <= radius; ++j) {
                const int cc = ((c + j) % cols + cols) % cols;
                acc += w[std::size_t(j + radius)] * in[std::size_t(r) * cols + cc];
            }
            tmp[std::size_t(r) * cols + c] = acc;
        }
#pragma omp parallel for schedule(static) if (shape.size() > (1u << 16))
    for (int r = 0; r < rows; ++r)
        for (int c = 0; c < cols; ++c) {
            float acc = 0;
            for (int j = -radius; j <= radius; ++j) {
                const int rr = ((r + j) % rows + rows) % rows;
                acc += w[std::size_t(j + radius)] * tmp[std::size_t(rr) * cols + c];
            }
            out[std::size_t(r) * cols + c] = acc;
        }
}

Mask thresholdSupport(std::span<const float> blurred, Shape shape, float threshold) {
    Mask m(shape);
    float peak = 0;
    for (float v : blurred)
        peak = std::max(peak, v);
    const float level = threshold * peak;
    for (std::size_t i = 0; i < blurred.size(); ++i)
        m.data[i] = peak > 0 && blurred[i] >= level ? 1 : 0;
    return m;
}

Mask autocorrelationSupport(const Problem& problem, float threshold) {
    problem.validate();
    if (!(threshold > 0 && threshold < 1))
        throw InvalidArgument("autocorrelation threshold: must lie in (0, 1)");
    const Shape s = problem.shape();
    const int half = s.halfCols();
    // |F|^2 is the Fourier transform of the autocorrelation. Its Hermitian part
    // (real, since |F|^2 is real) transforms to a real image.
    auto intensity = [&](int r, int c) {
        const std::size_t i = std::size_t(r) * std::size_t(s.cols) + std::size_t(c);
        if (!problem.measured.empty() && problem.measured.data[i] == 0)
            return 0.0f;
        return problem.magnitude.data[i] * problem.magnitude.data[i];
    };
    auto spectrum = fftw::allocate<std::complex<float>>(s.halfSize());
    auto image = fftw::allocate<float>(s.size());
    fftw::Plan plan = fftw::planC2R(s.rows, s.cols, spectrum.get(), image.get(), 1, FFTW_ESTIMATE);
    for (int r = 0; r < s.rows; ++r)
        for (int c = 0; c < half; ++c)
            spectrum[std::size_t(r) * half + c] = 0.5f * (intensity(r, c) +
                                                          intensity((s.rows - r) % s.rows,
                                                                    (s.cols - c) % s.cols));
    fftwf_execute(plan.get());
    std::vector<float> magnitude(s.size());
    for (std::size_t i = 0; i < s.size(); ++i)
        magnitude[i] = std::abs(image[i]);
    return thresholdSupport(magnitude, s, threshold);
}

long long countOnes(const Mask& m) {
    long long n = 0;
    for (auto v : m.data)
        n += v != 0;
    return n;
}

} // namespace pf
