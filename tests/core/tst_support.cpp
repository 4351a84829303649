#include "reference.h"

#include <phaseforge/error.h>
#include <phaseforge/fftw_engine.h>
#include <phaseforge/simulate.h>
#include <phaseforge/support.h>

#include <QtTest>

#include <cmath>

class TestSupport : public QObject {
    Q_OBJECT

private slots:
    // The separable blur against a direct 2-D periodic convolution in double.
    void blurMatchesDirectConvolution() {
        const std::uint64_t seed = pftest::freshSeed("blur");
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
        const std::uint64_t seed = pftest::freshSeed("autocorrelation");
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

    // The engine's shrink-wrap is the documented rule applied to |g|.
    void engineShrinkWrapFollowsTheRule() {
        const std::uint64_t seed = pftest::freshSeed("shrink-wrap");
        const pf::Simulation sim = pf::simulate(pf::randomBlobs({20, 20}, 4, seed), {});
        pf::FftwEngine engine(1, pf::FftwEngine::PlanEffort::Estimate);
        const auto guess = pf::InitialGuess::random(seed);
        engine.load(sim.problem, {&guess, 1});
        engine.iterate({pf::Algorithm::HIO, 0.9f}, 30);
        std::vector<float> g(sim.problem.shape().size()), amp(g.size()), blurred(g.size());
        engine.readIterate(0, g);
        pf::Mask before;
        engine.readSupport(0, before);
        for (std::size_t i = 0; i < g.size(); ++i)
            amp[i] = before.data[i] ? std::abs(g[i]) : 0.0f;
        pf::gaussianBlurPeriodic(amp, sim.problem.shape(), 2.0f, blurred);
        const pf::Mask expected = pf::thresholdSupport(blurred, sim.problem.shape(), 0.1f);
        engine.shrinkWrap(2.0f, 0.1f);
        pf::Mask got;
        engine.readSupport(0, got);
        QCOMPARE(got.data, expected.data);
        QVERIFY(pf::countOnes(got) > 0);
        engine.iterate({pf::Algorithm::ER, 1.0f}, 1);
        QCOMPARE(engine.takeMetrics().back().supportSize, pf::countOnes(expected));
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
