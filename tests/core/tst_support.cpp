#include "reference.h"

#include <phaseforge/error.h>
#include <phaseforge/fftw_engine.h>
#include <phaseforge/simulate.h>
#include <phaseforge/support.h>

#include <QtTest>

#include <algorithm>
#include <cmath>
#include <complex>
#include <limits>
#include <memory>
#include <utility>

class TestSupport : public QObject {
    Q_OBJECT

private slots:
    // The separable blur against a direct 2-D periodic convolution in double.
    void blurMatchesDirectConvolution() {
        const std::uint64_t seed = pftest::testSeed("blur");
        const pf::Shape s{23, 31};
        const pf::ImageF img = pftest::randomMagnitude(s, seed);
        for (float sigma : {0.7f, 1.5f, 3.0f}) {
            std::vector<float> out(s.size());
            pf::gaussianBlurPeriodic(img.data, s, sigma, out);
            const int radius = int(std::ceil(3 * sigma));
            double norm = 0;
            for (int j = -radius; j <= radius; ++j)
                norm += std::exp(-double(j) * j / (2.0 * sigma * sigma));
            std::vector<double> ref(s.size());
            for (int r = 0; r < s.rows; ++r)
                for (int c = 0; c < s.cols; ++c) {
                    double acc = 0;
                    for (int i = -radius; i <= radius; ++i)
                        for (int j = -radius; j <= radius; ++j) {
                            const double w = std::exp(-double(i) * i / (2.0 * sigma * sigma)) *
                                             std::exp(-double(j) * j / (2.0 * sigma * sigma)) /
                                             (norm * norm);
                            const int rr = ((r + i) % s.rows + s.rows) % s.rows;
                            const int cc = ((c + j) % s.cols + s.cols) % s.cols;
                            acc += w * img.at(rr, cc);
                        }
                    ref[std::size_t(r) * s.cols + c] = acc;
                }
            const double err = pftest::relL2(out, ref);
            qInfo("sigma %.1f: %.2e", sigma, err);
            QVERIFY(err < 1e-5);
        }
    }

    void thresholdKeepsTheBrightPart() {
        const pf::Shape s{1, 5};
        const std::vector<float> v{0.f, 1.f, 2.f, 10.f, 1.99f};
        const pf::Mask m = pf::thresholdSupport(v, s, 0.2f);
        QCOMPARE(m.data, (std::vector<std::uint8_t>{0, 0, 1, 1, 0}));
    }

    // The autocorrelation of an object of extent w spans 2w - 1 around zero.
    void autocorrelationSupportCoversTheObjectExtent() {
        const std::uint64_t seed = pftest::testSeed("autocorrelation");
        const pf::ImageF obj = pf::randomBlobs({32, 24}, 6, seed);
        const pf::Simulation sim = pf::simulate(obj, {});
        const pf::Mask sup = pf::autocorrelationSupport(sim.problem, 0.04f);
        QCOMPARE(sup.shape, sim.problem.shape());
        QCOMPARE(int(sup.at(0, 0)), 1); // the autocorrelation peaks at zero shift
        const pf::Shape s = sup.shape;
        for (int r = 0; r < s.rows; ++r)
            for (int c = 0; c < s.cols; ++c) {
                const int dr = std::min(r, s.rows - r), dc = std::min(c, s.cols - c);
                if (dr >= 32 || dc >= 24)
                    QCOMPARE(int(sup.at(r, c)), 0); // beyond any lag the object allows
            }
        const long long n = pf::countOnes(sup);
        QVERIFY(n > 100 && n < (long long)s.size());
    }

