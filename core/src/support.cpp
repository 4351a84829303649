#include "phaseforge/support.h"

#include "fftw_util.h"
#include "phaseforge/engine.h"
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

namespace {

/// The periodic blur with given weights (2·radius + 1 of them); `tmp` is
/// scratch of the image's size, for callers that blur in a loop.
void blurPeriodic(std::span<const float> in, Shape shape, const std::vector<float>& w,
                  int radius, std::span<float> out, std::vector<float>& tmp) {
    const int rows = shape.rows, cols = shape.cols, taps = 2 * radius + 1;
    auto wrap = [](int i, int n) { return (i % n + n) % n; };
    tmp.resize(shape.size());
    // Rows first (along c), then columns (along r); indices wrap around. Each
    // output adds its taps in the order j = -radius .. radius (the order the
    // GPU kernel follows), from padded copies so that no index wraps inside
    // the inner loops.
    const bool parallel = shape.size() >= fftw::kThreadedMinPixels;
#pragma omp parallel if (parallel)
    {
        std::vector<float> padded(std::size_t(cols + 2 * radius));
#pragma omp for schedule(static)
        for (int r = 0; r < rows; ++r) {
            const float* row = in.data() + std::size_t(r) * cols;
            for (int k = 0; k < cols + 2 * radius; ++k)
                padded[std::size_t(k)] = row[wrap(k - radius, cols)];
            float* dst = tmp.data() + std::size_t(r) * cols;
            for (int c = 0; c < cols; ++c) {
                float acc = 0;
                for (int t = 0; t < taps; ++t)
                    acc += w[std::size_t(t)] * padded[std::size_t(c + t)];
                dst[c] = acc;
            }
        }
    }
#pragma omp parallel for schedule(static) if (parallel)
    for (int r = 0; r < rows; ++r) {
        float* dst = out.data() + std::size_t(r) * cols;
        std::fill(dst, dst + cols, 0.0f);
        for (int t = 0; t < taps; ++t) {
            const float weight = w[std::size_t(t)];
            const float* src = tmp.data() + std::size_t(wrap(r + t - radius, rows)) * cols;
            for (int c = 0; c < cols; ++c)
                dst[c] += weight * src[c];
        }
    }
}

} // namespace

void gaussianBlurPeriodic(std::span<const float> in, Shape shape, float sigma,
                          std::span<float> out) {
    if (in.size() != shape.size() || out.size() != shape.size())
        throw InvalidArgument("gaussianBlurPeriodic: buffer sizes differ from the shape");
    if (!(sigma > 0))
        throw InvalidArgument("gaussianBlurPeriodic: sigma must be positive");
    int radius = 0;
    const std::vector<float> w = gaussianBlurWeights(sigma, radius);
    std::vector<float> tmp;
    blurPeriodic(in, shape, w, radius, out, tmp);
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
    return autocorrelationSupport(ProblemRef(problem), threshold);
}

