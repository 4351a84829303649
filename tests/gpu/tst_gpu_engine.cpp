// The CUDA engine against the FFTW engine and the float64 reference, on fresh
// random inputs every run: every algorithm, square, rectangular and odd sizes;
// multi-start, metrics, shrink-wrap and publishing.
#include "gpu_test_util.h"

#include <phaseforge/fftw_engine.h>
#include <phaseforge/gpu/cuda_engine.h>
#include <phaseforge/gpu/device_display.h>
#include <phaseforge/gpu/fused_fft.h>
#include <phaseforge/support.h>

#include <QtTest>

#include <algorithm>
#include <utility>
#include <cmath>
#include <complex>
#include <limits>

using namespace pftest;
using namespace pfgputest;

namespace {

struct Pair {
    pf::FftwEngine fftw{2, pf::FftwEngine::PlanEffort::Estimate};
    pf::gpu::CudaEngine cuda;
    std::vector<float> a, b;

    void load(const pf::Problem& p, const pf::InitialGuess& guess) {
        fftw.load(p, {&guess, 1});
        cuda.load(p, {&guess, 1});
        a.resize(p.shape().size());
        b.resize(p.shape().size());
    }
    /// ‖g_cuda − g_fftw‖ / ‖g_fftw‖ after `count` more iterations of `step`.
    double run(const pf::Step& step, int count) {
        fftw.iterate(step, count);
        cuda.iterate(step, count);
        cuda.readIterate(0, a);
        fftw.readIterate(0, b);
        return relL2f(a, b);
    }
};

/// Copies a published device frame to the host (on the engine's stream).
class HostCopyTarget final : public pf::gpu::DeviceDisplayTarget {
public:
    std::vector<float> frame;
    bool device = false;
    void acceptHostFrame(std::span<const float> object, pf::Shape) override {
        frame.assign(object.begin(), object.end());
    }
    void acceptDeviceFrame(const float* object, pf::Shape shape, void* stream) override {
        device = true;
        frame.resize(shape.size());
        pf::gpu::download(frame.data(), object, shape.size() * sizeof(float), stream);
        pf::gpu::synchronize(stream);
    }
};

class PlainTarget final : public pf::DisplayTarget {
public:
    std::vector<float> frame;
    void acceptHostFrame(std::span<const float> object, pf::Shape) override {
        frame.assign(object.begin(), object.end());
    }
};

} // namespace

class TestGpuEngine : public QObject {
    Q_OBJECT

private slots:
    void init() { PF_REQUIRE_GPU(); }

    // One and two iterations from the same state, every shape, the rules
    // continuous in g' (GS, ER, OO): <= 1e-5. The engines' g' differ by
    // rounding from load() on, and IO, HIO and RAAR jump by β·g where g'
    // crosses zero, so their iterates can part by O(|g|) at a pixel for a rare
    // seed (seen on the two-pass path on the H200, 2026-12-04): they are held
    // step by step against float64, ties broken as the engine broke them, in
    // everyStepMatchesFloat64OverManySeeds.
    void oneIterationMatchesFftw() {
        const std::uint64_t seed = testSeed("cuda vs fftw, one iteration");
        const pf::Step steps[] = {{pf::Algorithm::GS, 1.0f}, {pf::Algorithm::ER, 1.0f},
                                  {pf::Algorithm::OO, 0.8f}};
        for (const auto& shape : kShapes) {
            for (const auto& step : steps) {
                const bool support = step.algorithm != pf::Algorithm::GS;
                const pf::Problem p = makeProblem(shape, seed, true, support, true);
                Pair pair;
                pair.load(p, pf::InitialGuess::user(randomPhaseImage(shape, seed + 2)));
                pair.cuda.readIterate(0, pair.a);
                pair.fftw.readIterate(0, pair.b);
                const double start = relL2f(pair.a, pair.b);
                const double first = pair.run(step, 1);
                const double second = pair.run(step, 1);
                qInfo("%s %s: start %.2e, 1 it %.2e, 2 its %.2e", shape.toString().c_str(),
                      std::string(pf::algorithmName(step.algorithm)).c_str(), start, first,
                      second);
                QVERIFY(start <= 1e-6);
                QVERIFY2(first <= 1e-5, qPrintable(QString::number(first)));
                QVERIFY2(second <= 1e-5, qPrintable(QString::number(second)));
                // The metrics of both iterations agree too.
                pair.cuda.finish();
                const QString differ = recordsDiffer(pair.cuda.takeMetrics(), pair.fftw.takeMetrics(), 1e-4);
                QVERIFY2(differ.isEmpty(), qPrintable(differ));
            }
        }
    }