    // The documented rule, pixel by pixel: |Re(IFFT(I))| >= fraction · its maximum,
    // with I = M² where measured and 0 elsewhere, computed here with full double
    // transforms (the object is real, so its autocorrelation is the real part).
    // A beamstop and scattered dead pixels make the unmeasured pixels matter.
    void autocorrelationSupportIsTheThresholdedAutocorrelation() {
        const std::uint64_t seed = pftest::testSeed("autocorrelation rule");
        pf::SimulationOptions options;
        options.beamstopRadius = 2;
        for (const pf::Shape objShape : {pf::Shape{32, 24}, pf::Shape{21, 27}}) {
            const pf::Simulation sim = pf::simulate(pf::randomBlobs(objShape, 6, seed), options);
            pf::Problem problem = sim.problem;
            const pf::Shape s = problem.shape();
            const pf::Mask dead = pftest::randomMask(s, 0.9, seed + 1);
            if (problem.measured.empty())
                problem.measured = pf::Mask(s, 1);
            for (std::size_t i = 0; i < s.size(); ++i)
                problem.measured.data[i] = problem.measured.data[i] && dead.data[i];
            QVERIFY(pf::countOnes(problem.measured) < (long long)s.size() * 95 / 100);
            for (float fraction : {0.04f, 0.2f}) {
                std::vector<std::complex<double>> intensity(s.size());
                for (std::size_t i = 0; i < s.size(); ++i)
                    if (problem.measured.data[i])
                        intensity[i] = double(problem.magnitude.data[i]) * problem.magnitude.data[i];
                const auto autocorrelation = pftest::ifft2(intensity, s);
                double peak = 0;
                for (const auto& v : autocorrelation)
                    peak = std::max(peak, std::abs(v.real()));
                const pf::Mask got = pf::autocorrelationSupport(problem, fraction);
                int differ = 0, near = 0;
                for (std::size_t i = 0; i < s.size(); ++i) {
                    const double v = std::abs(autocorrelation[i].real());
                    const bool expected = v >= fraction * peak;
                    // float32 may fall either side of the level within its rounding.
                    const bool tie = std::abs(v - fraction * peak) <= 1e-5 * peak;
                    near += tie;
                    differ += !tie && expected != (got.data[i] != 0);
                }
                qInfo("%s, fraction %.2f: %lld pixels, %d differ, %d within rounding of the level",
                      s.toString().c_str(), double(fraction), pf::countOnes(got), differ, near);
                QCOMPARE(differ, 0);
                QVERIFY(near <= 4);
            }
        }
    }

    // The automatic support's fill (fillAutocorrelation, the host's) against
    // the float64 reference written from its description, on patterns with a
    // beamstop and dead pixels, over fresh seeds when asked (PF_TEST_FRESH).
    // The fill must matter: its result differs from the zero-filled
    // autocorrelation by far more than the bound.
    void fillMatchesFloat64() {
        const std::uint64_t seed = pftest::testSeed("intensity fill");
        for (const pf::Shape objShape : {pf::Shape{32, 24}, pf::Shape{21, 27}}) {
            const pf::Problem problem = pftest::fillTestProblem(objShape, seed);
            const pf::IntensityFill fill = pf::intensityFillOf(pf::ProblemRef(problem), pf::AutoSupport{});
            std::vector<float> got(problem.shape().size());
            pf::fillAutocorrelation(fill, got);
            const pftest::FillDistance d = pftest::fillDistance(fill, got);
            qInfo("%s: float32 fill within %.2e of float64 (of the peak); the fill moves it by %.2e",
                  problem.shape().toString().c_str(), d.deviation, d.effect);
            QVERIFY(d.deviation <= pftest::kFillTolerance);
            QVERIFY(d.effect >= 100 * pftest::kFillTolerance);
        }
    }

