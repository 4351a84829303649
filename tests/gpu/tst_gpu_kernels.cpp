// The kernel-level API (kernels.h) reproduces the engine's iteration bit for
// bit, and the engine's loop makes no copy, allocation or synchronisation.
#include "gpu_test_util.h"

#include <phaseforge/gpu/cuda_engine.h>
#include <phaseforge/gpu/kernels.h>
#include <phaseforge/gpu/stats.h>
#include <phaseforge/simulate.h>
#include <phaseforge/support.h>

#include <QtTest>

#include <algorithm>
#include <cstring>
#include <initializer_list>

using namespace pftest;
using namespace pfgputest;

namespace {

std::vector<float> toHost(const float* device, std::size_t n, void* stream) {
    std::vector<float> out(n);
    pf::gpu::download(out.data(), device, n * sizeof(float), stream);
    pf::gpu::synchronize(stream);
    return out;
}

bool bitwiseEqual(const std::vector<float>& a, const std::vector<float>& b) {
    return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

} // namespace

class TestGpuKernels : public QObject {
    Q_OBJECT

private slots:
    void init() { PF_REQUIRE_GPU(); }

    // projectObject, r2c, projectMagnitude, c2r on raw pointers give the
    // engine's g and g' exactly, for every rule, single and batched.
    void kernelsReproduceTheEngineBitwise() {
        const std::uint64_t seed = testSeed("kernel API vs engine");
        const pf::Step steps[] = {{pf::Algorithm::GS, 1.0f},  {pf::Algorithm::ER, 1.0f},
                                  {pf::Algorithm::IO, 0.9f},  {pf::Algorithm::OO, 0.8f},
                                  {pf::Algorithm::HIO, 0.9f}, {pf::Algorithm::RAAR, 0.75f}};
        for (const auto& shape : kShapes) {
            for (int starts : {1, 3}) {
                const pf::Problem p = makeProblem(shape, seed, true, true, true);
                std::vector<pf::InitialGuess> guesses;
                for (int k = 0; k < starts; ++k)
                    guesses.push_back(pf::InitialGuess::random(seed + std::uint64_t(k)));
                // The kernel-level API is the reference of the stage-1 path.
                pf::gpu::CudaEngine engine;
                engine.setPath(pf::CudaPath::Stage1);
                engine.load(p, guesses);
                QVERIFY(!engine.twoPassActive());
                engine.iterate({pf::Algorithm::HIO, 0.9f}, 3);
                engine.finish();

                const std::size_t n = shape.size(), all = n * std::size_t(starts);
                pf::gpu::Stream stream;
                void* s = stream.handle();
                pf::gpu::DeviceBuffer<float> g(all), gOut(all);
                pf::gpu::DeviceBuffer<pf::gpu::Complex> spectrum(shape.halfSize() *
                                                                 std::size_t(starts));
                pf::gpu::DeviceBuffer<std::uint8_t> support(all);
                for (int k = 0; k < starts; ++k)
                    pf::gpu::upload(support.data() + std::size_t(k) * n, p.support.data.data(), n,
                                    s);
                const pf::gpu::DeviceWeights weights(pf::hermitianWeights(p), s);
                pf::gpu::FftPlans plans;

                for (const auto& step : steps) {
                    // Same state in both: copy the engine's g and g'.
                    pf::gpu::synchronize(engine.stream());
                    pf::gpu::copyOnDevice(g.data(), engine.deviceIterate(0), all * sizeof(float), s);
                    pf::gpu::copyOnDevice(gOut.data(), engine.deviceFourierOutput(0),
                                          all * sizeof(float), s);
                    pf::gpu::projectObject(step, g.data(), gOut.data(), support.data(), g.data(),
                                           shape, starts, s);
                    plans.r2c(g.data(), spectrum.data(), shape, starts, s);
                    pf::gpu::projectMagnitude(spectrum.data(), weights, starts, s);
                    plans.c2r(spectrum.data(), gOut.data(), shape, starts, s);
                    engine.iterate(step, 1);
                    engine.finish();
                    const auto mine = toHost(g.data(), all, s);
                    const auto mineOut = toHost(gOut.data(), all, s);
                    const auto theirs = toHost(engine.deviceIterate(0), all, engine.stream());
                    const auto theirsOut =
                        toHost(engine.deviceFourierOutput(0), all, engine.stream());
                    QVERIFY2(bitwiseEqual(mine, theirs),
                             qPrintable(QString("g differs: %1 %2 K=%3")
                                            .arg(shape.toString().c_str())
                                            .arg(pf::algorithmName(step.algorithm).data())
                                            .arg(starts)));
                    QVERIFY2(bitwiseEqual(mineOut, theirsOut), "g' differs");
                }
            }
        }
    }