    // Every step of long trajectories against one float64 step from the
    // engine's own state (stepErrorsToFloat64: the bound is fixed, derived
    // from float32 rounding, and no chaotic growth enters it), over many
    // seeds: every rule, on magnitudes a real object made and on independent
    // random ones (no object fits them: many pixels of g' sit near zero), on
    // both paths where the shape allows the two-pass one.
    void everyStepMatchesFloat64OverManySeeds() {
        const std::uint64_t seed = testSeed("cuda, every step vs float64");
        constexpr int kSeeds = 8;
        const pf::Step steps[] = {{pf::Algorithm::GS, 1.0f},  {pf::Algorithm::ER, 1.0f},
                                  {pf::Algorithm::IO, 0.9f},  {pf::Algorithm::OO, 0.8f},
                                  {pf::Algorithm::HIO, 0.9f}, {pf::Algorithm::RAAR, 0.75f}};
        double worstSeen = 0, medianSeen = 0;
        for (const auto& shape : kShapes) {
            for (pf::CudaPath path : {pf::CudaPath::Stage1, pf::CudaPath::TwoPass}) {
                if (path == pf::CudaPath::TwoPass && !pf::gpu::twoPassSupports(shape))
                    continue;
                for (int k = 0; k < kSeeds; ++k) {
                    const std::uint64_t sk = seed + 1000 * std::uint64_t(k);
                    for (const auto& step : steps) {
                        const bool gsLike = step.algorithm == pf::Algorithm::GS;
                        const bool consistent = k % 2 == 0;
                        const pf::Problem p = makeProblem(shape, sk, consistent, !gsLike, !gsLike);
                        pf::gpu::CudaEngine engine;
                        engine.setPath(path);
                        const pf::InitialGuess guess = pf::InitialGuess::user(randomPhaseImage(shape, sk + 5));
                        engine.load(p, {&guess, 1});
                        QCOMPARE(engine.twoPassActive(), path == pf::CudaPath::TwoPass);
                        const int count = step.algorithm == pf::Algorithm::GS ||
                                                  step.algorithm == pf::Algorithm::ER
                                              ? 50
                                              : 20;
                        const StepErrors e = stepErrorsToFloat64(engine, p, step, count);
                        worstSeen = std::max(worstSeen, e.worst);
                        medianSeen = std::max(medianSeen, e.median);
                        const QString what = QString("%1 %2 %3 seed+%4 consistent=%5: worst %6 (step %7), median %8, %9 ties, %10 phase ties")
                                                 .arg(shape.toString().c_str())
                                                 .arg(engine.info().name.c_str())
                                                 .arg(pf::algorithmName(step.algorithm).data())
                                                 .arg(1000 * k).arg(int(consistent))
                                                 .arg(e.worst).arg(e.worstStep).arg(e.median).arg(e.ties)
                                                 .arg(e.phaseTies);
                        if (e.phaseTies > 0)
                            qInfo("%s", qPrintable(what));
                        QVERIFY2(e.worst <= kStepWorstBound, qPrintable(what));
                        QVERIFY2(e.median <= kStepMedianBound, qPrintable(what));
                    }
                }
            }
        }
        qInfo("largest one-step distance %.2e, largest median %.2e (bounds %.0e, %.0e)", worstSeen,
              medianSeen, kStepWorstBound, kStepMedianBound);
    }

