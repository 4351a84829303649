// The FFTW engine against the independent float64 reference (tests/support),
// on fresh random magnitudes and phases every run, for every algorithm and for
// square, rectangular and odd sizes: the first steps from a shared start, and
// every step of a 50-step run from the engine's own state (see kFreeSteps).
#include "reference.h"

#include <phaseforge/fftw_engine.h>
#include <phaseforge/initial_guess.h>
#include <phaseforge/problem.h>
#include <phaseforge/support.h>

#include <QtTest>

#include <algorithm>
#include <cmath>
#include <numbers>

using namespace pftest;

namespace {

struct Case {
    pf::Shape shape;
    bool withSupport;
    bool withMask;
    /// Magnitudes of a fresh random non-negative object inside the support box,
    /// rather than independent random magnitudes: data a real object could have
    /// made. On inconsistent data the iteration never settles and float32
    /// rounding grows past 1e-4 within 50 iterations whatever the engine does.
    bool consistent = false;
};

pf::ImageF objectMagnitude(pf::Shape s, std::uint64_t seed) {
    const pf::Mask box = boxSupport(s, 0.5);
    const pf::ImageF values = randomMagnitude(s, seed);
    std::vector<std::complex<double>> x(s.size());
    for (std::size_t i = 0; i < x.size(); ++i)
        x[i] = box.data[i] ? double(values.data[i]) : 0.0;
    const auto f = fft2(x, s);
    pf::ImageF m(s);
    for (std::size_t i = 0; i < f.size(); ++i)
        m.data[i] = float(std::abs(f[i]));
    return m;
}

const pf::Shape kShapes[] = {{64, 64}, {48, 80}, {45, 37}};

struct PairResult {
    /// Engine vs float64 run from the same start, relative L2 of g, after
    /// kFreeSteps steps.
    double error = 0;
    int ties = 0; ///< reference branches that followed the engine (reference.h)
    /// One-step defects ‖g_k − step64(g_{k-1})‖ / ‖g_k‖ over the run, where step64
    /// is one float64 iteration from the engine's own iterate: their median and
    /// their largest.
    double stepMedian = 0, stepMax = 0;
    int stepTies = 0;
};

// Over many steps a trajectory amplifies float32 rounding without bound (seen
// over 80 seeds: GS/OO/ER runs end 1e-3 from float64 after 50 steps, as far as
// a float64 run started 1e-7 away; IO/HIO/RAAR O(1) after 50 and 1e-2 after
// 10), so no fixed tolerance holds a long free run, and one that widens with
// the run lets anything through. Two quantities do not compound, and each has
// a fixed bound:
// - the first kFreeSteps steps from the same start;
// - every single step from the engine's own state, over the whole run. Its
//   median is float32 rounding. A step on which a Fourier coefficient lies
//   within rounding of 0 takes its phase from rounding noise (a lone step of
//   1e-5 where the run's others give 3e-7; the odds of a larger one fall with
//   its square), so each step is also held to a looser bound that a wrong rule
//   or projection still exceeds by far.
// Seen over 111 fresh seeds (3,650 runs of a rule, 180,000 single steps):
// after 3 steps <= 9.6e-6, medians <= 3.4e-7, single steps <= 1.1e-5, ties <= 1.
constexpr int kFreeSteps = 3;
constexpr double kFreeTolerance = 1e-4;
constexpr double kStepMedianTolerance = 1e-5;
constexpr double kStepMaxTolerance = 1e-3;

// Holds one run to the fixed tolerances: no term grows with the run.
bool holds(const PairResult& r, const char* what) {
    bool ok = true;
    if (r.ties > kMaxTies || r.stepTies > kMaxTies) {
        qWarning("%s: %d/%d ties > %d: the reference followed the engine too often", what, r.ties,
                 r.stepTies, kMaxTies);
        ok = false;
    }
    if (!(r.error <= kFreeTolerance)) {
        qWarning("%s: engine vs float64 after %d steps %.2e > %.0e", what, kFreeSteps, r.error,
                 kFreeTolerance);
        ok = false;
    }
    if (!(r.stepMedian <= kStepMedianTolerance) || !(r.stepMax <= kStepMaxTolerance)) {
        qWarning("%s: one step from the engine's state: median %.2e (bound %.0e), largest %.2e "
                 "(bound %.0e)",
                 what, r.stepMedian, kStepMedianTolerance, r.stepMax, kStepMaxTolerance);
        ok = false;
    }
    return ok;
}

std::string label(pf::Algorithm alg, const Case& c) {
    return std::string(pf::algorithmName(alg)) + " " + c.shape.toString() +
           (c.withSupport ? " support" : "") + (c.withMask ? " mask" : "");
}

// g' = Re(IFFT(P_M(FFT(g)))) in double: measured pixels take the magnitude M
// (phase 0 where |G| = 0), unmeasured ones keep G.
std::vector<double> fourierOutput(const std::vector<float>& g, const pf::Problem& p) {
    const pf::Shape s = p.shape();
    auto spectrum = fft2(std::vector<std::complex<double>>(g.begin(), g.end()), s);
    for (std::size_t i = 0; i < spectrum.size(); ++i) {
        if (!p.measured.empty() && !p.measured.data[i])
            continue;
        const double mag = std::abs(spectrum[i]), target = p.magnitude.data[i];
        spectrum[i] = mag > 0 ? spectrum[i] * (target / mag) : std::complex<double>(target, 0);
    }
    const auto out = ifft2(spectrum, s);
    std::vector<double> re(out.size());
    for (std::size_t i = 0; i < out.size(); ++i)
        re[i] = out[i].real();
    return re;
}

// Runs `iterations` of `alg` in the engine and in the reference from the same
// start; compares the iterate g.
PairResult runPair(pf::Algorithm alg, double beta, int iterations, const Case& c,
                   std::uint64_t seed) {
    pf::Problem p;
    p.magnitude = c.consistent ? objectMagnitude(c.shape, seed) : randomMagnitude(c.shape, seed);
    if (c.withMask)
        p.measured = randomMask(c.shape, 0.9, seed + 1);
    if (c.withSupport)
        p.support = boxSupport(c.shape, 0.5);
    const pf::ImageF phase0 = randomPhaseImage(c.shape, seed + 2);

    pf::FftwEngine engine(2, pf::FftwEngine::PlanEffort::Estimate);
    const pf::InitialGuess guess = pf::InitialGuess::user(phase0);
    engine.load(p, {&guess, 1});
    RefState ref = refInit(p.magnitude, p.measured, phase0);
    PairResult r;
    std::vector<double> steps;
    std::vector<float> g(c.shape.size()), gPrev(c.shape.size());
    const std::string what = label(alg, c);
    for (int i = 0; i < iterations; ++i) {
        engine.readIterate(0, gPrev);
        engine.iterate({alg, float(beta)}, 1);
        engine.readIterate(0, g);
        // One float64 step from the engine's state. After the first iteration the
        // engine's g' is the projection of its g (gOut = Re(IFFT(P(FFT(g))))); at
        // the start g' = g = g0.
        RefState step{c.shape, std::vector<double>(gPrev.begin(), gPrev.end()), {}};
        step.gOut = i == 0 ? step.g : fourierOutput(gPrev, p);
        refIterate(step, p.magnitude, p.measured, p.support, alg, beta, &g, &r.stepTies);
        steps.push_back(relL2(g, step.g));
        if (i < kFreeSteps) {
            refIterate(ref, p.magnitude, p.measured, p.support, alg, beta, &g, &r.ties);
            r.error = relL2(g, ref.g);
        }
        if (qEnvironmentVariableIsSet("PF_TEST_TRACE"))
            qInfo("  trace %s iteration %d: one step %.3e", what.c_str(), i + 1, steps.back());
    }
    r.stepMax = *std::max_element(steps.begin(), steps.end());
    std::nth_element(steps.begin(), steps.begin() + steps.size() / 2, steps.end());
    r.stepMedian = steps[steps.size() / 2];
    qInfo("%s: after %d steps %.2e (ties %d); %d single steps: median %.2e, largest %.2e (ties %d)",
          what.c_str(), kFreeSteps, r.error, r.ties, iterations, r.stepMedian, r.stepMax,
          r.stepTies);
    return r;
}

} // namespace

