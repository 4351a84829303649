#include "phaseforge/analysis.h"

#include "fftw_util.h"
#include "phaseforge/error.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>
#include <vector>

namespace pf {

namespace {

template <class T> Image<T> twinImage(const Image<T>& in) {
    Image<T> out(in.shape);
    const int rows = in.shape.rows, cols = in.shape.cols;
    for (int r = 0; r < rows; ++r)
        for (int c = 0; c < cols; ++c)
            out.at((rows - r) % rows, (cols - c) % cols) = in.at(r, c);
    return out;
}

/// |value| at full-grid pixel (r, c) from a half spectrum.
template <class F> auto atFull(const std::vector<F>& half, Shape s, int r, int c) {
    const int h = s.halfCols();
    if (c < h)
        return half[std::size_t(r) * h + c];
    return half[std::size_t((s.rows - r) % s.rows) * h + (s.cols - c)];
}

struct Peak {
    double value = -1;
    int r = 0, c = 0;
};

Peak peakOf(const std::vector<float>& cc, Shape s) {
    Peak p;
    for (int r = 0; r < s.rows; ++r)
        for (int c = 0; c < s.cols; ++c) {
            const float v = cc[std::size_t(r) * s.cols + c];
            if (v > p.value) {
                p.value = v;
                p.r = r;
                p.c = c;
            }
        }
    return p;
}

void requireSameShape(const ImageF& a, const ImageF& b, const char* what) {
    if (a.shape != b.shape || a.empty())
        throw InvalidArgument(std::string(what) + ": the images differ in shape or are empty");
}

} // namespace

ImageF twinOf(const ImageF& in) { return twinImage(in); }
Mask twinOf(const Mask& in) { return twinImage(in); }

ImageF Alignment::apply(const ImageF& moving) const {
    return circularShift(twin ? twinOf(moving) : moving, dr, dc);
}
Mask Alignment::apply(const Mask& moving) const {
    return circularShift(twin ? twinOf(moving) : moving, dr, dc);
}

AlignmentTo::AlignmentTo(const ImageF& reference)
    : m_shape(reference.shape), m_spectrum(fftw::halfSpectrum(reference)) {}

Alignment AlignmentTo::of(const ImageF& moving) const {
    if (moving.shape != m_shape || moving.empty())
        throw InvalidArgument("align: the images differ in shape or are empty");
    const auto& R = m_spectrum;
    const auto X = fftw::halfSpectrum(moving);
    std::vector<std::complex<float>> direct(R.size()), twin(R.size());
    // ref ⋆ x peaks at the shift bringing x onto ref; the twin's spectrum is conj(X).
    for (std::size_t i = 0; i < R.size(); ++i) {
        direct[i] = R[i] * std::conj(X[i]);
        twin[i] = R[i] * X[i];
    }
    const Peak d = peakOf(fftw::fromHalfSpectrum(direct, m_shape), m_shape);
    const Peak t = peakOf(fftw::fromHalfSpectrum(twin, m_shape), m_shape);
    if (t.value > d.value)
        return {true, t.r, t.c};
    return {false, d.r, d.c};
}

Alignment align(const ImageF& reference, const ImageF& moving) {
    requireSameShape(reference, moving, "align");
    return AlignmentTo(reference).of(moving);
}

double errorAfterAlignment(const ImageF& x, const ImageF& truth) {
    requireSameShape(x, truth, "errorAfterAlignment");
    return errorAfterScale(align(truth, x).apply(x), truth);
}

double errorAfterScale(const ImageF& x, const ImageF& truth) {
    requireSameShape(x, truth, "errorAfterScale");
    double xt = 0, xx = 0, tt = 0;
    for (std::size_t i = 0; i < x.data.size(); ++i) {
        xt += double(x.data[i]) * truth.data[i];
        xx += double(x.data[i]) * x.data[i];
        tt += double(truth.data[i]) * truth.data[i];
    }
    if (!(tt > 0))
        throw InvalidArgument("error against a reference: the reference is zero");
    const double a = xx > 0 ? std::max(0.0, xt / xx) : 0.0;
    double e = 0;
    for (std::size_t i = 0; i < x.data.size(); ++i) {
        const double d = a * x.data[i] - truth.data[i];
        e += d * d;
    }
    return std::sqrt(e / tt);
}

PeriodicCentre periodicCentre(const ImageF& weights) {
    const Shape s = weights.shape;
    double cr = 0, sr = 0, cc = 0, sc = 0;
    const double tau = 2 * std::numbers::pi;
    for (int r = 0; r < s.rows; ++r)
        for (int c = 0; c < s.cols; ++c) {
            const double w = std::max(0.0f, weights.at(r, c));
            cr += w * std::cos(tau * r / s.rows);
            sr += w * std::sin(tau * r / s.rows);
            cc += w * std::cos(tau * c / s.cols);
            sc += w * std::sin(tau * c / s.cols);
        }
    auto centre = [&](double cosSum, double sinSum, int n) {
        if (cosSum == 0 && sinSum == 0)
            return std::numeric_limits<double>::quiet_NaN();
        double a = std::atan2(sinSum, cosSum);
        if (a < 0)
            a += tau;
        return a / tau * n;
    };
    return {centre(cr, sr, s.rows), centre(cc, sc, s.cols)};
}

Centring centringOf(const ImageF& object) {
    const Shape s = object.shape;
    const PeriodicCentre p = periodicCentre(object);
    auto whole = [](double centre, int n) { // nothing to centre: the middle already
        return std::isnan(centre) ? n / 2 : int(std::lround(centre)) % n;
    };
    Centring out;
    out.dr = ((s.rows / 2 - whole(p.row, s.rows)) % s.rows + s.rows) % s.rows;
    out.dc = ((s.cols / 2 - whole(p.col, s.cols)) % s.cols + s.cols) % s.cols;
    return out;
}

double fourierErrorOn(const ImageF& object, const ImageF& magnitude, const Mask& pixels) {
    requireSameShape(object, magnitude, "fourierErrorOn");
    return fourierErrorOnHalfSpectrum(fftw::halfSpectrum(object), magnitude, pixels);
}

double fourierErrorOnHalfSpectrum(const std::vector<std::complex<float>>& F,
                                  const ImageF& magnitude, const Mask& pixels) {
    const Shape s = magnitude.shape;
    if (F.size() != s.halfSize())
        throw InvalidArgument("fourierErrorOn: the half spectrum does not fit the magnitudes' " +
                              s.toString());
    double num = 0, den = 0;
    for (int r = 0; r < s.rows; ++r)
        for (int c = 0; c < s.cols; ++c) {
            const std::size_t i = std::size_t(r) * s.cols + c;
            if (!pixels.empty() && !pixels.data[i])
                continue;
            const double d = std::abs(atFull(F, s, r, c)) - magnitude.data[i];
            num += d * d;
            den += double(magnitude.data[i]) * magnitude.data[i];
        }
    return den > 0 ? std::sqrt(num / den) : std::nan("");
}

namespace {

/// E[(√N − √λ)²] for N ~ Poisson(λ), summed over N (probabilities by the
/// recurrence p(k) = p(k − 1)·λ/k, to 12 standard deviations past the mean).
double sqrtPoissonError(double lambda) {
    double p = std::exp(-lambda), meanRoot = 0;
    const int last = int(lambda + 12 * std::sqrt(lambda) + 20);
    for (int k = 1; k <= last; ++k) {
        p *= lambda / k;
        meanRoot += p * std::sqrt(double(k));
    }
    return 2 * lambda - 2 * std::sqrt(lambda) * meanRoot;
}

/// sqrtPoissonError on a grid of λ (step 1/16 up to 64), interpolated; past
/// 64 photons the error is 1/4 to within 0.2%.
double sqrtPoissonErrorFast(double lambda) {
    constexpr double kStep = 1.0 / 16, kLast = 64;
    static const std::vector<double> table = [] {
        std::vector<double> t(std::size_t(kLast / kStep) + 1);
        for (std::size_t i = 0; i < t.size(); ++i)
            t[i] = sqrtPoissonError(double(i) * kStep);
        return t;
    }();
    if (lambda >= kLast)
        return 0.25;
    const double x = lambda / kStep;
    const std::size_t i = std::size_t(x);
    const double f = x - double(i);
    return (1 - f) * table[i] + f * table[i + 1];
}

} // namespace

double photonNoiseFloor(const ImageF& magnitude, const Mask& pixels) {
    if (!pixels.empty() && pixels.shape != magnitude.shape)
        throw InvalidArgument("photonNoiseFloor: the pixel mask differs in shape from the magnitude");
    constexpr double kFaint = 1000;     // photons: below, float32 keeps M² within 1e-3 of an integer
    constexpr std::size_t kEnough = 64; // faint pixels needed to call the data counts
    double variance = 0, photons = 0;
    std::size_t faint = 0;
    for (std::size_t i = 0; i < magnitude.data.size(); ++i) {
        if (!pixels.empty() && !pixels.data[i])
            continue;
        const double lambda = double(magnitude.data[i]) * magnitude.data[i];
        if (lambda < kFaint) {
            if (std::abs(lambda - std::round(lambda)) > 0.01)
                return std::nan("");
            ++faint;
        }
        variance += sqrtPoissonErrorFast(lambda);
        photons += lambda;
    }
    if (faint < kEnough || !(photons > 0))
        return std::nan("");
    return std::sqrt(variance / photons);
}

namespace {

/// A start is averaged only when its score (free error) is close to the
/// best's. With photon counts (a noise floor is known), within 10% of it:
/// starts that found the same answer end closer (the recovery benchmark's
/// noisy cases, 0.4-9%), while one that stalled in another state ends
/// further (the bundled cell: 12-16% above the best, errors 0.10-0.21 against
/// its 0.07). Without counts, within 25% plus an absolute slack for exact data.
constexpr double kScoreFactorCounts = 1.10;
constexpr double kScoreFactor = 1.25;
constexpr double kScoreSlack = 0.005;

} // namespace

bool scoreJoinsAverage(double score, double best, double noiseFloor) {
    return std::isfinite(noiseFloor) ? score <= kScoreFactorCounts * best
                                     : score <= kScoreFactor * best + kScoreSlack;
}

Prtf prtf(const std::vector<ImageF>& aligned, const Problem& problem) {
    if (aligned.empty())
        throw InvalidArgument("prtf: no reconstruction given");
    const Shape s = problem.shape();
    for (const auto& x : aligned)
        if (x.shape != s)
            throw InvalidArgument("prtf: a reconstruction differs in shape from the pattern");
    std::vector<std::complex<double>> mean(s.halfSize());
    for (const auto& x : aligned) {
        const auto F = fftw::halfSpectrum(x);
        for (std::size_t i = 0; i < F.size(); ++i)
            mean[i] += std::complex<double>(F[i]) / double(aligned.size());
    }
    const int longest = std::max(s.rows, s.cols);
    const int rings = int(std::ceil(0.5 * std::sqrt(2.0) * longest)) + 1;
    std::vector<double> agree(std::size_t(rings), 0.0), data(std::size_t(rings), 0.0);
    for (int r = 0; r < s.rows; ++r)
        for (int c = 0; c < s.cols; ++c) {
            const std::size_t i = std::size_t(r) * s.cols + c;
            if (!problem.measured.empty() && !problem.measured.data[i])
                continue;
            const double fy = double(r <= s.rows / 2 ? r : r - s.rows) / s.rows;
            const double fx = double(c <= s.cols / 2 ? c : c - s.cols) / s.cols;
            const int k = std::min(rings - 1, int(std::lround(std::hypot(fy, fx) * longest)));
            agree[std::size_t(k)] += std::abs(atFull(mean, s, r, c));
            data[std::size_t(k)] += problem.magnitude.data[i];
        }
    Prtf out;
    bool fell = false;
    for (int k = 0; k < rings; ++k) {
        const double q = double(k) / longest;
        out.frequency.push_back(q);
        const double v = data[std::size_t(k)] > 0 ? agree[std::size_t(k)] / data[std::size_t(k)]
                                                   : std::nan("");
        out.value.push_back(v);
        if (!fell && k > 0 && std::isfinite(v) && v < std::exp(-1.0)) {
            out.resolutionFrequency = std::min(0.5, q);
            fell = true;
        }
    }
    return out;
}

} // namespace pf