    // Against the float64 reference (no Hermitian form, full complex spectra).
    void matchesFloat64Reference() {
        const std::uint64_t seed = testSeed("cuda vs float64 reference");
        struct Run {
            pf::Algorithm alg;
            float beta;
            int iterations;
            double tolerance;
        };
        // Whole trajectories, for the rules whose next g is continuous in g'
        // (GS, ER, OO: a pixel of g' near zero goes either way by about
        // nothing). The feedback rules (IO, HIO, RAAR) jump by β·g where g'
        // crosses zero, so one rounding on the other side of zero moves a
        // whole trajectory: seen on the H200 (2026-12-03, fresh seed, 48 × 80
        // HIO, 6 steps) 6.2e-3 from float64 while FFTW stayed at 5.7e-6, no
        // pixel within the reference's tie margin. No bound holds for every
        // seed there; every step of theirs is held to float64 with fixed
        // bounds, over many seeds, by everyStepMatchesFloat64OverManySeeds.
        const Run runs[] = {{pf::Algorithm::GS, 1.0f, 20, 1e-4},
                            {pf::Algorithm::ER, 1.0f, 20, 1e-4},
                            {pf::Algorithm::OO, 0.8f, 20, 1e-4}};
        for (const auto& shape : kShapes) {
            for (const auto& r : runs) {
                const bool support = r.alg != pf::Algorithm::GS;
                const pf::Problem p = makeProblem(shape, seed, true, support, support);
                const pf::ImageF phase0 = randomPhaseImage(shape, seed + 2);
                pf::gpu::CudaEngine engine;
                pf::FftwEngine fftw{2, pf::FftwEngine::PlanEffort::Estimate};
                const auto [d, ties] = distanceToFloat64(engine, p, phase0, {r.alg, r.beta}, r.iterations);
                const auto [dFftw, tiesFftw] = distanceToFloat64(fftw, p, phase0, {r.alg, r.beta}, r.iterations);
                qInfo("%s %s: %.2e after %d (%d ties); FFTW %.2e (%d ties)", shape.toString().c_str(),
                      std::string(pf::algorithmName(r.alg)).c_str(), d, r.iterations, ties, dFftw,
                      tiesFftw);
                QVERIFY2(dFftw <= kAdaptiveCap,
                         qPrintable(QString("FFTW %1 from float64: the input is too sensitive").arg(dFftw)));
                QVERIFY2(d <= float64Bound(r.tolerance, dFftw), qPrintable(QString::number(d)));
            }
        }
    }

    // K starts batched give what the starts give one by one.
    void multiStartEqualsOneByOne() {
        const std::uint64_t seed = testSeed("multi-start");
        for (const auto& shape : kShapes) {
            const pf::Problem p = makeProblem(shape, seed, true, true, true);
            std::vector<pf::InitialGuess> guesses;
            for (int k = 0; k < 5; ++k)
                guesses.push_back(pf::InitialGuess::random(seed + 100 + std::uint64_t(k)));
            pf::gpu::CudaEngine batched;
            batched.load(p, guesses);
            QCOMPARE(batched.startCount(), 5);
            batched.iterate({pf::Algorithm::HIO, 0.9f}, 20);
            batched.shrinkWrap(2.0f, 0.2f);
            batched.iterate({pf::Algorithm::ER, 1.0f}, 10);
            batched.finish();
            const auto records = batched.takeMetrics();
            QCOMPARE(records.size(), std::size_t(30 * 5));
            std::vector<float> a(shape.size()), b(shape.size());
            for (int k = 0; k < 5; ++k) {
                pf::gpu::CudaEngine single;
                single.load(p, {&guesses[std::size_t(k)], 1});
                single.iterate({pf::Algorithm::HIO, 0.9f}, 20);
                single.shrinkWrap(2.0f, 0.2f);
                single.iterate({pf::Algorithm::ER, 1.0f}, 10);
                batched.readIterate(k, a);
                single.readIterate(0, b);
                const double d = relL2f(a, b);
                pf::Mask sa, sb;
                batched.readSupport(k, sa);
                single.readSupport(0, sb);
                qInfo("%s start %d: %.2e", shape.toString().c_str(), k, d);
                QVERIFY2(d <= 1e-5, qPrintable(QString::number(d)));
                long long differ = 0;
                for (std::size_t i = 0; i < sa.data.size(); ++i)
                    differ += sa.data[i] != sb.data[i];
                QVERIFY(differ <= 2); // only threshold ties may differ
                single.finish();
                const auto own = single.takeMetrics();
                QCOMPARE(own.back().supportSize, pf::countOnes(sb));
                QCOMPARE(records.back().iteration, 30LL);
            }
        }
    }

