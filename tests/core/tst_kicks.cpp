// Kicks out of stagnation: the dark pixels against a plain float64 box mean,
// the kick against the test's own float64 FFT (every magnitude kept, only the
// dark phases moved), Engine::setIterate, and the recipe's kick phase (runs
// only when the run stalled, keeps each start's best state, and lifts the
// pinned gradient disc that stalls without it).
#include "reference.h"

#include <phaseforge/analysis.h>
#include <phaseforge/error.h>
#include <phaseforge/fftw_engine.h>
#include <phaseforge/kicks.h>
#include <phaseforge/reconstruction.h>
#include <phaseforge/simulate.h>

#include <QtTest>

#include <cmath>
#include <complex>
#include <numbers>
#include <random>

namespace {

/// A Hermitian-symmetric random mask: a pixel and its partner (-r, -c) alike.
pf::Mask symmetricMask(pf::Shape s, double fractionOn, std::uint64_t seed) {
    const pf::Mask m = pftest::randomMask(s, fractionOn, seed);
    pf::Mask out(s);
    for (int r = 0; r < s.rows; ++r)
        for (int c = 0; c < s.cols; ++c)
            out.at(r, c) = m.at(r, c) || m.at((s.rows - r) % s.rows, (s.cols - c) % s.cols);
    return out;
}

std::vector<std::complex<double>> spectrumOf(const pf::ImageF& x) {
    return pftest::fft2(std::vector<std::complex<double>>(x.data.begin(), x.data.end()), x.shape);
}

/// A binary "L" with a square dot beside it, in a 32 x 32 box: no symmetry.
pf::ImageF letterL() {
    pf::ImageF o(pf::Shape{32, 32});
    for (int r = 4; r < 28; ++r)
        for (int c = 4; c < 28; ++c)
            o.at(r, c) = (c < 10 || r >= 22 || (r >= 6 && r < 11 && c >= 18 && c < 23)) ? 1.0f : 0.0f;
    return o;
}

/// A disc with a linear ramp (0.2 to 1), the benchmark's "gradient" object.
pf::ImageF gradientDisc(int n) {
    pf::ImageF o(pf::Shape{n, n});
    for (int r = 0; r < n; ++r)
        for (int c = 0; c < n; ++c) {
            const double dy = r + 0.5 - n / 2.0, dx = c + 0.5 - n / 2.0;
            if (dy * dy + dx * dx <= 0.45 * 0.45 * n * n)
                o.at(r, c) = float(0.2 + 0.8 * (double(c) / n) * (0.5 + 0.5 * double(r) / n));
        }
    return o;
}

} // namespace

class TestKicks : public QObject {
    Q_OBJECT

private slots:
    void darkPixelsMatchTheFloat64BoxMean() {
        for (const pf::Shape s : {pf::Shape{37, 50}, pf::Shape{64, 64}}) {
            const std::uint64_t seed = pftest::testSeed("dark pixels");
            const pf::ImageF m = pftest::randomMagnitude(s, seed);
            const pf::Mask measured = pftest::randomMask(s, 0.9, seed + 1);
            const pf::Mask dark = pf::darkPixels(m, measured, 0.5f);
            long long differ = 0, count = 0;
            for (int r = 0; r < s.rows; ++r)
                for (int c = 0; c < s.cols; ++c) {
                    double sum = 0;
                    for (int dr = -3; dr <= 3; ++dr)
                        for (int dc = -3; dc <= 3; ++dc) {
                            const int rr = (r + dr + s.rows) % s.rows, cc = (c + dc + s.cols) % s.cols;
                            sum += measured.at(rr, cc) ? double(m.at(rr, cc)) : 0.0;
                        }
                    const bool expected = measured.at(r, c) && double(m.at(r, c)) < 0.5 * sum / 49;
                    differ += expected != bool(dark.at(r, c));
                    count += expected;
                }
            QCOMPARE(differ, 0LL);
            QVERIFY(count > 0);
        }
        QVERIFY_THROWS_EXCEPTION(pf::InvalidArgument,
                                 pf::darkPixels(pf::ImageF(pf::Shape{8, 8}), pf::Mask(pf::Shape{8, 9}), 0.5f));
    }