class TestParity : public QObject {
    Q_OBJECT

private slots:
    // Every rule against float64 (see kFreeSteps): the first steps from the
    // same start, and each of 50 steps from the engine's own state. A wrong rule
    // or projection is off by O(1) in the first step it touches.
    void projectionsFollowFloat64() {
        const std::uint64_t seed = testSeed("parity GS/OO/ER");
        for (const auto& shape : kShapes) {
            for (bool support : {false, true}) {
                const Case c{shape, support, false, true};
                QVERIFY(holds(runPair(pf::Algorithm::GS, 1.0, 50, c, seed), "GS"));
                QVERIFY(holds(runPair(pf::Algorithm::OO, 0.8, 50, c, seed + 10), "OO"));
                QVERIFY(holds(runPair(pf::Algorithm::ER, 1.0, 50, c, seed + 20), "ER"));
            }
        }
    }

    void unmeasuredPixelsFloatFree() {
        const std::uint64_t seed = testSeed("parity with a detector mask");
        for (const auto& shape : kShapes) {
            const Case c{shape, true, true, true};
            QVERIFY(holds(runPair(pf::Algorithm::ER, 1.0, 50, c, seed), "ER"));
            QVERIFY(holds(runPair(pf::Algorithm::HIO, 0.9, 50, c, seed + 1), "HIO"));
        }
    }