    // Records every k iterations and at the end of each call, as FFTW (the
    // same iterations and support sizes); the record that ends each call holds
    // the Fourier error of the iterate the engine then holds, computed here in
    // float64. (The values are not compared with FFTW's along the run: after
    // HIO the two float32 trajectories part where g' crosses zero, and on the
    // H200, 2026-12-04, a fresh seed put a record 1e-3 apart.)
    void metricsIntervalAndValues() {
        const std::uint64_t seed = testSeed("metrics");
        const pf::Shape shape{40, 56};
        const pf::Problem problem = makeProblem(shape, seed, true, true, true);
        Pair pair;
        pair.load(problem, pf::InitialGuess::random(seed));
        // ‖|F g| − M‖ / ‖M‖ over the measured pixels, g the CUDA engine's iterate.
        auto float64Error = [&] {
            std::vector<float> g(shape.size());
            pair.cuda.readIterate(0, g);
            return pftest::refFourierError(g, problem.magnitude, problem.measured).relative();
        };
        std::vector<std::pair<long long, double>> ends;
        pair.fftw.setMetricsInterval(3);
        pair.cuda.setMetricsInterval(3);
        pair.run({pf::Algorithm::HIO, 0.9f}, 10);
        ends.emplace_back(10, float64Error());
        pair.run({pf::Algorithm::ER, 1.0f}, 50);
        ends.emplace_back(60, float64Error());
        // An interval longer than one graph (64 iterations) splits the run.
        pair.fftw.setMetricsInterval(100);
        pair.cuda.setMetricsInterval(100);
        pair.run({pf::Algorithm::ER, 1.0f}, 250);
        ends.emplace_back(310, float64Error());
        pair.cuda.finish();
        const auto mc = pair.cuda.takeMetrics();
        const auto mf = pair.fftw.takeMetrics();
        QCOMPARE(mc.size(), mf.size());
        QCOMPARE(mc.size(), std::size_t(4 + 17 + 4));
        for (std::size_t i = 0; i < mc.size(); ++i) {
            QCOMPARE(mc[i].iteration, mf[i].iteration);
            QCOMPARE(mc[i].supportSize, mf[i].supportSize);
            QVERIFY(std::isfinite(mc[i].fourierError) && mc[i].fourierError > 0);
        }
        for (const auto& [iteration, reference] : ends) {
            const auto at = std::find_if(mc.begin(), mc.end(),
                                         [&](const pf::MetricsRecord& r) { return r.iteration == iteration; });
            QVERIFY(at != mc.end());
            qInfo("iteration %lld: recorded %.7g, float64 from the iterate %.7g", iteration,
                  double(at->fourierError), reference);
            // float32 transforms (relative error ~3e-7) and sums: far below 1e-4.
            QVERIFY2(std::abs(at->fourierError - reference) <= 1e-4 * reference + 1e-7,
                     qPrintable(QString("%1 vs %2").arg(at->fourierError).arg(reference)));
        }
        QVERIFY(pair.cuda.takeMetrics().empty());
        QCOMPARE(pair.cuda.iteration(), 310LL);
    }

    // The device blur and threshold follow support.h's rule.
    void shrinkWrapMatchesFftw() {
        const std::uint64_t seed = testSeed("shrink-wrap");
        for (const auto& shape : kShapes) {
            Pair pair;
            pair.load(makeProblem(shape, seed, true, true, false), pf::InitialGuess::random(seed));
            pair.run({pf::Algorithm::HIO, 0.9f}, 5);
            pair.run({pf::Algorithm::ER, 1.0f}, 5);
            // Both engines update from the same iterate, the device's: after
            // iterations of their own, float32 rounding alone sets pixels on
            // either side of the level (perStartShrinkWrapMatchesFftw() saw 9 of 1025 on a fresh seed).
            std::vector<float> g(shape.size());
            pair.cuda.readIterate(0, g);
            pair.fftw.setIterate(0, g);
            for (float sigma : {3.0f, 1.5f}) {
                pair.fftw.shrinkWrap(sigma, 0.2f);
                pair.cuda.shrinkWrap(sigma, 0.2f);
                pf::Mask a, b;
                pair.cuda.readSupport(0, a);
                pair.fftw.readSupport(0, b);
                QCOMPARE(a.shape, b.shape);
                long long differ = 0;
                for (std::size_t i = 0; i < a.data.size(); ++i)
                    differ += a.data[i] != b.data[i];
                // Only pixels whose blurred value sits within rounding of the
                // threshold may differ.
                qInfo("%s sigma %.1f: %lld of %lld support pixels differ",
                      shape.toString().c_str(), double(sigma), differ, pf::countOnes(b));
                QVERIFY(differ <= 2);
                QVERIFY(pf::countOnes(a) > 0);
            }
        }
    }

