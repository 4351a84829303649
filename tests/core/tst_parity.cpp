// The FFTW engine against the independent float64 reference (tests/support),
// on fresh random magnitudes and phases every run, for every algorithm and for
// square, rectangular and odd sizes.
#include "reference.h"

#include <phaseforge/fftw_engine.h>
#include <phaseforge/problem.h>
#include <phaseforge/support.h>

#include <QtTest>

#include <algorithm>
#include <cmath>
#include <random>

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
    double error;       ///< engine vs float64 reference, relative L2 of g
    double sensitivity; ///< float64 vs float64 started 1e-7 apart: what rounding alone does
    /// The bound to hold: `tolerance`, unless this trajectory amplifies a
    /// rounding-sized perturbation so much that no float32 run could (then 10x
    /// what the float64 twin shows).
    double bound(double tolerance) const { return std::max(tolerance, 10 * sensitivity); }
};

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
    RefState twin = ref;
    std::mt19937_64 rng(seed + 3);
    for (std::size_t i = 0; i < twin.g.size(); ++i) {
        const double f = 1 + ((rng() & 1) ? 1e-7 : -1e-7);
        twin.g[i] *= f;
        twin.gOut[i] *= f;
    }
    std::vector<float> g(c.shape.size());
    int ties = 0;
    for (int i = 0; i < iterations; ++i) {
        engine.iterate({alg, float(beta)}, 1);
        engine.readIterate(0, g);
        refIterate(ref, p.magnitude, p.measured, p.support, alg, beta, &g, &ties);
        refIterate(twin, p.magnitude, p.measured, p.support, alg, beta, &g);
        if (qEnvironmentVariableIsSet("PF_TEST_TRACE"))
            qInfo("  %s %s iteration %d: %.3e (twin %.3e, ties %d)",
                  std::string(pf::algorithmName(alg)).c_str(), c.shape.toString().c_str(), i + 1,
                  relL2(g, ref.g), relL2(twin.g, ref.g), ties);
    }
    if (ties)
        qInfo("%s %s: %d branch tie(s) within rounding of zero followed the engine",
              std::string(pf::algorithmName(alg)).c_str(), c.shape.toString().c_str(), ties);
    return {relL2(g, ref.g), relL2(twin.g, ref.g)};
}

} // namespace

class TestParity : public QObject {
    Q_OBJECT

private slots:
    void gsAndOoStayWithin1e4After50() {
        const std::uint64_t seed = freshSeed("parity GS/OO");
        for (const auto& shape : kShapes) {
            for (bool support : {false, true}) {
                const Case c{shape, support, false, true};
                const PairResult gs = runPair(pf::Algorithm::GS, 1.0, 50, c, seed);
                const PairResult oo = runPair(pf::Algorithm::OO, 0.8, 50, c, seed + 10);
                const PairResult er = runPair(pf::Algorithm::ER, 1.0, 50, c, seed + 20);
                qInfo("%s support=%d: GS %.2e (twin %.1e) OO %.2e (twin %.1e) ER %.2e (twin %.1e)",
                      shape.toString().c_str(), int(support), gs.error, gs.sensitivity, oo.error,
                      oo.sensitivity, er.error, er.sensitivity);
                QVERIFY(gs.error <= gs.bound(1e-4));
                QVERIFY(oo.error <= oo.bound(1e-4));
                QVERIFY(er.error <= er.bound(1e-4));
            }
        }
    }

    void unmeasuredPixelsFloatFree() {
        const std::uint64_t seed = freshSeed("parity with a detector mask");
        for (const auto& shape : kShapes) {
            const Case c{shape, true, true, true};
            const PairResult er = runPair(pf::Algorithm::ER, 1.0, 50, c, seed);
            const PairResult hio = runPair(pf::Algorithm::HIO, 0.9, 10, c, seed + 1);
            qInfo("%s masked: ER %.2e (twin %.1e) HIO %.2e (twin %.1e)", shape.toString().c_str(),
                  er.error, er.sensitivity, hio.error, hio.sensitivity);
            QVERIFY(er.error <= er.bound(1e-4));
            QVERIFY(hio.error <= hio.bound(1e-3));
        }
    }

    void ioHioRaarStayWithin1e3After10() {
        const std::uint64_t seed = freshSeed("parity IO/HIO/RAAR");
        for (const auto& shape : kShapes) {
            const Case c{shape, true, false, true};
            const PairResult io = runPair(pf::Algorithm::IO, 0.9, 10, c, seed);
            const PairResult hio = runPair(pf::Algorithm::HIO, 0.9, 10, c, seed + 1);
            const PairResult raar = runPair(pf::Algorithm::RAAR, 0.75, 10, c, seed + 2);
            qInfo("%s: IO %.2e HIO %.2e RAAR %.2e (twins %.1e %.1e %.1e)",
                  shape.toString().c_str(), io.error, hio.error, raar.error, io.sensitivity,
                  hio.sensitivity, raar.sensitivity);
            QVERIFY(io.error <= io.bound(1e-3));
            QVERIFY(hio.error <= hio.bound(1e-3));
            QVERIFY(raar.error <= raar.bound(1e-3));
        }
    }

    // The seed's loop, line by line, for one iteration:
    //   A = M·exp(iφ0); B = Re(IFFT(A)); B[B<0] = 0; C = FFT(B); A = M·exp(i·arg C)
    void firstIterationIsTheSeedLoop() {
        const std::uint64_t seed = freshSeed("seed loop");
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
        const std::uint64_t seed = freshSeed("fourier error");
        for (const auto& shape : kShapes) {
            pf::Problem p;
            p.magnitude = randomMagnitude(shape, seed);
            p.measured = randomMask(shape, 0.8, seed + 3);
            p.support = boxSupport(shape, 0.5);
            pf::FftwEngine engine(1, pf::FftwEngine::PlanEffort::Estimate);
            const pf::InitialGuess guess = pf::InitialGuess::random(seed);
            engine.load(p, {&guess, 1});
            engine.iterate({pf::Algorithm::HIO, 0.9f}, 3);
            const auto records = engine.takeMetrics();
            QCOMPARE(records.size(), std::size_t(3));
            QCOMPARE(records.back().iteration, 3LL);
            std::vector<float> g(shape.size());
            engine.readIterate(0, g);
            std::vector<std::complex<double>> x(g.begin(), g.end());
            auto f = fft2(x, shape);
            double num = 0, den = 0;
            for (std::size_t i = 0; i < f.size(); ++i) {
                if (!p.measured.data[i])
                    continue;
                const double d = std::abs(f[i]) - p.magnitude.data[i];
                num += d * d;
                den += double(p.magnitude.data[i]) * p.magnitude.data[i];
            }
            const double expected = std::sqrt(num / den);
            qInfo("%s: engine %.6f reference %.6f", shape.toString().c_str(),
                  records.back().fourierError, expected);
            QVERIFY(std::abs(records.back().fourierError - expected) <= 1e-4 * expected + 1e-6);
            QCOMPARE(records.back().supportSize, pf::countOnes(p.support));
            QVERIFY(records.back().realError > 0 && records.back().realError < 1);
        }
    }
};

QTEST_GUILESS_MAIN(TestParity)
#include "tst_parity.moc"
