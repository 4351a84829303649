// Device memory: a problem too large fails cleanly (bytes needed and free,
// nothing leaked), and 1000 load/run/destroy cycles leave the free memory
// where it was.
#include "gpu_test_util.h"

#include <phaseforge/gpu/cuda_engine.h>
#include <phaseforge/gpu/memory.h>
#include <phaseforge/gpu/stats.h>

#include <QtTest>

using namespace pftest;
using namespace pfgputest;

class TestGpuMemory : public QObject {
    Q_OBJECT

private slots:
    void init() { PF_REQUIRE_GPU(); }

    void footprintIsReported() {
        const pf::Shape shape{256, 200};
        pf::gpu::CudaEngine engine;
        QCOMPARE(engine.footprint().total(), std::size_t(0));
        const pf::Problem p = makeProblem(shape, 3, false, false, false);
        std::vector<pf::InitialGuess> guesses{pf::InitialGuess::random(1),
                                              pf::InitialGuess::random(2)};
        const auto estimate = pf::gpu::CudaEngine::estimateFootprint(shape, 2);
        const auto before = pf::gpu::deviceMemoryInfo();
        engine.load(p, guesses);
        const auto after = pf::gpu::deviceMemoryInfo();
        const auto f = engine.footprint();
        // g, g', support and the half spectrum per start; weights once.
        const std::size_t state = 2 * (shape.size() * 9 + shape.halfSize() * 8);
        QCOMPARE(f.state, state);
        QCOMPARE(f.weights, shape.halfSize() * 16);
        QCOMPARE(estimate.state, f.state);
        qInfo("footprint %zu bytes (%zu fft work); free memory dropped by %zu", f.total(),
              f.fftWork, before.freeBytes - after.freeBytes);
        // cudaMalloc rounds to 2 MiB pages: the drop is at least the state.
        QVERIFY(before.freeBytes - after.freeBytes >= f.state);
    }

    void tooLargeProblemFailsCleanly() {
        // 4096 x 4096 with 1024 starts needs about 290 GB: more than any device here.
        const pf::Shape shape{4096, 4096};
        const pf::Problem p = makeProblem(shape, 5, false, false, false);
        std::vector<pf::InitialGuess> guesses;
        for (int k = 0; k < 1024; ++k)
            guesses.push_back(pf::InitialGuess::random(std::uint64_t(k)));
        pf::gpu::CudaEngine engine;
        {
            // Warm up the context and a small load, so that lazy allocations
            // of the runtime do not count as a leak below.
            const pf::Problem small = makeProblem({32, 32}, 1, false, false, false);
            engine.load(small, {&guesses[0], 1});
            engine.iterate({pf::Algorithm::GS, 1}, 2);
            engine.finish();
        }
        const pf::gpu::Stats statsBefore = pf::gpu::stats();
        bool threw = false;
        std::string message;
        try {
            engine.load(p, guesses);
        } catch (const pf::EngineError& e) {
            threw = true;
            message = e.what();
        }
        const auto after = pf::gpu::deviceMemoryInfo();
        qInfo("%s", message.c_str());
        QVERIFY(threw);
        QVERIFY(message.find("needs") != std::string::npos);
        QVERIFY(message.find("bytes are free") != std::string::npos);
        QVERIFY(message.find("4096 x 4096") != std::string::npos);
        const pf::gpu::Stats d = pf::gpu::stats() - statsBefore;
        // The old problem was released (its frees), nothing new was allocated.
        QCOMPARE(d.allocations, 0ull);
        QCOMPARE(engine.startCount(), 0);
        const pf::Step gs{pf::Algorithm::GS, 1.0f};
        QVERIFY_THROWS_EXCEPTION(pf::InvalidArgument, engine.iterate(gs, 1));
        // And the engine still works afterwards.
        const pf::Problem small = makeProblem({32, 32}, 1, false, false, false);
        engine.load(small, {&guesses[0], 1});
        engine.iterate({pf::Algorithm::GS, 1}, 2);
        engine.finish();
        QCOMPARE(engine.iteration(), 2LL);
        (void)after;
    }

    void thousandCyclesLeakNothing() {
        const pf::Shape shape{64, 48};
        const pf::Problem p = makeProblem(shape, 7, true, true, true);
        std::vector<pf::InitialGuess> guesses{pf::InitialGuess::random(1),
                                              pf::InitialGuess::random(2)};
        auto cycle = [&](int i) {
            pf::gpu::CudaEngine engine;
            engine.load(p, guesses);
            engine.setMetricsInterval(2);
            engine.iterate({i % 2 ? pf::Algorithm::HIO : pf::Algorithm::ER, 0.9f}, 3);
            if (i % 10 == 0)
                engine.shrinkWrap(1.5f, 0.2f);
            (void)engine.takeMetrics(); // records may still be in flight: dropped
        };
        for (int i = 0; i < 3; ++i)
            cycle(i); // warm-up: module loading, cuFFT's own lazy state
        const auto before = pf::gpu::deviceMemoryInfo();
        const pf::gpu::Stats statsBefore = pf::gpu::stats();
        for (int i = 0; i < 1000; ++i)
            cycle(i);
        const auto after = pf::gpu::deviceMemoryInfo();
        const pf::gpu::Stats d = pf::gpu::stats() - statsBefore;
        qInfo("free before %zu after %zu; %llu allocations, %llu frees", before.freeBytes,
              after.freeBytes, (unsigned long long)d.allocations, (unsigned long long)d.frees);
        QCOMPARE(after.freeBytes, before.freeBytes);
        QCOMPARE(d.allocations, d.frees);
        QVERIFY(d.allocations >= 1000);
    }
};

QTEST_GUILESS_MAIN(TestGpuMemory)
#include "tst_gpu_memory.moc"