    // A threshold per start and size limits (the recipe's one update per
    // shrink-wrap step): the device follows the FFTW engine start by start.
    void perStartShrinkWrapMatchesFftw() {
        const std::uint64_t seed = testSeed("per-start shrink-wrap");
        for (const auto& shape : kShapes) {
            const pf::Problem p = makeProblem(shape, seed, true, true, false);
            const std::vector<pf::InitialGuess> guesses{pf::InitialGuess::random(seed),
                                                        pf::InitialGuess::random(seed + 1),
                                                        pf::InitialGuess::random(seed + 2)};
            pf::FftwEngine fftw{2, pf::FftwEngine::PlanEffort::Estimate};
            pf::gpu::CudaEngine cuda;
            fftw.load(p, guesses);
            cuda.load(p, guesses);
            // Both engines start the update from the same iterate: the device's
            // (as shrinkWrapMatchesFftw()).
            fftw.iterate({pf::Algorithm::HIO, 0.9f}, 10);
            cuda.iterate({pf::Algorithm::HIO, 0.9f}, 10);
            std::vector<float> g(shape.size());
            for (int k = 0; k < 3; ++k) {
                cuda.readIterate(k, g);
                fftw.setIterate(k, g);
            }
            std::vector<pf::Mask> before(3);
            for (int k = 0; k < 3; ++k)
                cuda.readSupport(k, before[std::size_t(k)]);
            const std::vector<float> thresholds{0.2f, 0.0f, 0.35f};
            pf::ShrinkWrapUpdate update;
            update.sigma = 2.0f;
            update.thresholds = thresholds;
            fftw.shrinkWrap(update);
            cuda.shrinkWrap(update);
            for (int k = 0; k < 3; ++k) {
                pf::Mask a, b;
                cuda.readSupport(k, a);
                fftw.readSupport(k, b);
                long long differ = 0;
                for (std::size_t i = 0; i < a.data.size(); ++i)
                    differ += a.data[i] != b.data[i];
                qInfo("%s start %d: %lld of %lld support pixels differ", shape.toString().c_str(),
                      k, differ, pf::countOnes(b));
                QVERIFY(differ <= 2); // only pixels within rounding of the level
                if (k == 1)
                    QVERIFY(a.data == before[1].data);
            }
            // A limit no new support can meet: every start keeps its support,
            // and the sizes the metrics report stay those of the kept ones.
            std::vector<pf::Mask> kept(3);
            for (int k = 0; k < 3; ++k)
                cuda.readSupport(k, kept[std::size_t(k)]);
            const std::vector<float> all{0.1f, 0.1f, 0.1f};
            update.thresholds = all;
            update.minPixels = (long long)shape.size();
            cuda.shrinkWrap(update);
            cuda.iterate({pf::Algorithm::ER, 1.0f}, 1);
            cuda.finish();
            const auto records = cuda.takeMetrics();
            for (int k = 0; k < 3; ++k) {
                pf::Mask a;
                cuda.readSupport(k, a);
                QVERIFY(a.data == kept[std::size_t(k)].data);
            }
            for (const pf::MetricsRecord& r : records)
                if (r.iteration == cuda.iteration())
                    QCOMPARE(r.supportSize, pf::countOnes(kept[std::size_t(r.start)]));
        }
    }