    void feedbackRulesFollowFloat64() {
        const std::uint64_t seed = testSeed("parity IO/HIO/RAAR");
        for (const auto& shape : kShapes) {
            const Case c{shape, true, false, true};
            QVERIFY(holds(runPair(pf::Algorithm::IO, 0.9, 50, c, seed), "IO"));
            QVERIFY(holds(runPair(pf::Algorithm::HIO, 0.9, 50, c, seed + 1), "HIO"));
            QVERIFY(holds(runPair(pf::Algorithm::RAAR, 0.75, 50, c, seed + 2), "RAAR"));
        }
    }

    // The seed's loop, line by line, for one iteration:
    //   A = M·exp(iφ0); B = Re(IFFT(A)); B[B<0] = 0; C = FFT(B); A = M·exp(i·arg C)
    void firstIterationIsTheSeedLoop() {
        const std::uint64_t seed = testSeed("seed loop");
        for (const auto& shape : kShapes) {
            const pf::ImageF m = randomMagnitude(shape, seed);
            const pf::ImageF phi = randomPhaseImage(shape, seed + 1);
            std::vector<std::complex<double>> a(shape.size());
            for (std::size_t i = 0; i < a.size(); ++i)
                a[i] = std::polar(double(m.data[i]), double(phi.data[i]));
            auto b = ifft2(a, shape);
            std::vector<std::complex<double>> bReal(shape.size());
            std::vector<double> bPos(shape.size());
            for (std::size_t i = 0; i < b.size(); ++i) {
                bPos[i] = std::max(0.0, b[i].real());
                bReal[i] = bPos[i];
            }
            auto cSpec = fft2(bReal, shape);
            for (std::size_t i = 0; i < a.size(); ++i)
                a[i] = std::polar(double(m.data[i]), std::arg(cSpec[i]));
            auto next = ifft2(a, shape);
            std::vector<double> nextReal(shape.size());
            for (std::size_t i = 0; i < next.size(); ++i)
                nextReal[i] = next[i].real();

            pf::Problem p;
            p.magnitude = m;
            pf::FftwEngine engine(1, pf::FftwEngine::PlanEffort::Estimate);
            const pf::InitialGuess guess = pf::InitialGuess::user(phi);
            engine.load(p, {&guess, 1});
            std::vector<float> g(shape.size());
            engine.readIterate(0, g);
            std::vector<double> bFull(shape.size());
            for (std::size_t i = 0; i < b.size(); ++i)
                bFull[i] = b[i].real();
            const double initial = relL2(g, bFull);
            engine.iterate({pf::Algorithm::GS, 1.0f}, 1);
            engine.readIterate(0, g);
            const double afterPositivity = relL2(g, bPos);
            // The next B: one more GS step's output before positivity is g'.
            engine.iterate({pf::Algorithm::GS, 1.0f}, 1);
            engine.readIterate(0, g);
            std::vector<double> nextPos(shape.size());
            for (std::size_t i = 0; i < nextPos.size(); ++i)
                nextPos[i] = std::max(0.0, nextReal[i]);
            const double second = relL2(g, nextPos);
            qInfo("%s: B %.2e, B+ %.2e, next B+ %.2e", shape.toString().c_str(), initial,
                  afterPositivity, second);
            QVERIFY(initial <= 1e-6);
            QVERIFY(afterPositivity <= 1e-6);
            QVERIFY(second <= 1e-5);
        }
    }

    // Metrics against the definition, computed in double from the iterate.
    void fourierErrorMatchesDefinition() {
        const std::uint64_t seed = testSeed("fourier error");
        for (const auto& shape : kShapes) {
            pf::Problem p;
            p.magnitude = randomMagnitude(shape, seed);
            p.measured = randomMask(shape, 0.8, seed + 3);
            p.support = boxSupport(shape, 0.5);
            pf::FftwEngine engine(1, pf::FftwEngine::PlanEffort::Estimate);
            const pf::InitialGuess guess = pf::InitialGuess::random(seed);
            engine.load(p, {&guess, 1});
            engine.iterate({pf::Algorithm::HIO, 0.9f}, 2);
            std::vector<float> gPrev(shape.size());
            engine.readIterate(0, gPrev);
            engine.iterate({pf::Algorithm::HIO, 0.9f}, 1);
            const auto records = engine.takeMetrics();
            QCOMPARE(records.size(), std::size_t(3));
            QCOMPARE(records.back().iteration, 3LL);
            std::vector<float> g(shape.size());
            engine.readIterate(0, g);
            const double expected = refFourierError(g, p.magnitude, p.measured).relative();
            qInfo("%s: engine %.6f reference %.6f", shape.toString().c_str(),
                  records.back().fourierError, expected);
            QVERIFY(std::abs(records.back().fourierError - expected) <= 1e-4 * expected + 1e-6);
            QCOMPARE(records.back().supportSize, pf::countOnes(p.support));
            // Real-space error of iteration 3: ‖g' on violating pixels‖ / ‖g'‖, with
            // g' = Re(IFFT(P_M(FFT(g_2)))) the Fourier output that iteration 3's rule
            // read, built here in double from g_2.
            const std::vector<double> gOut = fourierOutput(gPrev, p);
            double violating = 0, energy = 0;
            for (std::size_t i = 0; i < gOut.size(); ++i) {
                energy += gOut[i] * gOut[i];
                if (!p.support.data[i] || gOut[i] < 0)
                    violating += gOut[i] * gOut[i];
            }
            const double realExpected = std::sqrt(violating / energy);
            qInfo("%s: real-space error: engine %.6f reference %.6f", shape.toString().c_str(),
                  records.back().realError, realExpected);
            QVERIFY(realExpected > 0.01 && realExpected < 0.99);
            QVERIFY(std::abs(records.back().realError - realExpected) <= 1e-4 * realExpected);
        }
    }