    // The Fourier error of the API equals the definition in double.
    void fourierErrorMatchesDefinition() {
        const std::uint64_t seed = testSeed("kernel fourier error");
        const pf::Shape shape{36, 50};
        const pf::Problem p = makeProblem(shape, seed, false, false, true);
        pf::gpu::Stream stream;
        void* s = stream.handle();
        const pf::gpu::DeviceWeights weights(pf::hermitianWeights(p), s);
        const pf::ImageF x = randomMagnitude(shape, seed + 9);
        pf::gpu::DeviceBuffer<float> image(shape.size());
        pf::gpu::DeviceBuffer<pf::gpu::Complex> spectrum(shape.halfSize());
        pf::gpu::upload(image.data(), x.data.data(), image.bytes(), s);
        pf::gpu::FftPlans plans;
        plans.r2c(image.data(), spectrum.data(), shape, 1, s);
        const double got = pf::gpu::fourierErrorNumerators(spectrum.data(), weights, 1, s)[0];
        const double expected = refFourierError(x.data, p.magnitude, p.measured).numerator;
        qInfo("numerator %.8g expected %.8g", got, expected);
        QVERIFY(std::abs(got - expected) <= 1e-5 * expected);
    }

    // No host<->device copy, allocation or synchronisation inside the loop:
    // only the metric read-backs, one per record. On both paths: stage 1 (a
    // graph per batch) and the two-pass path the engine picks for 128² (the
    // persistent kernel, one launch per batch).
    void loopMakesNoCopiesAllocationsOrWaits() {
        const std::uint64_t seed = testSeed("loop counters");
        const pf::Shape shape{128, 128};
        for (pf::CudaPath path : {pf::CudaPath::Stage1, pf::CudaPath::Automatic}) {
            pf::gpu::CudaEngine engine;
            engine.setPath(path);
            const pf::Problem p = makeProblem(shape, seed, true, true, false);
            const pf::InitialGuess guess = pf::InitialGuess::random(seed);
            engine.load(p, {&guess, 1});
            QCOMPARE(engine.twoPassActive(), path == pf::CudaPath::Automatic);
            engine.setMetricsInterval(50);
            engine.iterate({pf::Algorithm::HIO, 0.9f}, 100); // captures the graphs
            engine.finish();
            (void)engine.takeMetrics();
            const pf::gpu::Stats before = pf::gpu::stats();
            engine.iterate({pf::Algorithm::HIO, 0.9f}, 100);
            const pf::gpu::Stats d = pf::gpu::stats() - before;
            QCOMPARE(d.allocations, 0ull);
            QCOMPARE(d.frees, 0ull);
            QCOMPARE(d.hostToDeviceCopies, 0ull);
            QCOMPARE(d.synchronisations, 0ull);
            QCOMPARE(d.graphCaptures, 0ull);
            QCOMPARE(d.deviceToHostCopies, 2ull); // iterations 150 and 200
            if (path == pf::CudaPath::Stage1) {
                QCOMPARE(d.graphLaunches, 2ull);
                // 4 per iteration, 2 more (zeroing, error sum) per record.
                QCOMPARE(d.kernelLaunches, 4ull * 100 + 2 * 2);
            } else {
                QCOMPARE(d.graphLaunches, 0ull);
                QCOMPARE(d.kernelLaunches, 2ull * 2); // one zeroing, one launch per batch
            }
            engine.finish();
            const auto records = engine.takeMetrics();
            QCOMPARE(records.size(), std::size_t(2));
            QCOMPARE(records[1].iteration, 200LL);
        }
    }