    // publish(): a device target gets the object on the device, a host target
    // on the host; both equal readObject().
    void publishDeviceAndHost() {
        const std::uint64_t seed = testSeed("publish");
        const pf::Shape shape{32, 48};
        pf::gpu::CudaEngine engine;
        const pf::Problem p = makeProblem(shape, seed, true, true, false);
        std::vector<pf::InitialGuess> guesses{pf::InitialGuess::random(seed),
                                              pf::InitialGuess::random(seed + 1)};
        engine.load(p, guesses);
        engine.iterate({pf::Algorithm::HIO, 0.9f}, 7);
        // OO leaves (1 − β)·g' where g' violates: negative inside the support
        // where g' < 0 there, positive outside where g' > 0.
        engine.iterate({pf::Algorithm::OO, 0.8f}, 1);
        // The object is max(g, 0) inside the support, 0 outside: computed here
        // from the iterate and the support read back, not by the engine.
        std::vector<float> g(shape.size());
        engine.readIterate(1, g);
        pf::Mask support;
        engine.readSupport(1, support);
        QCOMPARE(support.shape, shape);
        std::vector<float> expected(shape.size());
        bool anyNegativeInside = false, anyPositiveOutside = false;
        for (std::size_t i = 0; i < g.size(); ++i) {
            expected[i] = support.data[i] && g[i] > 0 ? g[i] : 0.0f;
            anyNegativeInside |= support.data[i] && g[i] < 0;
            anyPositiveOutside |= !support.data[i] && g[i] > 0;
        }
        QVERIFY(anyNegativeInside);  // the test can see the clamping
        QVERIFY(anyPositiveOutside); // and the masking
        HostCopyTarget device;
        engine.publish(1, device);
        QVERIFY(device.device);
        QVERIFY(device.frame == expected);
        PlainTarget host;
        engine.publish(1, host);
        QVERIFY(host.frame == expected);
        std::vector<float> object(shape.size());
        engine.readObject(1, object);
        QVERIFY(object == expected);
    }

    // A start from a whole object (a continued run) holds that object as g
    // and g', bit for bit, beside a start from a phase; then each of its steps
    // is the float64 reference's step from the same state (stepErrorsToFloat64,
    // fixed bounds). Two engines are not compared after several steps: a
    // pixel whose g' lies at zero can take the other HIO branch in each.
    void anObjectStartIsLoadedBitForBit() {
        for (const auto& shape : kShapes) {
            const std::uint64_t seed = 77;
            const pf::Problem p = makeProblem(shape, seed, true, true, true);
            // Random values in the support: a periodic pattern would put most
            // of its spectrum near |G| = 0, where the projection's phase is
            // ill-conditioned beyond the fixed bounds.
            const pf::ImageF noise = randomPhaseImage(shape, seed + 11);
            pf::ImageF object(shape);
            for (std::size_t i = 0; i < object.data.size(); ++i)
                object.data[i] = p.support.data[i] ? std::abs(noise.data[i]) : 0.0f;
            const std::vector<pf::InitialGuess> guesses{pf::InitialGuess::fromObject(object),
                                                        pf::InitialGuess::random(seed)};
            pf::FftwEngine fftw{2, pf::FftwEngine::PlanEffort::Estimate};
            pf::gpu::CudaEngine cuda;
            fftw.load(p, guesses);
            cuda.load(p, guesses);
            std::vector<float> g(shape.size()), gOut(shape.size());
            cuda.readIterate(0, g);
            pf::gpu::download(gOut.data(), cuda.deviceFourierOutput(0), gOut.size() * sizeof(float),
                              cuda.stream());
            pf::gpu::synchronize(cuda.stream());
            QVERIFY2(g == object.data, shape.toString().c_str());
            QVERIFY2(gOut == object.data, shape.toString().c_str());
            std::vector<float> random(shape.size()), reference(shape.size());
            cuda.readIterate(1, random);
            fftw.readIterate(1, reference);
            QVERIFY(relL2f(random, reference) <= 1e-6); // the phase start is untouched
            const StepErrors e = stepErrorsToFloat64(cuda, p, pf::Step{pf::Algorithm::HIO, 0.9f}, 20);
            const QString what = QString("%1: worst %2 (step %3), median %4")
                                     .arg(shape.toString().c_str())
                                     .arg(e.worst).arg(e.worstStep).arg(e.median);
            QVERIFY2(e.worst <= kStepWorstBound, qPrintable(what));
            QVERIFY2(e.median <= kStepMedianBound, qPrintable(what));
        }
    }