Mask autocorrelationSupport(ProblemRef problem, float threshold) {
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
    fftw::Plan plan = fftw::planC2R(s.rows, s.cols, spectrum.get(), image.get(),
                                    fftw::threadsFor(s.size()), FFTW_ESTIMATE);
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

namespace pf {

void AutoSupport::validate() const {
    if (!(threshold > 0 && threshold < 1))
        throw InvalidArgument("automatic support: threshold must lie in (0, 1), got " +
                              std::to_string(threshold));
    if (fillIterations < 0 || fillIterations > 100000)
        throw InvalidArgument("automatic support: fill iterations must lie in 0..100000");
    if (!(fillFloor >= 0 && fillFloor < 1))
        throw InvalidArgument("automatic support: fill floor must lie in [0, 1)");
    if (dilation < 0 || dilation > 64)
        throw InvalidArgument("automatic support: dilation must lie in 0..64 pixels");
}

Mask dilate(const Mask& m, int radius) {
    if (radius <= 0)
        return m;
    const int rows = m.shape.rows, cols = m.shape.cols;
    Mask rowsDone(m.shape), out(m.shape);
    for (int r = 0; r < rows; ++r)
        for (int c = 0; c < cols; ++c) {
            std::uint8_t v = 0;
            for (int j = -radius; j <= radius && !v; ++j)
                v = m.at(r, ((c + j) % cols + cols) % cols);
            rowsDone.at(r, c) = v;
        }
    for (int r = 0; r < rows; ++r)
        for (int c = 0; c < cols; ++c) {
            std::uint8_t v = 0;
            for (int j = -radius; j <= radius && !v; ++j)
                v = rowsDone.at(((r + j) % rows + rows) % rows, c);
            out.at(r, c) = v;
        }
    return out;
}

Mask estimateSupport(const Problem& problem, const AutoSupport& rule) {
    problem.validate();
    return estimateSupport(ProblemRef(problem), rule);
}

namespace {

/// The three steps, with the fill run by `runFill(fill, out)`.
template <class RunFill>
Mask estimateWith(ProblemRef problem, const AutoSupport& rule, RunFill&& runFill) {
    const IntensityFill fill = intensityFillOf(problem, rule);
    std::vector<float> autocorrelation(problem.shape().size());
    runFill(fill, std::span<float>(autocorrelation));
    return supportFromAutocorrelation(autocorrelation, problem.shape(), rule);
}

} // namespace

Mask estimateSupport(ProblemRef problem, const AutoSupport& rule) {
    return estimateWith(problem, rule, [](const IntensityFill& f, std::span<float> out) {
        fillAutocorrelation(f, out);
    });
}

Mask estimateSupport(ProblemRef problem, const AutoSupport& rule, Engine& engine) {
    return estimateWith(problem, rule, [&](const IntensityFill& f, std::span<float> out) {
        engine.fillAutocorrelation(f, out);
    });
}

IntensityFill intensityFillOf(ProblemRef problem, const AutoSupport& rule) {
    rule.validate();
    const Shape s = problem.shape();
    const int half = s.halfCols();
    auto measuredAt = [&](std::size_t i) {
        return problem.measured.empty() || problem.measured.data[i] != 0;
    };
    IntensityFill fill;
    fill.shape = s;
    fill.iterations = rule.fillIterations;
    fill.floor = rule.fillFloor;
    fill.known.resize(s.halfSize());
    fill.value.resize(s.halfSize());
    for (int r = 0; r < s.rows; ++r)
        for (int c = 0; c < half; ++c) {
            const std::size_t i = std::size_t(r) * s.cols + c;
            const std::size_t j = std::size_t((s.rows - r) % s.rows) * s.cols + (s.cols - c) % s.cols;
            const float a = problem.magnitude.data[i], b = problem.magnitude.data[j];
            const bool ka = measuredAt(i), kb = measuredAt(j);
            const std::size_t h = std::size_t(r) * half + c;
            fill.known[h] = ka || kb;
            fill.value[h] = ka && kb ? 0.5f * (a * a + b * b) : ka ? a * a : kb ? b * b : 0.0f;
        }
    return fill;
}

void fillAutocorrelation(const IntensityFill& fill, std::span<float> out) {
    const Shape s = fill.shape;
    const std::size_t n = s.size(), nh = s.halfSize();
    if (fill.known.size() != nh || fill.value.size() != nh || out.size() != n)
        throw InvalidArgument("fillAutocorrelation: buffer sizes differ from the shape");
    auto spectrum = fftw::allocate<std::complex<float>>(nh);
    auto image = fftw::allocate<float>(n);
    const int threads = fftw::threadsFor(s.size());
    fftw::Plan toImage = fftw::planC2R(s.rows, s.cols, spectrum.get(), image.get(), threads, FFTW_ESTIMATE);
    fftw::Plan toSpectrum = fftw::planR2C(s.rows, s.cols, image.get(), spectrum.get(), threads, FFTW_ESTIMATE);
    std::vector<float> estimate(fill.value), blurred(n), positive(n);
    const float scale = 1.0f / float(n);
    // Per-pixel loops run on every core for large patterns (the FFTs do too):
    // each pixel's value does not depend on the order, and max is exact.
    const bool parallel = threads > 1;
    // The fill's blur (σ = 2 px): weights and scratch made once, not per iteration.
    int fillRadius = 0;
    const std::vector<float> fillWeights = gaussianBlurWeights(2.0f, fillRadius);
    std::vector<float> blurScratch;
    const auto count = std::ptrdiff_t(n), halfCount = std::ptrdiff_t(nh);
    auto autocorrelation = [&] {
#pragma omp parallel for if (parallel)
        for (std::ptrdiff_t h = 0; h < halfCount; ++h)
            spectrum[h] = estimate[std::size_t(h)];
        fftwf_execute(toImage.get());
    };
    for (int it = 0; it < fill.iterations; ++it) {
        autocorrelation();
        float peak = 0;
#pragma omp parallel for reduction(max : peak) if (parallel)
        for (std::ptrdiff_t i = 0; i < count; ++i) {
            positive[std::size_t(i)] = std::max(image[i] * scale, 0.0f);
            peak = std::max(peak, positive[std::size_t(i)]);
        }
        if (!(peak > 0))
            break;
        if (fill.floor > 0) {
            blurPeriodic(positive, s, fillWeights, fillRadius, blurred, blurScratch);
            float bpeak = 0;
#pragma omp parallel for reduction(max : bpeak) if (parallel)
            for (std::ptrdiff_t i = 0; i < count; ++i)
                bpeak = std::max(bpeak, blurred[std::size_t(i)]);
            const float floor = fill.floor * bpeak;
#pragma omp parallel for if (parallel)
            for (std::ptrdiff_t i = 0; i < count; ++i)
                image[i] = blurred[std::size_t(i)] < floor ? 0.0f : positive[std::size_t(i)];
        } else {
            std::copy(positive.begin(), positive.end(), image.get());
        }
        fftwf_execute(toSpectrum.get());
#pragma omp parallel for if (parallel)
        for (std::ptrdiff_t h = 0; h < halfCount; ++h)
            if (!fill.known[std::size_t(h)])
                estimate[std::size_t(h)] = std::max(spectrum[h].real(), 0.0f);
    }
    autocorrelation();
    for (std::size_t i = 0; i < n; ++i)
        out[i] = std::max(image[i], 0.0f);
}

Mask supportFromAutocorrelation(std::span<const float> autocorrelation, Shape shape,
                                const AutoSupport& rule) {
    Mask support = dilate(thresholdSupport(autocorrelation, shape, rule.threshold), rule.dilation);
    if (countOnes(support) == 0)
        throw InvalidArgument("automatic support: the autocorrelation is empty (no measured intensity)");
    return support;
}

} // namespace pf