    // The engine's shrink-wrap is the documented rule: blur a = max(g, 0) inside
    // the current support (0 outside) with the periodic Gaussian, keep pixels at or
    // above threshold · max. The engine starts from a signed object x (blobs minus
    // half their range, so about half of the support is negative): with the
    // magnitudes and phases of FFT(x), its first iterate is x. Blurring |g| instead
    // gives another mask; the expected mask comes from a direct 2-D convolution in
    // double, not from the core helpers.
    void engineShrinkWrapFollowsTheRule() {
        const std::uint64_t seed = pftest::testSeed("shrink-wrap");
        const pf::Shape s{40, 36};
        const pf::ImageF blobs = pf::randomBlobs({20, 18}, 4, seed);
        std::vector<std::complex<double>> x(s.size());
        pf::Problem problem;
        problem.support = pf::Mask(s);
        for (int r = 0; r < 20; ++r)
            for (int c = 0; c < 18; ++c) {
                const std::size_t k = std::size_t(r + 10) * s.cols + std::size_t(c + 9);
                x[k] = blobs.at(r, c) - 0.5f;
                problem.support.data[k] = 1;
            }
        const auto spectrum = pftest::fft2(x, s);
        problem.magnitude = pf::ImageF(s);
        pf::ImageF phase(s);
        for (std::size_t i = 0; i < s.size(); ++i) {
            problem.magnitude.data[i] = float(std::abs(spectrum[i]));
            phase.data[i] = float(std::arg(spectrum[i]));
        }
        pf::FftwEngine engine(1, pf::FftwEngine::PlanEffort::Estimate);
        const auto guess = pf::InitialGuess::user(phase);
        engine.load(problem, {&guess, 1});
        std::vector<float> g(s.size());
        engine.readIterate(0, g);
        std::vector<double> xReal(s.size());
        for (std::size_t i = 0; i < s.size(); ++i)
            xReal[i] = x[i].real();
        QVERIFY(pftest::relL2(g, xReal) < 1e-5);
        pf::Mask before;
        engine.readSupport(0, before);
        int negativeInside = 0;
        for (std::size_t i = 0; i < g.size(); ++i)
            negativeInside += before.data[i] && g[i] < 0;
        QVERIFY2(negativeInside >= 60, "the state must have negative values inside the support");

        const float sigma = 2.0f, threshold = 0.1f;
        auto ruleMask = [&](bool absolute, std::vector<double>& blurred) {
            const int radius = int(std::ceil(3 * sigma));
            auto w = [&](int d) { return std::exp(-double(d) * d / (2.0 * sigma * sigma)); };
            double norm = 0;
            for (int d = -radius; d <= radius; ++d)
                norm += w(d);
            blurred.assign(s.size(), 0.0);
            for (int r = 0; r < s.rows; ++r)
                for (int c = 0; c < s.cols; ++c) {
                    double acc = 0;
                    for (int i = -radius; i <= radius; ++i)
                        for (int j = -radius; j <= radius; ++j) {
                            const int rr = ((r + i) % s.rows + s.rows) % s.rows;
                            const int cc = ((c + j) % s.cols + s.cols) % s.cols;
                            const std::size_t k = std::size_t(rr) * s.cols + cc;
                            const double v = before.data[k] ? double(g[k]) : 0.0;
                            acc += w(i) * w(j) * (absolute ? std::abs(v) : std::max(v, 0.0));
                        }
                    blurred[std::size_t(r) * s.cols + c] = acc / (norm * norm);
                }
            const double peak = *std::max_element(blurred.begin(), blurred.end());
            pf::Mask m(s);
            for (std::size_t i = 0; i < s.size(); ++i)
                m.data[i] = blurred[i] >= threshold * peak;
            return std::make_pair(m, peak);
        };
        std::vector<double> blurred, blurredAbs;
        const auto [expected, peak] = ruleMask(false, blurred);
        const auto [absMask, absPeak] = ruleMask(true, blurredAbs);
        (void)absPeak;
        // The state tells the rules apart: the test could see the wrong one.
        QVERIFY(absMask.data != expected.data);

        engine.shrinkWrap(sigma, threshold);
        pf::Mask got;
        engine.readSupport(0, got);
        int differ = 0, near = 0;
        for (std::size_t i = 0; i < s.size(); ++i) {
            const bool tie = std::abs(blurred[i] - threshold * peak) <= 1e-5 * peak;
            near += tie;
            differ += !tie && expected.data[i] != got.data[i];
        }
        qInfo("%d negative pixels inside the support; mask %lld pixels (|g| rule: %lld), %d "
              "differ, %d within rounding of the level",
              negativeInside, pf::countOnes(got), pf::countOnes(absMask), differ, near);
        QCOMPARE(differ, 0);
        QVERIFY(near <= 4);
        QVERIFY(pf::countOnes(got) > 0);
        engine.iterate({pf::Algorithm::ER, 1.0f}, 1);
        QCOMPARE(engine.takeMetrics().back().supportSize, pf::countOnes(got));
    }

