// The default recipe (recipeParameters()) and the analysis behind its answer:
// recovery of a few pinned 128² cases with beamstops and noise (the fast
// subset of bench/recovery), alignment, centring and the PRTF against plain
// float64 computations, the quality verdict on a pattern of pure noise, and
// clear errors on patterns the recipe cannot use.
#include "forwarding_engine.h"
#include "reference.h"

#include <phaseforge/analysis.h>
#include <phaseforge/engine.h>
#include <phaseforge/error.h>
#include <phaseforge/fftw_engine.h>
#include <phaseforge/reconstruction.h>
#include <phaseforge/simulate.h>
#include <phaseforge/support.h>

#include <QtTest>

#include <cmath>
#include <complex>
#include <random>

namespace {

/// A binary object of block letters ("P" and "F") in a 64 x 64 box.
pf::ImageF blockLetters() {
    pf::ImageF o(pf::Shape{64, 64});
    auto fill = [&](int r0, int r1, int c0, int c1) {
        for (int r = r0; r < r1; ++r)
            for (int c = c0; c < c1; ++c)
                o.at(r, c) = 1;
    };
    fill(12, 52, 6, 12);  // P: stem
    fill(12, 17, 6, 26);  //    top
    fill(28, 33, 6, 26);  //    middle
    fill(12, 33, 22, 27); //    bowl
    fill(12, 52, 34, 40); // F: stem
    fill(12, 17, 34, 58); //    top
    fill(29, 34, 34, 52); //    middle
    return o;
}

/// The object as simulate() places it in the field.
pf::ImageF truthOf(const pf::Simulation& sim) { return sim.object; }

/// ‖x − t‖ / ‖t‖ minimised over twin, circular shift and positive scale, in
/// double with the test's own FFT: the reference for pf::errorAfterAlignment.
double referenceAlignedError(const pf::ImageF& x, const pf::ImageF& t) {
    const pf::Shape s = t.shape;
    std::vector<std::complex<double>> tc(t.data.begin(), t.data.end());
    const auto T = pftest::fft2(tc, s);
    double tt = 0;
    for (float v : t.data)
        tt += double(v) * v;
    double best = 1e300;
    for (int twin = 0; twin < 2; ++twin) {
        std::vector<std::complex<double>> xc(s.size());
        for (int r = 0; r < s.rows; ++r)
            for (int c = 0; c < s.cols; ++c)
                xc[std::size_t(r) * s.cols + c] =
                    twin ? x.at((s.rows - r) % s.rows, (s.cols - c) % s.cols) : x.at(r, c);
        // Every shift, by brute force over the cross-correlation.
        auto X = pftest::fft2(xc, s);
        for (std::size_t i = 0; i < X.size(); ++i)
            X[i] = T[i] * std::conj(X[i]);
        const auto cc = pftest::ifft2(X, s);
        for (int dr = 0; dr < s.rows; ++dr)
            for (int dc = 0; dc < s.cols; ++dc) {
                const double xt = cc[std::size_t(dr) * s.cols + dc].real();
                double xx = 0;
                for (auto v : xc)
                    xx += std::norm(v);
                const double a = xx > 0 ? std::max(0.0, xt / xx) : 0.0;
                best = std::min(best, std::sqrt(std::max(0.0, tt - 2 * a * xt + a * a * xx) / tt));
            }
    }
    return best;
}

} // namespace

/// The FFTW engine, except that its support fill writes a single bright pixel
/// at the origin and counts its calls: a recipe that uses the engine's fill
/// ends with a support of a few pixels around the origin.
class DeltaFillEngine final : public pftest::ForwardingEngine {
public:
    DeltaFillEngine() : ForwardingEngine(std::make_unique<pf::FftwEngine>(1)) {}
    int fills = 0;
    void fillAutocorrelation(const pf::IntensityFill&, std::span<float> out) override {
        ++fills;
        std::fill(out.begin(), out.end(), 0.0f);
        out[0] = 1.0f;
    }
};

