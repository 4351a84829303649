#include "reference.h"

#include <phaseforge/simulate.h>

#include <fftw3.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <random>
#include <string>
#include <stdexcept>

namespace pftest {

namespace {

std::mutex g_planMutex; // FFTW planning is not thread-safe

std::vector<std::complex<double>> dft(const std::vector<std::complex<double>>& x, pf::Shape s,
                                      int sign) {
    std::vector<std::complex<double>> in = x, out(x.size());
    fftw_plan plan;
    {
        std::lock_guard lock(g_planMutex);
        plan = fftw_plan_dft_2d(s.rows, s.cols, reinterpret_cast<fftw_complex*>(in.data()),
                                reinterpret_cast<fftw_complex*>(out.data()), sign,
                                FFTW_ESTIMATE);
    }
    if (!plan)
        throw std::runtime_error("reference: FFTW could not plan");
    fftw_execute(plan);
    {
        std::lock_guard lock(g_planMutex);
        fftw_destroy_plan(plan);
    }
    return out;
}

} // namespace

std::vector<std::complex<double>> fft2(const std::vector<std::complex<double>>& x, pf::Shape s) {
    return dft(x, s, FFTW_FORWARD);
}

std::vector<std::complex<double>> ifft2(const std::vector<std::complex<double>>& x, pf::Shape s) {
    auto y = dft(x, s, FFTW_BACKWARD);
    const double scale = 1.0 / double(s.size());
    for (auto& v : y)
        v *= scale;
    return y;
}

RefState refInit(const pf::ImageF& magnitude, const pf::Mask& measured, const pf::ImageF& phase0) {
    const pf::Shape s = magnitude.shape;
    std::vector<std::complex<double>> a(s.size());
    for (std::size_t i = 0; i < s.size(); ++i)
        if (measured.empty() || measured.data[i] != 0)
            a[i] = std::polar(double(magnitude.data[i]), double(phase0.data[i]));
    auto b = ifft2(a, s);
    RefState st{s, std::vector<double>(s.size()), std::vector<double>(s.size())};
    for (std::size_t i = 0; i < s.size(); ++i)
        st.g[i] = st.gOut[i] = b[i].real();
    return st;
}

void refIterate(RefState& st, const pf::ImageF& magnitude, const pf::Mask& measured,
                const pf::Mask& support, pf::Algorithm alg, double beta,
                const std::vector<float>* tieBreak, int* ties, double tieTolerance,
                const std::vector<float>* phaseTieBreak, int* phaseTies) {
    const pf::Shape s = st.shape;
    const std::size_t n = s.size();
    double rms = 0;
    for (double v : st.gOut)
        rms += v * v;
    rms = std::sqrt(rms / double(n));
    std::vector<std::complex<double>> next(n);
    for (std::size_t i = 0; i < n; ++i) {
        const double g = st.g[i], gp = st.gOut[i];
        const bool inside = support.empty() || support.data[i] != 0;
        double test = gp, bad = 0, good = gp;
        switch (alg) {
        case pf::Algorithm::GS:
        case pf::Algorithm::ER:
            bad = 0;
            good = gp;
            break;
        case pf::Algorithm::IO:
            bad = g - beta * gp;
            good = g;
            break;
        case pf::Algorithm::OO:
            bad = gp - beta * gp;
            good = gp;
            break;
        case pf::Algorithm::HIO:
            bad = g - beta * gp;
            good = gp;
            break;
        case pf::Algorithm::RAAR:
            test = 2 * gp - g;
            bad = beta * g + (1 - 2 * beta) * gp;
            good = gp;
            break;
        }
        bool violates = !inside || test < 0;
        if (inside && tieBreak && std::abs(test) <= tieTolerance * rms) {
            const double e = (*tieBreak)[i];
            const bool engineBad = std::abs(e - bad) < std::abs(e - good);
            if (engineBad != violates && ties)
                ++*ties;
            violates = engineBad;
        }
        next[i] = violates ? bad : good;
    }
    auto c = fft2(next, s);
    double rmsC = 0;
    for (const auto& v : c)
        rmsC += std::norm(v);
    rmsC = std::sqrt(rmsC / double(n));
    std::vector<std::complex<double>> engineSpectrum; // made at the first phase tie, if any
    for (std::size_t i = 0; i < n; ++i) {
        if (!measured.empty() && measured.data[i] == 0)
            continue; // unmeasured: the magnitude floats free
        const double mag = std::abs(c[i]);
        const bool tie = phaseTieBreak && mag <= kPhaseTieTolerance * rmsC;
        if (tie && engineSpectrum.empty())
            engineSpectrum = fft2(std::vector<std::complex<double>>(phaseTieBreak->begin(),
                                                                    phaseTieBreak->end()),
                                  s);
        if (tie && std::abs(engineSpectrum[i]) > 0) {
            c[i] = double(magnitude.data[i]) * engineSpectrum[i] / std::abs(engineSpectrum[i]);
            if (phaseTies)
                ++*phaseTies;
            continue;
        }
        c[i] = mag > 0 ? c[i] * (double(magnitude.data[i]) / mag)
                       : std::complex<double>(magnitude.data[i], 0.0);
    }
    auto b = ifft2(c, s);
    for (std::size_t i = 0; i < n; ++i) {
        st.g[i] = next[i].real();
        st.gOut[i] = b[i].real();
    }
}

FourierErrorSums refFourierError(const std::vector<float>& g, const pf::ImageF& magnitude,
                                 const pf::Mask& measured) {
    const auto f = fft2(std::vector<std::complex<double>>(g.begin(), g.end()), magnitude.shape);
    FourierErrorSums sums;
    for (std::size_t i = 0; i < f.size(); ++i) {
        if (!measured.empty() && !measured.data[i])
            continue;
        const double m = magnitude.data[i], d = std::abs(f[i]) - m;
        sums.numerator += d * d;
        sums.denominator += m * m;
    }
    return sums;
}

double relL2(const std::vector<float>& a, const std::vector<double>& b) {
    double num = 0, den = 0;
    for (std::size_t i = 0; i < b.size(); ++i) {
        num += (double(a[i]) - b[i]) * (double(a[i]) - b[i]);
        den += b[i] * b[i];
    }
    return std::sqrt(num / den);
}

double relL2(const std::vector<double>& a, const std::vector<double>& b) {
    double num = 0, den = 0;
    for (std::size_t i = 0; i < b.size(); ++i) {
        num += (a[i] - b[i]) * (a[i] - b[i]);
        den += b[i] * b[i];
    }
    return std::sqrt(num / den);
}

std::uint64_t testSeed(const char* what) {
    std::uint64_t seed = 0xcbf29ce484222325ull;   // FNV-1a of the test's description
    for (const char* c = what; *c; ++c)
        seed = (seed ^ static_cast<unsigned char>(*c)) * 0x100000001b3ull;
    const char* how = "pinned";
    if (const char* env = std::getenv("PF_TEST_SEED")) {
        seed = std::strtoull(env, nullptr, 10);
        how = "PF_TEST_SEED";
    } else if (const char* fresh = std::getenv("PF_TEST_FRESH"); fresh && std::string(fresh) == "1") {
        seed = (std::uint64_t(std::random_device{}()) << 32) ^ std::random_device{}();
        how = "fresh";
    }
    std::printf("%s: seed %llu (%s; set PF_TEST_SEED to replay)\n", what,
                static_cast<unsigned long long>(seed), how);
    return seed;
}

std::uint64_t pinnedSeed(const char* what, std::uint64_t pinned) {
    const std::uint64_t seed =
        std::getenv("PF_TEST_SEED") ? std::strtoull(std::getenv("PF_TEST_SEED"), nullptr, 10) : pinned;
    std::printf("%s: seed %llu (pinned; set PF_TEST_SEED to try another)\n", what,
                static_cast<unsigned long long>(seed));
    return seed;
}

pf::ImageF randomMagnitude(pf::Shape s, std::uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::exponential_distribution<float> dist(1.0f);
    pf::ImageF m(s);
    for (auto& v : m.data)
        v = dist(rng);
    return m;
}

pf::ImageF randomPhaseImage(pf::Shape s, std::uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::uniform_real_distribution<float> dist(-3.14159265f, 3.14159265f);
    pf::ImageF p(s);
    for (auto& v : p.data)
        v = dist(rng);
    return p;
}

pf::Mask randomMask(pf::Shape s, double fractionOn, std::uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::bernoulli_distribution dist(fractionOn);
    pf::Mask m(s);
    for (auto& v : m.data)
        v = dist(rng) ? 1 : 0;
    return m;
}

pf::Mask boxSupport(pf::Shape s, double fraction) {
    pf::Mask m(s);
    const int h = std::max(1, int(s.rows * fraction)), w = std::max(1, int(s.cols * fraction));
    const int r0 = (s.rows - h) / 2, c0 = (s.cols - w) / 2;
    for (int r = r0; r < r0 + h; ++r)
        for (int c = c0; c < c0 + w; ++c)
            m.at(r, c) = 1;
    return m;
}

std::vector<double> refFillAutocorrelation(const pf::IntensityFill& fill) {
    const pf::Shape s = fill.shape;
    const int half = s.halfCols();
    const std::size_t n = s.size();
    // The intensity is real and even: a full-spectrum pixel's value is that of
    // its half-spectrum twin.
    auto halfIndex = [&](int r, int c) {
        return c < half ? std::size_t(r) * half + std::size_t(c)
                        : std::size_t((s.rows - r) % s.rows) * half + std::size_t(s.cols - c);
    };
    std::vector<double> estimate(fill.value.begin(), fill.value.end());
    int radius = 0;
    const std::vector<float> w = pf::gaussianBlurWeights(2.0f, radius);
    auto autocorrelation = [&] { // IFFT(estimate), divided by n
        std::vector<std::complex<double>> x(n);
        for (int r = 0; r < s.rows; ++r)
            for (int c = 0; c < s.cols; ++c)
                x[std::size_t(r) * s.cols + c] = estimate[halfIndex(r, c)];
        return ifft2(x, s);
    };
    auto wrap = [](int i, int m) { return (i % m + m) % m; };
    for (int it = 0; it < fill.iterations; ++it) {
        const auto a = autocorrelation();
        std::vector<double> positive(n);
        double peak = 0;
        for (std::size_t i = 0; i < n; ++i) {
            positive[i] = std::max(a[i].real(), 0.0);
            peak = std::max(peak, positive[i]);
        }
        if (!(peak > 0))
            break;
        std::vector<std::complex<double>> next(positive.begin(), positive.end());
        if (fill.floor > 0) {
            std::vector<double> rowsDone(n), blurred(n);
            for (int r = 0; r < s.rows; ++r)
                for (int c = 0; c < s.cols; ++c) {
                    double acc = 0;
                    for (int j = -radius; j <= radius; ++j)
                        acc += double(w[std::size_t(j + radius)]) *
                               positive[std::size_t(r) * s.cols + wrap(c + j, s.cols)];
                    rowsDone[std::size_t(r) * s.cols + c] = acc;
                }
            double blurPeak = 0;
            for (int r = 0; r < s.rows; ++r)
                for (int c = 0; c < s.cols; ++c) {
                    double acc = 0;
                    for (int j = -radius; j <= radius; ++j)
                        acc += double(w[std::size_t(j + radius)]) *
                               rowsDone[std::size_t(wrap(r + j, s.rows)) * s.cols + c];
                    blurred[std::size_t(r) * s.cols + c] = acc;
                    blurPeak = std::max(blurPeak, acc);
                }
            for (std::size_t i = 0; i < n; ++i)
                if (blurred[i] < double(fill.floor) * blurPeak)
                    next[i] = 0.0;
        }
        const auto spectrum = fft2(next, s);
        for (int r = 0; r < s.rows; ++r)
            for (int c = 0; c < half; ++c) {
                const std::size_t h = std::size_t(r) * half + c;
                if (!fill.known[h])
                    estimate[h] = std::max(spectrum[std::size_t(r) * s.cols + c].real(), 0.0);
            }
    }
    const auto a = autocorrelation();
    std::vector<double> out(n);
    for (std::size_t i = 0; i < n; ++i)
        out[i] = std::max(a[i].real(), 0.0) * double(n);
    return out;
}

pf::Problem fillTestProblem(pf::Shape objectShape, std::uint64_t seed) {
    pf::SimulationOptions options;
    options.beamstopRadius = 3;
    pf::Problem problem = pf::simulate(pf::randomBlobs(objectShape, 6, seed), options).problem;
    const pf::Mask dead = randomMask(problem.shape(), 0.97, seed + 1);
    for (std::size_t i = 0; i < dead.data.size(); ++i)
        problem.measured.data[i] = problem.measured.data[i] && dead.data[i];
    return problem;
}

FillDistance fillDistance(const pf::IntensityFill& fill, const std::vector<float>& got) {
    const std::vector<double> want = refFillAutocorrelation(fill);
    pf::IntensityFill none = fill;
    none.iterations = 0;
    const std::vector<double> zeroFilled = refFillAutocorrelation(none);
    double peak = 0;
    FillDistance d;
    for (std::size_t i = 0; i < want.size(); ++i) {
        peak = std::max(peak, want[i]);
        d.deviation = std::max(d.deviation, std::abs(double(got[i]) - want[i]));
        d.effect = std::max(d.effect, std::abs(zeroFilled[i] - want[i]));
    }
    d.deviation /= peak;
    d.effect /= peak;
    return d;
}

} // namespace pftest