    // One update with a threshold per start and size limits: each start gets
    // what the single-threshold update at its own threshold gives, a start
    // at 0 keeps its support, and a new support outside the limits is not
    // adopted. Engines loaded alike hold the same state (FFTW is deterministic).
    void perStartThresholdsAndLimits() {
        const std::uint64_t seed = pftest::testSeed("per-start shrink-wrap");
        const pf::Simulation sim = pf::simulate(pf::randomBlobs({20, 24}, 4, seed), {});
        pf::Problem p = sim.problem;
        p.support = pf::autocorrelationSupport(p, 0.04f);
        const std::vector<pf::InitialGuess> guesses{pf::InitialGuess::random(seed),
                                                    pf::InitialGuess::random(seed + 1),
                                                    pf::InitialGuess::random(seed + 2)};
        auto loaded = [&] {
            auto e = std::make_unique<pf::FftwEngine>(1, pf::FftwEngine::PlanEffort::Estimate);
            e->load(p, guesses);
            e->iterate({pf::Algorithm::HIO, 0.9f}, 30);
            return e;
        };
        auto supports = [](pf::Engine& e) {
            std::vector<pf::Mask> out(std::size_t(e.startCount()));
            for (int k = 0; k < e.startCount(); ++k)
                e.readSupport(k, out[std::size_t(k)]);
            return out;
        };
        const float sigma = 2.0f;
        auto perStart = loaded();
        const std::vector<pf::Mask> before = supports(*perStart);
        const std::vector<float> thresholds{0.2f, 0.0f, 0.4f};
        pf::ShrinkWrapUpdate update;
        update.sigma = sigma;
        update.thresholds = thresholds;
        perStart->shrinkWrap(update);
        const std::vector<pf::Mask> got = supports(*perStart);
        auto at02 = loaded(), at04 = loaded();
        at02->shrinkWrap(sigma, 0.2f);
        at04->shrinkWrap(sigma, 0.4f);
        const std::vector<pf::Mask> by02 = supports(*at02), by04 = supports(*at04);
        QVERIFY(got[0].data == by02[0].data);
        QVERIFY(got[1].data == before[1].data);
        QVERIFY(got[2].data == by04[2].data);
        QVERIFY(by02[0].data != before[0].data); // the update changed something
        QVERIFY(pf::countOnes(by04[2]) <= pf::countOnes(by02[2]));

        // Limits: the largest new support is one pixel too large; each start
        // adopts its new support exactly when it fits.
        auto limited = loaded();
        const std::vector<float> same{0.2f, 0.2f, 0.2f};
        update.thresholds = same;
        long long largest = 0;
        for (const pf::Mask& m : by02)
            largest = std::max(largest, pf::countOnes(m));
        update.maxPixels = largest - 1;
        limited->shrinkWrap(update);
        const std::vector<pf::Mask> capped = supports(*limited);
        int refused = 0;
        for (std::size_t k = 0; k < capped.size(); ++k) {
            const bool fits = pf::countOnes(by02[k]) <= update.maxPixels;
            refused += !fits;
            QVERIFY(capped[k].data == (fits ? by02[k] : before[k]).data);
        }
        QVERIFY(refused >= 1);
        update.maxPixels = std::numeric_limits<long long>::max();
        update.minPixels = (long long)p.shape().size(); // no update can reach it
        auto floored = loaded();
        floored->shrinkWrap(update);
        const std::vector<pf::Mask> kept = supports(*floored);
        for (std::size_t k = 0; k < kept.size(); ++k)
            QVERIFY(kept[k].data == before[k].data);

        // Bad updates change nothing and name the field.
        const std::vector<float> two{0.2f, 0.2f}, tooHigh{0.2f, 1.0f, 0.2f};
        pf::ShrinkWrapUpdate bad;
        bad.thresholds = two;
        QVERIFY_THROWS_EXCEPTION(pf::InvalidArgument, floored->shrinkWrap(bad));
        bad.thresholds = tooHigh;
        QVERIFY_THROWS_EXCEPTION(pf::InvalidArgument, floored->shrinkWrap(bad));
        bad.thresholds = same;
        bad.minPixels = 10;
        bad.maxPixels = 9;
        QVERIFY_THROWS_EXCEPTION(pf::InvalidArgument, floored->shrinkWrap(bad));
        bad.minPixels = 1;
        bad.maxPixels = 100;
        bad.sigma = 0;
        QVERIFY_THROWS_EXCEPTION(pf::InvalidArgument, floored->shrinkWrap(bad));
        QVERIFY(supports(*floored)[0].data == before[0].data);
    }

    void sigmaSchedule() {
        pf::ShrinkWrap sw;
        sw.sigmaStart = 3;
        sw.sigmaEnd = 1;
        sw.sigmaDecay = 0.5f;
        QCOMPARE(sw.sigmaAt(0), 3.0f);
        QCOMPARE(sw.sigmaAt(1), 1.5f);
        QCOMPARE(sw.sigmaAt(5), 1.0f);
    }
};

QTEST_GUILESS_MAIN(TestSupport)
#include "tst_support.moc"