class TestRecipe : public QObject {
    Q_OBJECT

private slots:
    // The fast subset of the public benchmark: pinned objects, noise and seeds.
    void recoversPinnedCases_data() {
        QTest::addColumn<int>("object");      // 0 letters, 1 blobs
        QTest::addColumn<double>("photons");  // 0 = noiseless
        QTest::addColumn<double>("beamstop"); // pixels
        QTest::addColumn<double>("bound");
        // Smooth blobs are not yet recovered by the recipe (bench/recovery/README.md):
        // there the check is that the failure is flagged, never shown as trusted.
        QTest::addColumn<bool>("mustRecover");
        QTest::newRow("letters, noiseless") << 0 << 0.0 << 0.0 << 0.05 << true;
        QTest::newRow("letters, 1e9 photons, 2 px beamstop") << 0 << 1e9 << 2.0 << 0.10 << true;
        QTest::newRow("letters, 1e8 photons, 3 px beamstop") << 0 << 1e8 << 3.0 << 0.15 << true;
        QTest::newRow("blobs, 1e8 photons, 1 px beamstop") << 1 << 1e8 << 1.0 << 0.15 << false;
    }
    void recoversPinnedCases() {
        QFETCH(int, object);
        QFETCH(double, photons);
        QFETCH(double, beamstop);
        QFETCH(double, bound);
        QFETCH(bool, mustRecover);
        const pf::ImageF o = object == 0 ? blockLetters() : pf::randomBlobs(pf::Shape{64, 64}, 6, 11);
        pf::SimulationOptions so;
        so.oversampling = 2.0;
        so.photons = photons;
        so.beamstopRadius = beamstop;
        so.seed = 5;
        const pf::Simulation sim = pf::simulate(o, so);
        pf::Problem problem = sim.problem;
        problem.support = pf::Mask{}; // the recipe must find it
        pf::FftwEngine engine(1);
        const pf::Result r = pf::reconstruct(engine, problem, pf::recipeParameters());
        const double error = pf::errorAfterAlignment(r.object, truthOf(sim));
        qInfo("aligned error %.4f (bound %.2f), %zu starts kept, trusted %d", error, bound,
              r.kept.size(), int(r.quality.trusted));
        if (!mustRecover) {
            QVERIFY2(error <= bound || !r.quality.trusted,
                     qPrintable(QString("error %1 > %2 shown as trusted").arg(error).arg(bound)));
            return;
        }
        QVERIFY2(error <= bound, qPrintable(QString("error %1 > %2").arg(error).arg(bound)));
        QVERIFY(r.quality.trusted);
        // The canonical picture is centred: its centre of mass sits mid-field.
        const pf::Centring c = pf::centringOf(r.object);
        QCOMPARE(c.dr, 0);
        QCOMPARE(c.dc, 0);
    }

    void alignedErrorMatchesTheFloat64Reference() {
        const pf::ImageF t = pf::randomBlobs(pf::Shape{24, 20}, 3, 4);
        // The twin, shifted, scaled and disturbed.
        pf::ImageF x = pf::circularShift(pf::twinOf(t), 5, -7);
        std::mt19937 rng(3);
        std::normal_distribution<float> noise(0.0f, 0.05f);
        for (auto& v : x.data)
            v = 1.7f * v + noise(rng);
        const double ours = pf::errorAfterAlignment(x, t), reference = referenceAlignedError(x, t);
        QVERIFY(reference > 0.01);
        QVERIFY2(std::abs(ours - reference) <= 1e-4,
                 qPrintable(QString("%1 vs %2").arg(ours).arg(reference)));
        // An exact twin and shift is error 0.
        QVERIFY(pf::errorAfterAlignment(pf::circularShift(pf::twinOf(t), 3, 2), t) < 1e-5);
    }

    void centringPutsTheCentreOfMassMidField() {
        pf::ImageF x(pf::Shape{30, 41});
        x.at(1, 2) = 1; // an object straddling the corner of the periodic field
        x.at(29, 40) = 1;
        x.at(0, 0) = 2;
        const pf::Centring c = pf::centringOf(x);
        const pf::ImageF y = pf::circularShift(x, c.dr, c.dc);
        QCOMPARE(y.at(15, 20), 2.0f);
        QCOMPARE(y.at(16, 22), 1.0f);
        QCOMPARE(y.at(14, 19), 1.0f);
    }

    void prtfIsOneWhereStartsAgreeAndFallsWhereTheyDoNot() {
        const pf::ImageF o = pf::randomBlobs(pf::Shape{32, 32}, 4, 2);
        const pf::Simulation sim = pf::simulate(o, {});
        const pf::Prtf same = pf::prtf({sim.object, sim.object}, sim.problem);
        for (std::size_t k = 0; k < same.value.size(); ++k)
            if (std::isfinite(same.value[k]) && same.frequency[k] < 0.4)
                QVERIFY2(std::abs(same.value[k] - 1) < 1e-3, qPrintable(QString::number(same.value[k])));
        QCOMPARE(same.resolutionFrequency, 0.5);
        // Two starts with random, unrelated objects disagree at high frequency.
        pf::ImageF a = sim.object, b = sim.object;
        std::mt19937 rng(9);
        std::uniform_real_distribution<float> u(0, 1);
        for (std::size_t i = 0; i < a.data.size(); ++i) {
            a.data[i] = u(rng);
            b.data[i] = u(rng);
        }
        const pf::Prtf differ = pf::prtf({a, b}, sim.problem);
        QVERIFY(differ.resolutionFrequency < 0.5);
    }

