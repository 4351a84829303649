// The engine factory of a CUDA build: with a device, cuda and auto give the
// CUDA engine; without one (this machine, or CUDA_VISIBLE_DEVICES=-1), cuda
// fails with a clear reason and auto falls back to FFTW and logs why.
#include <phaseforge/engine_factory.h>
#include <phaseforge/error.h>
#include <phaseforge/gpu/cuda_engine.h>
#include <phaseforge/gpu/kernels.h>
#include <phaseforge/log.h>
#include <phaseforge/problem.h>

#include <QtTest>

#include <algorithm>
#include <cstdlib>
#include <mutex>
#include <string>
#include <vector>

class TestGpuFactory : public QObject {
    Q_OBJECT

    std::vector<std::string> m_lines;
    std::mutex m_mutex;

    bool expectNoDevice() const { return std::getenv("PF_EXPECT_NO_DEVICE") != nullptr; }

private slots:
    void init() {
        m_lines.clear();
        pf::setLogSink([this](pf::LogLevel, std::string_view line) {
            std::lock_guard lock(m_mutex);
            m_lines.emplace_back(line);
        });
    }
    void cleanup() { pf::setLogSink({}); }

    void parsesKindsLikeTheCore() {
        QCOMPARE(pf::parseEngineKind("auto"), pf::EngineKind::Auto);
        QCOMPARE(pf::parseEngineKind("cuda"), pf::EngineKind::Cuda);
        QCOMPARE(pf::parseEngineKind("cpu"), pf::EngineKind::Cpu);
        QCOMPARE(pf::parseEngineKind("fftw"), pf::EngineKind::Cpu);
        QVERIFY_THROWS_EXCEPTION(pf::InvalidArgument, pf::parseEngineKind("opencl"));
    }

    void cpuIsAlwaysFftw() {
        auto e = pf::makeEngine({pf::EngineKind::Cpu, 1});
        QCOMPARE(e->info().name, std::string("fftw"));
    }

    void withoutDeviceCudaFailsAndAutoFallsBack() {
        std::string why;
        const bool have = pf::gpu::deviceAvailable(&why);
        if (expectNoDevice())
            QVERIFY2(!have, "CUDA_VISIBLE_DEVICES=-1 should hide every device");
        if (have)
            QSKIP("a CUDA device is present: the no-device path is run by tst_gpu_factory_nodevice");
        const std::string reason = pf::cudaUnavailableReason();
        QVERIFY(!reason.empty());
        QCOMPARE(reason, why);
        bool threw = false;
        try {
            (void)pf::makeEngine({pf::EngineKind::Cuda, 1});
        } catch (const pf::EngineError& e) {
            threw = true;
            const std::string msg = e.what();
            qInfo("engine=cuda: %s", msg.c_str());
            QVERIFY(msg.find("cuda") != std::string::npos);
            QVERIFY(msg.find(reason) != std::string::npos);
        }
        QVERIFY(threw);
        auto e = pf::makeEngine({pf::EngineKind::Auto, 1});
        QCOMPARE(e->info().name, std::string("fftw"));
        bool logged = false;
        for (const auto& line : m_lines)
            logged |= line.find("FFTW") != std::string::npos &&
                      line.find(reason) != std::string::npos;
        QVERIFY2(logged, "auto must log why it fell back to FFTW");
    }

    void withDeviceCudaAndAutoGiveCuda() {
        if (!pf::gpu::deviceAvailable())
            QSKIP("no usable CUDA device: the CUDA path needs one");
        QVERIFY(pf::cudaUnavailableReason().empty());
        auto cuda = pf::makeEngine({pf::EngineKind::Cuda, 1});
        QVERIFY(cuda->info().name.rfind("cuda", 0) == 0);
        QVERIFY(dynamic_cast<pf::gpu::CudaEngine*>(cuda.get()) != nullptr);
        QVERIFY(!cuda->info().device.empty());
        auto autoEngine = pf::makeEngine({pf::EngineKind::Auto, 1});
        QVERIFY(dynamic_cast<pf::gpu::CudaEngine*>(autoEngine.get()) != nullptr);
    }

    // EngineOptions::path reaches the CUDA engine: by default it runs the
    // two-pass iteration where that is faster (every power-of-two shape, 8192
    // rows with the split column pass) and names itself so (the name goes
    // into CXI files), stage 1 on other shapes; the overrides force either.
    void pathOptionReachesTheEngine() {
        if (!pf::gpu::deviceAvailable())
            QSKIP("no usable CUDA device: the CUDA path needs one");
        auto loaded = [](pf::CudaPath path, pf::Shape shape) {
            pf::EngineOptions options{pf::EngineKind::Auto, 1};
            options.path = path;
            auto engine = pf::makeEngine(options);
            pf::Problem p;
            p.magnitude = pf::ImageF(shape);
            std::fill(p.magnitude.data.begin(), p.magnitude.data.end(), 1.0f);
            const pf::InitialGuess guess = pf::InitialGuess::random(1);
            engine->load(p, {&guess, 1});
            engine->iterate({pf::Algorithm::ER, 1.0f}, 2);
            return engine;
        };
        auto twoPass = [](const std::unique_ptr<pf::Engine>& e) {
            return dynamic_cast<pf::gpu::CudaEngine&>(*e).twoPassActive();
        };
        const auto automatic = loaded(pf::CudaPath::Automatic, {64, 128});
        QVERIFY(twoPass(automatic));
        QCOMPARE(automatic->info().name, std::string("cuda two-pass"));
        QVERIFY(twoPass(loaded(pf::CudaPath::Automatic, {8192, 64})));
        QVERIFY(twoPass(loaded(pf::CudaPath::Automatic, {4096, 64})));
        const auto odd = loaded(pf::CudaPath::Automatic, {48, 80});
        QVERIFY(!twoPass(odd));
        QCOMPARE(odd->info().name, std::string("cuda"));
        const auto stage1 = loaded(pf::CudaPath::Stage1, {64, 128});
        QVERIFY(!twoPass(stage1));
        QCOMPARE(stage1->info().name, std::string("cuda"));
        QVERIFY(twoPass(loaded(pf::CudaPath::TwoPass, {8192, 64})));
        QVERIFY(!twoPass(loaded(pf::CudaPath::Stage1, {8192, 64})));
    }

    // EngineOptions::device picks the device; an index that does not exist
    // is refused with the index named, by cuda and by auto alike.
    void deviceOptionIsValidated() {
        if (!pf::gpu::deviceAvailable())
            QSKIP("no usable CUDA device: the CUDA path needs one");
        const int devices = pf::gpu::deviceCount();
        for (pf::EngineKind kind : {pf::EngineKind::Cuda, pf::EngineKind::Auto}) {
            pf::EngineOptions options{kind, 1};
            options.device = devices - 1;
            QCOMPARE(dynamic_cast<pf::gpu::CudaEngine&>(*pf::makeEngine(options)).device(), devices - 1);
            for (int bad : {devices, -1}) {
                options.device = bad;
                try {
                    (void)pf::makeEngine(options);
                    QFAIL("a device index that does not exist was accepted");
                } catch (const pf::InvalidArgument& e) {
                    qInfo("device %d: %s", bad, e.what());
                    QVERIFY(std::string(e.what()).find(std::to_string(bad)) != std::string::npos);
                }
            }
        }
    }
};

QTEST_GUILESS_MAIN(TestGpuFactory)
#include "tst_gpu_factory.moc"