    // Every magnitude of the kicked image's spectrum is the original's; the
    // phases move on the dark pixels and nowhere else; the same seed gives the
    // same bits, another seed other phases.
    void kickKeepsEveryMagnitudeAndMovesOnlyDarkPhases() {
        for (const pf::Shape s : {pf::Shape{40, 54}, pf::Shape{41, 53}, pf::Shape{64, 64}}) {
            const std::uint64_t seed = pftest::testSeed("kick");
            pf::ImageF x(s);
            std::mt19937_64 rng(seed);
            std::uniform_real_distribution<float> u(0.0f, 1.0f);
            for (float& v : x.data)
                v = u(rng);
            const pf::Mask dark = symmetricMask(s, 0.15, seed + 7);
            const pf::ImageF kicked = pf::kickPhases(x, dark, seed);
            const auto F = spectrumOf(x), K = spectrumOf(kicked);
            double peak = 0;
            for (const auto& v : F)
                peak = std::max(peak, std::abs(v));
            double worstMagnitude = 0, worstBright = 0;
            long long darkSignificant = 0, moved = 0;
            for (std::size_t i = 0; i < F.size(); ++i) {
                worstMagnitude = std::max(worstMagnitude, std::abs(std::abs(K[i]) - std::abs(F[i])) / peak);
                if (!dark.data[i]) {
                    worstBright = std::max(worstBright, std::abs(K[i] - F[i]) / peak);
                } else if (std::abs(F[i]) > 1e-3 * peak) {
                    ++darkSignificant;
                    moved += std::abs(std::arg(K[i] / F[i])) > 0.1;
                }
            }
            qInfo("%s: magnitudes within %.2e, other pixels within %.2e of the peak; %lld of %lld dark phases moved",
                  s.toString().c_str(), worstMagnitude, worstBright, moved, darkSignificant);
            QVERIFY(worstMagnitude < 1e-6);
            QVERIFY(worstBright < 1e-6);
            // A uniform phase lands within 0.1 rad of the old one with
            // probability 0.1/π; among hundreds of pixels, far fewer than 20%.
            QVERIFY(darkSignificant > 100);
            QVERIFY2(moved >= 0.8 * double(darkSignificant), "the dark phases did not move");
            QVERIFY(pf::kickPhases(x, dark, seed).data == kicked.data);
            QVERIFY(pf::kickPhases(x, dark, seed + 1).data != kicked.data);
        }
    }

    void setIterateReplacesTheIterateAndRefusesBadInput() {
        const pf::Shape s{24, 30};
        const std::uint64_t seed = pftest::testSeed("set iterate");
        pf::Problem p;
        p.magnitude = pftest::randomMagnitude(s, seed);
        pf::FftwEngine engine(1);
        const pf::InitialGuess guesses[] = {pf::InitialGuess::random(1), pf::InitialGuess::random(2)};
        engine.load(p, guesses);
        engine.iterate(pf::Step{pf::Algorithm::HIO, 0.9f}, 3);
        std::vector<float> before(s.size()), after(s.size()), other(s.size());
        engine.readIterate(0, before);
        engine.readIterate(1, other);
        std::vector<float> next(s.size());
        for (std::size_t i = 0; i < next.size(); ++i)
            next[i] = float(i % 7) - 2.5f;
        engine.setIterate(0, next);
        engine.readIterate(0, after);
        QVERIFY(after == next);
        std::vector<float> otherAfter(s.size());
        engine.readIterate(1, otherAfter);
        QVERIFY(otherAfter == other);
        // The next iteration starts from it: one ER step from `next` by hand.
        pf::FftwEngine fresh(1);
        pf::ImageF nextImage(s);
        nextImage.data = next;
        const pf::InitialGuess fromNext[] = {pf::InitialGuess::fromObject(nextImage)};
        fresh.load(p, fromNext);
        fresh.iterate(pf::Step{pf::Algorithm::ER, 0.9f}, 1);
        engine.iterate(pf::Step{pf::Algorithm::ER, 0.9f}, 1);
        std::vector<float> a(s.size()), b(s.size());
        engine.readIterate(0, a);
        fresh.readIterate(0, b);
        QVERIFY(a == b);
        // Bad input changes nothing.
        std::vector<float> bad = next;
        bad[5] = std::nanf("");
        QVERIFY_THROWS_EXCEPTION(pf::InvalidArgument, engine.setIterate(0, bad));
        QVERIFY_THROWS_EXCEPTION(pf::InvalidArgument, engine.setIterate(2, next));
        QVERIFY_THROWS_EXCEPTION(pf::InvalidArgument,
                                 engine.setIterate(0, std::span<const float>(next).first(10)));
        engine.readIterate(0, after);
        QVERIFY(after == a);
    }