    void supportEstimateSeesPastTheBeamstop() {
        const pf::ImageF o = blockLetters();
        pf::SimulationOptions so;
        so.beamstopRadius = 3;
        const pf::Simulation sim = pf::simulate(o, so);
        // The true autocorrelation support, in double from the noiseless object.
        const pf::Shape s = sim.object.shape;
        std::vector<std::complex<double>> x(sim.object.data.begin(), sim.object.data.end());
        auto X = pftest::fft2(x, s);
        for (auto& v : X)
            v = std::norm(v);
        const auto a = pftest::ifft2(X, s);
        double peak = 0;
        for (auto v : a)
            peak = std::max(peak, v.real());
        pf::Problem p = sim.problem;
        p.support = pf::Mask{};
        const pf::Mask est = pf::estimateSupport(p);
        long long inTrue = 0, covered = 0;
        for (std::size_t i = 0; i < a.size(); ++i)
            if (a[i].real() >= 0.04 * peak) {
                ++inTrue;
                covered += est.data[i] != 0;
            }
        QVERIFY2(covered >= 0.95 * double(inTrue),
                 qPrintable(QString("%1 of %2 covered").arg(covered).arg(inTrue)));
        QVERIFY(pf::countOnes(est) <= 3 * inTrue);
    }

    // Which starts join the average: with photon counts, those within 10% of
    // the best free error (the bundled cell's stalled starts, 12-16% above,
    // stay out); without counts, within 25% plus 0.005.
    void averageTakesStartsThatFitAsWell() {
        const double floor = 0.0125, none = std::nan("");
        QVERIFY(pf::scoreJoinsAverage(0.0249, 0.0249, floor));
        QVERIFY(pf::scoreJoinsAverage(0.0273, 0.0249, floor));
        QVERIFY(!pf::scoreJoinsAverage(0.0279, 0.0249, floor));
        QVERIFY(pf::scoreJoinsAverage(0.0060, 0.0009, none));
        QVERIFY(!pf::scoreJoinsAverage(0.0062, 0.0009, none));
        QVERIFY(pf::scoreJoinsAverage(0.2375, 0.19, none));
        QVERIFY(!pf::scoreJoinsAverage(0.2430, 0.19, none));
    }

    // The recipe's automatic support takes its fill from the engine
    // (Engine::fillAutocorrelation: the CUDA engine runs it on the device):
    // an engine whose fill is a single pixel at the origin gets a support of
    // at most the 3 x 3 pixels around it (dilated by one), once.
    void automaticSupportUsesTheEnginesFill() {
        pf::SimulationOptions options;
        options.beamstopRadius = 2;
        const pf::Simulation sim = pf::simulate(pf::randomBlobs({24, 24}, 5, 3), options);
        pf::Parameters params = pf::recipeParameters();
        params.starts = 1;
        params.keep = 1;
        DeltaFillEngine engine;
        pf::Reconstruction run(engine, sim.problem, params);
        QCOMPARE(engine.fills, 1);
        pf::Mask support;
        engine.readSupport(0, support);
        QVERIFY(pf::countOnes(support) >= 1);
        QVERIFY(pf::countOnes(support) <= 9);
        QCOMPARE(int(support.at(0, 0)), 1);
    }

    void noiseIsNeverTrusted() {
        pf::Problem p;
        p.magnitude = pf::ImageF(pf::Shape{64, 64});
        std::mt19937 rng(1);
        std::exponential_distribution<float> e(1.0f);
        for (auto& v : p.magnitude.data)
            v = e(rng);
        pf::FftwEngine engine(1);
        pf::Parameters params = pf::recipeParameters();
        params.schedule = pf::Schedule::parse("HIO:200,ER:50");
        const pf::Result r = pf::reconstruct(engine, p, params);
        QVERIFY(!r.quality.trusted);
        QVERIFY(!r.quality.warnings.empty());
    }