    // β lives on the device: a new β is one small write, never a new graph,
    // and the replayed graph computes with the new value (each step's g
    // against one float64 step from the engine's state with that β).
    // The automatic support's fill on the device (CudaEngine::fillAutocorrelation,
    // before any load) against the float64 reference, with the host's bound,
    // on patterns with a beamstop and dead pixels; an odd shape and a
    // power-of-two one. The fill must matter (as in tst_support).
    void deviceFillMatchesFloat64() {
        const std::uint64_t seed = pftest::testSeed("device intensity fill");
        pf::gpu::CudaEngine engine;
        for (const pf::Shape objShape : {pf::Shape{21, 27}, pf::Shape{64, 64}}) {
            const pf::Problem problem = pftest::fillTestProblem(objShape, seed);
            const pf::IntensityFill fill = pf::intensityFillOf(pf::ProblemRef(problem), pf::AutoSupport{});
            std::vector<float> got(problem.shape().size());
            engine.fillAutocorrelation(fill, got);
            const pftest::FillDistance d = pftest::fillDistance(fill, got);
            qInfo("%s: device fill within %.2e of float64 (of the peak); the fill moves it by %.2e",
                  problem.shape().toString().c_str(), d.deviation, d.effect);
            QVERIFY(d.deviation <= pftest::kFillTolerance);
            QVERIFY(d.effect >= 100 * pftest::kFillTolerance);
        }
    }

    void changingBetaReusesTheGraph() {
        const std::uint64_t seed = testSeed("beta on the device");
        for (pf::CudaPath path : {pf::CudaPath::Stage1, pf::CudaPath::TwoPass}) {
            const pf::Shape s = path == pf::CudaPath::TwoPass ? pf::Shape{64, 128} : pf::Shape{48, 80};
            const pf::Problem p = makeProblem(s, seed, true, true, true);
            pf::gpu::CudaEngine engine;
            engine.setPath(path);
            // The per-pass kernels run in graphs; the persistent one needs none.
            pf::TwoPassTuning tuning;
            tuning.persistent = pf::PersistentKernel::Never;
            engine.setTwoPassTuning(tuning);
            const pf::InitialGuess guess = pf::InitialGuess::random(seed + 1);
            engine.load(p, {&guess, 1});
            QCOMPARE(engine.twoPassActive(), path == pf::CudaPath::TwoPass);
            engine.iterate({pf::Algorithm::HIO, 0.9f}, 1); // captures the one-step graph
            const pf::gpu::Stats before = pf::gpu::stats();
            std::vector<float> g(s.size()), gOut(s.size()), next(s.size());
            for (float beta : {0.5f, 0.7f, 0.95f, 0.5f}) {
                engine.readIterate(0, g);
                pf::gpu::download(gOut.data(), engine.deviceFourierOutput(0), s.size() * sizeof(float),
                                  engine.stream());
                pf::gpu::synchronize(engine.stream());
                RefState ref{s, std::vector<double>(g.begin(), g.end()),
                             std::vector<double>(gOut.begin(), gOut.end())};
                engine.iterate({pf::Algorithm::HIO, beta}, 1);
                engine.readIterate(0, next);
                refIterate(ref, p.magnitude, p.measured, p.support, pf::Algorithm::HIO, beta, &next);
                const double d = relL2(next, ref.g);
                qInfo("%s beta %.2f: %.2e from one float64 step", engine.info().name.c_str(),
                      double(beta), d);
                // g_next comes from the same g and g' in both: only the
                // rule's float rounding differs (seen ≈ 1e-8); a stale β
                // moves every violating pixel by |Δβ·g'| (0.26 seen).
                QVERIFY2(d <= 1e-6, qPrintable(QString("beta %1: %2").arg(beta).arg(d)));
            }
            const pf::gpu::Stats d = pf::gpu::stats() - before;
            QCOMPARE(d.graphCaptures, 0ull);
            QCOMPARE(d.graphLaunches, 4ull);
            QCOMPARE(d.hostToDeviceCopies, 0ull);
        }
    }
};

QTEST_GUILESS_MAIN(TestGpuKernels)
#include "tst_gpu_kernels.moc"