    // A run that fits the data to its noise runs no kick; its total is the
    // schedule's.
    void aConvergedRunIsNotKicked() {
        pf::SimulationOptions so;
        so.oversampling = 2.0;
        so.photons = 1e7; // enough faint pixels to tell counts (photonNoiseFloor)
        so.seed = 5;
        const pf::Simulation sim = pf::simulate(letterL(), so);
        pf::Problem problem = sim.problem;
        problem.support = pf::Mask{};
        pf::Parameters params = pf::recipeParameters();
        params.starts = 2;
        params.keep = 1;
        pf::FftwEngine engine(1);
        pf::Reconstruction run(engine, problem, params);
        while (!run.done())
            run.advance(run.totalIterations());
        const pf::Result r = run.result();
        qInfo("free error %.4f, floor %.4f", r.quality.freeError, r.quality.noiseFloor);
        QVERIFY(std::isfinite(r.quality.noiseFloor));
        QVERIFY(r.quality.freeError <= pf::kStalledNoiseFactor * r.quality.noiseFloor);
        QCOMPARE(r.kickRounds, 0);
        QCOMPARE(r.iterations, params.schedule.totalIterations());
    }

    // The benchmark's gradient disc (its case16) stalls: its free error is
    // several times the noise floor. The kicks run, each start keeps its
    // lowest Fourier error, and with the pinned seed the disc is recovered.
    // Not with every seed (PF_TEST_SEED=1: 0.154 after the kicks, 2026-12-03);
    // bench/recovery measures how often.
    void aStalledGradientDiscIsKickedOut() {
        const std::uint64_t seed = pftest::pinnedSeed("gradient disc", 2);
        pf::SimulationOptions so;
        so.oversampling = 3.0;
        so.photons = 1e9;
        so.beamstopRadius = 2;
        so.seed = seed;
        const pf::Simulation sim = pf::simulate(gradientDisc(43), so);
        pf::Problem problem = sim.problem;
        problem.support = pf::Mask{};
        pf::Parameters params = pf::recipeParameters();
        params.seed = seed;
        pf::FftwEngine engine(1);
        pf::Reconstruction run(engine, problem, params);
        run.advance(params.schedule.totalIterations());
        QVERIFY(!run.done()); // the stall test comes first
        std::vector<double> before;
        double bestFree = 1e300;
        pf::Mask free = run.engineProblem().measured; // iterated; the free pixels are the rest measured
        for (std::size_t i = 0; i < free.data.size(); ++i)
            free.data[i] = !free.data[i] && (problem.measured.empty() || problem.measured.data[i]);
        for (int k = 0; k < engine.startCount(); ++k) {
            pf::ImageF o(engine.shape());
            engine.readObject(k, o.data);
            before.push_back(pf::fourierErrorOn(o, problem.magnitude, run.engineProblem().measured));
            bestFree = std::min(bestFree, pf::fourierErrorOn(o, problem.magnitude, free));
        }
        const double floor = pf::photonNoiseFloor(problem.magnitude, free);
        qInfo("at the schedule's end: best free error %.4f, floor %.4f", bestFree, floor);
        QVERIFY(bestFree > pf::kStalledNoiseFactor * floor); // it stalled
        while (!run.done())
            run.advance(1000);
        const long long round = params.kickSchedule.totalIterations();
        QCOMPARE(run.totalIterations(),
                 params.schedule.totalIterations() + params.kicks * round + pf::kKickSettle);
        const pf::Result r = run.result();
        QCOMPARE(r.kickRounds, params.kicks);
        QCOMPARE(r.iterations, run.totalIterations());
        for (int k = 0; k < engine.startCount(); ++k) {
            pf::ImageF o(engine.shape());
            engine.readObject(k, o.data);
            const double after = pf::fourierErrorOn(o, problem.magnitude, run.engineProblem().measured);
            // The walk keeps the best state, the schedule's end among them;
            // the settling ER does not raise it beyond rounding.
            QVERIFY2(after <= before[std::size_t(k)] * 1.001,
                     qPrintable(QString("start %1: %2 after, %3 before").arg(k).arg(after).arg(before[std::size_t(k)])));
        }
        const double error = pf::errorAfterAlignment(r.object, sim.object);
        qInfo("aligned error %.4f after %d rounds; free error %.4f, floor %.4f", error,
              r.kickRounds, r.quality.freeError, r.quality.noiseFloor);
        QVERIFY2(error <= 0.10, qPrintable(QString("error %1 > 0.10").arg(error)));
    }