    // photonNoiseFloor against the test's own float64 sum (probabilities from
    // lgamma, no table), and against the error the true magnitudes actually
    // show on Poisson draws, over many seeds.
    void noiseFloorMatchesPoissonStatistics() {
        const pf::Shape s{64, 64};
        double worst = 0;
        for (unsigned seed = 1; seed <= 20; ++seed) {
            std::mt19937_64 rng(seed);
            pf::ImageF truth(s), counts(s);
            std::uniform_real_distribution<double> logLambda(std::log(0.5), std::log(5000.0));
            for (std::size_t i = 0; i < s.size(); ++i) {
                const double lambda = std::exp(logLambda(rng));
                truth.data[i] = float(std::sqrt(lambda));
                counts.data[i] = float(std::sqrt(double(std::poisson_distribution<long>(lambda)(rng))));
            }
            const double floor = pf::photonNoiseFloor(counts, pf::Mask{});
            // The same formula, summed directly at λ = M².
            double v = 0, photons = 0, actual = 0;
            for (float m : counts.data) {
                const double lambda = double(m) * m;
                double meanRoot = 0;
                const double spread = 14 * std::sqrt(lambda) + 30;
                for (int k = std::max(1, int(lambda - spread)); k <= int(lambda + spread); ++k)
                    meanRoot += std::exp(k * std::log(lambda) - lambda - std::lgamma(k + 1.0)) *
                                std::sqrt(double(k));
                v += lambda > 0 ? 2 * lambda - 2 * std::sqrt(lambda) * meanRoot : 0;
                photons += lambda;
            }
            for (std::size_t i = 0; i < s.size(); ++i) {
                const double d = double(truth.data[i]) - counts.data[i];
                actual += d * d;
            }
            const double reference = std::sqrt(v / photons), observed = std::sqrt(actual / photons);
            QVERIFY2(std::abs(floor - reference) <= 2e-3 * reference,
                     qPrintable(QString("seed %1: floor %2, float64 sum %3").arg(seed).arg(floor).arg(reference)));
            // What the true magnitudes show: within 10% (at most 7.6% over 300
            // seeds, 2026-12-03). With 4096 pixels the sum's own scatter is
            // about 1%; the plug-in λ = M² is biased on the faintest pixels.
            worst = std::max(worst, std::abs(floor - observed) / observed);
            QVERIFY2(std::abs(floor - observed) <= 0.10 * observed,
                     qPrintable(QString("seed %1: floor %2, observed %3").arg(seed).arg(floor).arg(observed)));
        }
        qInfo("largest relative difference from the observed error over 20 seeds: %.3f", worst);
        // Magnitudes that are not square roots of counts have no floor.
        pf::ImageF smooth(s);
        for (std::size_t i = 0; i < s.size(); ++i)
            smooth.data[i] = 0.37f + 0.001f * float(i % 997);
        QVERIFY(std::isnan(pf::photonNoiseFloor(smooth, pf::Mask{})));
    }

    // A run stopped long before it fits counts data is flagged: its free error
    // is many times what photon noise explains. The converged runs of
    // recoversPinnedCases, with the same check in force, stay trusted.
    void unfinishedFitIsFlaggedAgainstTheNoiseFloor() {
        pf::SimulationOptions so;
        so.oversampling = 2.0;
        so.photons = 1e9;
        so.seed = 5;
        const pf::Simulation sim = pf::simulate(blockLetters(), so);
        pf::Problem problem = sim.problem;
        problem.support = pf::Mask{};
        pf::Parameters params = pf::recipeParameters();
        params.schedule = pf::Schedule::parse("ER:3");
        params.kicks = 0; // the verdict on the unfinished fit itself
        pf::FftwEngine engine(1);
        const pf::Result r = pf::reconstruct(engine, problem, params);
        QVERIFY(std::isfinite(r.quality.noiseFloor));
        QVERIFY2(r.quality.freeError > 2 * r.quality.noiseFloor,
                 qPrintable(QString("free %1, floor %2").arg(r.quality.freeError).arg(r.quality.noiseFloor)));
        bool named = false;
        for (const auto& w : r.quality.warnings)
            named = named || QString::fromStdString(w).contains("what photon noise explains");
        QVERIFY(named);
        QVERIFY(!r.quality.trusted);
    }

    void unusablePatternsGiveOneClearError() {
        pf::FftwEngine engine(1);
        pf::Problem tiny;
        tiny.magnitude = pf::ImageF(pf::Shape{4, 4}, 1.0f);
        try {
            pf::reconstruct(engine, tiny, pf::recipeParameters());
            QFAIL("a 4 x 4 pattern was accepted");
        } catch (const pf::InvalidArgument& e) {
            QVERIFY2(QString(e.what()).contains("at least 8 x 8"), e.what());
        }
        // Nothing measured outside the beamstop but the zero frequency.
        pf::Problem dark;
        dark.magnitude = pf::ImageF(pf::Shape{32, 32}, 0.0f);
        dark.measured = pf::Mask(pf::Shape{32, 32}, 1);
        try {
            pf::reconstruct(engine, dark, pf::recipeParameters());
            QFAIL("a pattern without intensity was accepted");
        } catch (const pf::InvalidArgument& e) {
            QVERIFY2(QString(e.what()).contains("no measured intensity"), e.what());
        }
    }
};

QTEST_APPLESS_MAIN(TestRecipe)
#include "tst_recipe.moc"