    // setIterate (the recipe's kicks) writes g and g' of one start bit for bit
    // after iterations on either path, leaves the other starts alone, the
    // next steps are the float64 reference's from it, and bad input changes
    // nothing.
    void setIterateWritesOneStart() {
        for (const auto& shape : kShapes) {
            for (const bool twoPass : {false, true}) {
                const std::uint64_t seed = testSeed("set iterate");
                const pf::Problem p = makeProblem(shape, seed, true, true, true);
                const std::vector<pf::InitialGuess> guesses{pf::InitialGuess::random(seed),
                                                            pf::InitialGuess::random(seed + 1)};
                pf::gpu::CudaEngine cuda;
                cuda.setTwoPass(twoPass);
                cuda.load(p, guesses);
                cuda.iterate(pf::Step{pf::Algorithm::HIO, 0.9f}, 7);
                std::vector<float> other(shape.size()), otherAfter(shape.size());
                cuda.readIterate(1, other);
                const pf::ImageF noise = randomPhaseImage(shape, seed + 3);
                std::vector<float> next(shape.size());
                for (std::size_t i = 0; i < next.size(); ++i)
                    next[i] = p.support.data[i] ? std::abs(noise.data[i]) : 0.0f;
                cuda.setIterate(0, next);
                std::vector<float> g(shape.size()), gOut(shape.size());
                cuda.readIterate(0, g);
                pf::gpu::download(gOut.data(), cuda.deviceFourierOutput(0),
                                  gOut.size() * sizeof(float), cuda.stream());
                pf::gpu::synchronize(cuda.stream());
                const QString where = QString("%1, %2").arg(shape.toString().c_str())
                                          .arg(twoPass ? "two-pass" : "stage 1");
                QVERIFY2(g == next && gOut == next, qPrintable(where));
                cuda.readIterate(1, otherAfter);
                QVERIFY2(otherAfter == other, qPrintable(where));
                std::vector<float> bad = next;
                bad[1] = std::numeric_limits<float>::infinity();
                QVERIFY_THROWS_EXCEPTION(pf::InvalidArgument, cuda.setIterate(0, bad));
                QVERIFY_THROWS_EXCEPTION(pf::InvalidArgument, cuda.setIterate(2, next));
                cuda.readIterate(0, g);
                QVERIFY2(g == next, qPrintable(where));
                const StepErrors e = stepErrorsToFloat64(cuda, p, pf::Step{pf::Algorithm::HIO, 0.9f}, 10);
                const QString what = where + QString(": worst %1 (step %2), median %3")
                                                 .arg(e.worst).arg(e.worstStep).arg(e.median);
                QVERIFY2(e.worst <= kStepWorstBound, qPrintable(what));
                QVERIFY2(e.median <= kStepMedianBound, qPrintable(what));
            }
        }
    }

    void badArgumentsAreRejected() {
        pf::gpu::CudaEngine engine;
        const pf::Step gs{pf::Algorithm::GS, 1.0f}, badHio{pf::Algorithm::HIO, 1.5f};
        QVERIFY_THROWS_EXCEPTION(pf::InvalidArgument, engine.iterate(gs, 1));
        const pf::Problem p = makeProblem({16, 16}, 1, false, false, false);
        const pf::InitialGuess guess = pf::InitialGuess::zero();
        engine.load(p, {&guess, 1});
        QVERIFY_THROWS_EXCEPTION(pf::InvalidArgument, engine.iterate(badHio, 1));
        std::vector<float> tooSmall(10);
        QVERIFY_THROWS_EXCEPTION(pf::InvalidArgument, engine.readIterate(0, tooSmall));
        QVERIFY_THROWS_EXCEPTION(pf::InvalidArgument, engine.readIterate(1, tooSmall));
        const pf::Mask wrongShape(pf::Shape{8, 8}, 1), empty(pf::Shape{16, 16}, 0);
        QVERIFY_THROWS_EXCEPTION(pf::InvalidArgument, engine.setSupport(wrongShape));
        QVERIFY_THROWS_EXCEPTION(pf::InvalidArgument, engine.setSupport(empty));
        QCOMPARE(engine.info().name, std::string("cuda"));
        // Device indices that do not exist are refused, naming the index.
        const int devices = pf::gpu::deviceCount();
        try {
            pf::gpu::CudaEngine beyond(devices);
            QFAIL("a device index beyond the devices found was accepted");
        } catch (const pf::InvalidArgument& e) {
            QVERIFY(std::string(e.what()).find("device " + std::to_string(devices)) != std::string::npos);
        }
        QVERIFY_THROWS_EXCEPTION(pf::InvalidArgument, pf::gpu::CudaEngine(-1));
        pf::EngineOptions options;
        options.device = devices;
        options.kind = pf::EngineKind::Cuda;
        QVERIFY_THROWS_EXCEPTION(pf::InvalidArgument, pf::gpu::CudaEngine{options});
    }
};

QTEST_GUILESS_MAIN(TestGpuEngine)
#include "tst_gpu_engine.moc"
