#include "phaseforge/kicks.h"

#include "fftw_util.h"
#include "phaseforge/analysis.h"
#include "phaseforge/error.h"

#include <cmath>
#include <numbers>
#include <random>

namespace pf {

Mask darkPixels(const ImageF& magnitude, const Mask& measured, float fraction) {
    const Shape s = magnitude.shape;
    if (!measured.empty() && measured.shape != s)
        throw InvalidArgument("dark pixels: the mask's shape " + measured.shape.toString() +
                              " differs from the magnitudes' " + s.toString());
    auto isMeasured = [&](std::size_t i) { return measured.empty() || measured.data[i] != 0; };
    // The box sum as two passes, along rows then columns, in double.
    const int h = kDarkBox / 2;
    std::vector<double> rowSum(s.size()), box(s.size());
    for (int r = 0; r < s.rows; ++r)
        for (int c = 0; c < s.cols; ++c) {
            double sum = 0;
            for (int d = -h; d <= h; ++d) {
                const std::size_t j = std::size_t(r) * s.cols + std::size_t(((c + d) % s.cols + s.cols) % s.cols);
                sum += isMeasured(j) ? double(magnitude.data[j]) : 0.0;
            }
            rowSum[std::size_t(r) * s.cols + c] = sum;
        }
    for (int r = 0; r < s.rows; ++r)
        for (int c = 0; c < s.cols; ++c) {
            double sum = 0;
            for (int d = -h; d <= h; ++d)
                sum += rowSum[std::size_t(((r + d) % s.rows + s.rows) % s.rows) * s.cols + c];
            box[std::size_t(r) * s.cols + c] = sum / double(kDarkBox * kDarkBox);
        }
    Mask dark(s);
    for (std::size_t i = 0; i < dark.data.size(); ++i)
        dark.data[i] = isMeasured(i) && double(magnitude.data[i]) < double(fraction) * box[i];
    return dark;
}

ImageF kickPhases(const ImageF& x, const Mask& dark, std::uint64_t seed) {
    std::vector<std::complex<float>> half = fftw::halfSpectrum(x);
    return kickHalfSpectrum(half, x.shape, dark, seed);
}

ImageF kickHalfSpectrum(std::vector<std::complex<float>>& half, Shape s, const Mask& dark,
                        std::uint64_t seed) {
    if (dark.shape != s || half.size() != s.halfSize())
        throw InvalidArgument("kick: the dark mask's shape " + dark.shape.toString() +
                              " or the spectrum's size differs from the image's " + s.toString());
    std::mt19937_64 rng(seed ^ 0x6b1c4ea5d0f3a297ULL);
    std::uniform_real_distribution<double> turn(0.0, 1.0);
    const int hc = s.halfCols();
    for (int r = 0; r < s.rows; ++r)
        for (int c = 0; c < hc; ++c) {
            const double u = turn(rng); // drawn for every pixel: the sequence does not depend on the mask
            if (!dark.at(r, c))
                continue;
            std::complex<float>& v = half[std::size_t(r) * hc + c];
            const double a = std::abs(std::complex<double>(v));
            // A pixel that is its own partner (c = 0 or cols/2, r = 0 or rows/2)
            // holds a real value: a random sign.
            const bool selfPartner = (c == 0 || 2 * c == s.cols) && (r == 0 || 2 * r == s.rows);
            if (selfPartner) {
                v = {float(u < 0.5 ? a : -a), 0.0f};
                continue;
            }
            const double phase = 2 * std::numbers::pi * u;
            v = {float(a * std::cos(phase)), float(a * std::sin(phase))};
        }
    // The columns c = 0 and cols/2 hold both members of each Hermitian pair
    // (r and rows - r): the second takes the first's conjugate.
    for (int c : {0, s.cols / 2}) {
        if (c == s.cols / 2 && s.cols % 2)
            break; // odd cols: no Nyquist column
        for (int r = s.rows / 2 + 1; r < s.rows; ++r) {
            const int partner = s.rows - r;
            if (dark.at(r, c) || dark.at(partner, c))
                half[std::size_t(r) * hc + c] = std::conj(half[std::size_t(partner) * hc + c]);
        }
    }
    const std::vector<float> out = fftw::fromHalfSpectrum(half, s);
    ImageF kicked(s);
    const float invN = 1.0f / float(s.size());
    for (std::size_t i = 0; i < out.size(); ++i)
        kicked.data[i] = out[i] * invN;
    return kicked;
}

namespace {

/// v - centre wrapped into [-n/2, n/2).
double wrappedOffset(double v, double centre, int n) {
    double d = std::fmod(v - centre, double(n));
    if (d < -0.5 * n)
        d += n;
    else if (d >= 0.5 * n)
        d -= n;
    return d;
}

} // namespace

ImageF halfPlaneCut(const ImageF& x, const Mask& support, double angle, double taper) {
    const Shape s = x.shape;
    if (!support.empty() && support.shape != s)
        throw InvalidArgument("half-plane cut: the support's shape " + support.shape.toString() +
                              " differs from the image's " + s.toString());
    if (!(taper > 0))
        throw InvalidArgument("half-plane cut: the taper must be positive");
    // The line passes through the support's periodic centre (the origin for
    // the whole field, or where the centre is undefined).
    PeriodicCentre centre{0, 0};
    if (!support.empty()) {
        ImageF inside(s);
        for (std::size_t i = 0; i < inside.data.size(); ++i)
            inside.data[i] = support.data[i] ? 1.0f : 0.0f;
        centre = periodicCentre(inside);
    }
    const double cr = std::isnan(centre.row) ? 0.0 : centre.row;
    const double cc = std::isnan(centre.col) ? 0.0 : centre.col;
    const double ca = std::cos(angle), sa = std::sin(angle);
    ImageF out(s);
    for (int r = 0; r < s.rows; ++r) {
        const double dr = wrappedOffset(r, cr, s.rows);
        for (int c = 0; c < s.cols; ++c) {
            const double d = wrappedOffset(c, cc, s.cols) * ca + dr * sa;
            const double w = 0.5 * (1.0 + std::tanh(d / taper));
            out.at(r, c) = float(double(x.at(r, c)) * w);
        }
    }
    return out;
}

} // namespace pf