    // The half-plane cut (kickKind HalfPlane): complementary cuts add up to the
    // image; the line passes through the support's centre also when the
    // support wraps around the field's edge; the taper follows (1 + tanh)/2.
    void halfPlaneCutFollowsItsLine() {
        const pf::Shape s{48, 40};
        std::mt19937 rng(7);
        std::uniform_real_distribution<float> u(0.5f, 1.5f);
        pf::ImageF x(s);
        for (auto& v : x.data)
            v = u(rng);
        // A disc of radius 6 centred on the origin: it wraps around both edges.
        pf::Mask disc(s);
        for (int r = 0; r < s.rows; ++r)
            for (int c = 0; c < s.cols; ++c) {
                const int dr = r < s.rows / 2 ? r : r - s.rows, dc = c < s.cols / 2 ? c : c - s.cols;
                disc.at(r, c) = dr * dr + dc * dc <= 36;
            }
        const double taper = 2.0;
        for (int k = 0; k < 8; ++k) {
            const double angle = k * std::numbers::pi / 4;
            const pf::ImageF a = pf::halfPlaneCut(x, disc, angle, taper);
            const pf::ImageF b = pf::halfPlaneCut(x, disc, angle + std::numbers::pi, taper);
            for (std::size_t i = 0; i < x.data.size(); ++i)
                QVERIFY(std::abs(a.data[i] + b.data[i] - x.data[i]) <= 1e-6f * x.data[i]);
        }
        // Angle 0: the line is the column through the centre (col 0).
        const pf::ImageF cut = pf::halfPlaneCut(x, disc, 0.0, taper);
        for (int r = 0; r < s.rows; ++r) {
            QVERIFY(std::abs(cut.at(r, 0) - 0.5f * x.at(r, 0)) <= 1e-6f);
            const float w1 = float(0.5 * (1 + std::tanh(1.0))); // one taper away
            QVERIFY(std::abs(cut.at(r, 2) - w1 * x.at(r, 2)) <= 1e-5f);
            QVERIFY(std::abs(cut.at(r, s.cols - 2) - (1 - w1) * x.at(r, s.cols - 2)) <= 1e-5f);
            QVERIFY(cut.at(r, 10) >= 0.9999f * x.at(r, 10));           // well inside the kept side
            QVERIFY(cut.at(r, s.cols - 10) <= 1e-4f * x.at(r, s.cols - 10)); // faded out
        }
        QVERIFY_THROWS_EXCEPTION(pf::InvalidArgument, pf::halfPlaneCut(x, pf::Mask({8, 8}), 0.0, taper));
        QVERIFY_THROWS_EXCEPTION(pf::InvalidArgument, pf::halfPlaneCut(x, disc, 0.0, 0.0));
    }
};

QTEST_APPLESS_MAIN(TestKicks)
#include "tst_kicks.moc"