    // The random start is the SplitMix64 stream, one value a pixel in row
    // order, u = (x >> 11)·2^-53, φ = 2π·u: drawn here one value after the
    // other, against the library, which draws the pixels of large images in
    // parallel (from 512² on) and of small ones in turn.
    void randomPhaseIsTheSplitMixStream() {
        const std::uint64_t seed = testSeed("random phase stream");
        for (const pf::Shape shape : {pf::Shape{37, 53}, pf::Shape{520, 512}}) {
            const pf::ImageF phase = pf::randomPhase(shape, seed);
            std::uint64_t state = seed;
            long long differ = 0;
            for (std::size_t i = 0; i < shape.size(); ++i) {
                std::uint64_t z = (state += 0x9E3779B97F4A7C15ull);
                z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
                z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
                z ^= z >> 31;
                const double u = double(z >> 11) * 0x1.0p-53;
                differ += phase.data[i] != float(2.0 * std::numbers::pi * u);
            }
            qInfo("%s: %lld of %zu pixels differ", shape.toString().c_str(), differ, shape.size());
            QCOMPARE(differ, 0LL);
        }
    }

    // Small patterns put the starts on the cores (each start on one thread):
    // the same bits and the same records, in the same order, as one thread
    // running the starts in turn. A scratch buffer shared between threads, or
    // records merged out of order, fails here.
    void startsOnTwoThreadsEqualOne() {
        const std::uint64_t seed = testSeed("starts on two threads");
        for (const pf::Shape shape : {pf::Shape{96, 80}, pf::Shape{45, 37}}) {
            pf::Problem p;
            p.magnitude = randomMagnitude(shape, seed);
            p.measured = randomMask(shape, 0.9, seed + 1);
            p.support = boxSupport(shape, 0.5);
            std::vector<pf::InitialGuess> guesses;
            for (int k = 0; k < 5; ++k)
                guesses.push_back(pf::InitialGuess::random(seed + 10 + std::uint64_t(k)));
            pf::FftwEngine one(1, pf::FftwEngine::PlanEffort::Estimate);
            pf::FftwEngine two(2, pf::FftwEngine::PlanEffort::Estimate);
            for (pf::FftwEngine* e : {&one, &two}) {
                e->load(p, guesses);
                e->setMetricsInterval(7);
                e->iterate({pf::Algorithm::HIO, 0.9f}, 30);
                e->shrinkWrap(2.0f, 0.2f);
                e->iterate({pf::Algorithm::ER, 1.0f}, 10);
            }
            const auto a = one.takeMetrics(), b = two.takeMetrics();
            // Iterations 7, 14, 21, 28, 30 (the call's last), 35, 40: 7 records a start.
            QCOMPARE(a.size(), std::size_t(7 * 5));
            QCOMPARE(b.size(), a.size());
            for (std::size_t i = 0; i < a.size(); ++i) {
                QCOMPARE(b[i].iteration, a[i].iteration);
                QCOMPARE(b[i].start, a[i].start);
                QCOMPARE(b[i].start, int(i % 5));
                QCOMPARE(b[i].fourierError, a[i].fourierError);
                QCOMPARE(b[i].realError, a[i].realError);
                QCOMPARE(b[i].supportSize, a[i].supportSize);
            }
            QCOMPARE(two.iteration(), 40LL);
            std::vector<float> x(shape.size()), y(shape.size());
            for (int k = 0; k < 5; ++k) {
                one.readIterate(k, x);
                two.readIterate(k, y);
                QVERIFY2(x == y, qPrintable(QString("%1 start %2").arg(shape.toString().c_str()).arg(k)));
            }
        }
    }
};

QTEST_GUILESS_MAIN(TestParity)
#include "tst_parity.moc"
