// The worker's state machine, driven through RunController exactly as the app
// drives it, on the real FFTW engine. Every run is compared with a plain
// Reconstruction driven directly on a second engine (the independent
// reference): the same iterations in the same order must give the same object.
#include <phaseforge/fftw_engine.h>
#include <phaseforge/reconstruction.h>
#include <phaseforge/simulate.h>
#include <phaseforge/ui/run_controller.h>

#include "handshake_engine.h"

#include <QElapsedTimer>
#include <QSignalSpy>
#include <QTest>

#include <algorithm>
#include <cmath>
#include <map>
#include <atomic>
#include <thread>

using namespace pf;
using namespace pf::ui;

namespace {

std::unique_ptr<Engine> deterministicEngine(EngineKind) {
    // One thread and estimated plans: two engines give identical iterates.
    return std::make_unique<FftwEngine>(1, FftwEngine::PlanEffort::Estimate);
}

/// A simulated problem of (2·objectSize)²; bigger ones make iterations slow
/// enough for the GUI thread to catch the run in the middle.
ProblemPtr makeProblem(int objectSize = 24) {
    SimulationOptions options;
    options.oversampling = 2.0;
    return std::make_shared<Problem>(
        simulate(randomBlobs({objectSize, objectSize}, 4, 7), options).problem);
}

// The plain loop (one start, the data's support): these tests are about the
// worker's batches, pauses and changes, not the recipe.
RunSettings makeSettings(const char* schedule, float beta = 0.9f) {
    RunSettings s;
    s.parameters = pf::Parameters{};
    s.engine = EngineKind::Cpu;
    s.parameters.schedule = Schedule::parse(schedule);
    s.parameters.beta = beta;
    s.parameters.seed = 11;
    return s;
}

/// Largest |a - b| relative to max |b|.
double relativeDifference(const ImageF& a, const ImageF& b) {
    if (a.shape != b.shape)
        return INFINITY;
    double diff = 0, scale = 0;
    for (std::size_t i = 0; i < a.data.size(); ++i) {
        diff = std::max(diff, double(std::abs(a.data[i] - b.data[i])));
        scale = std::max(scale, double(std::abs(b.data[i])));
    }
    return scale > 0 ? diff / scale : diff;
}

/// The reference: a Reconstruction on its own engine, advanced in the given
/// pieces, with β changed before each piece after the first.
ImageF referenceObject(const Problem& problem, const RunSettings& settings,
                       const std::vector<std::pair<long long, float>>& pieces) {
    auto engine = deterministicEngine(EngineKind::Cpu);
    Reconstruction rec(*engine, problem, settings.parameters);
    for (const auto& [count, beta] : pieces) {
        rec.setBeta(beta);
        rec.advance(count);
    }
    return rec.result().object;
}

long long lastArg(const QSignalSpy& spy) { return spy.last().at(0).toLongLong(); }

/// Spins (without processing events) until the worker has gone past `n`
/// iterations, so the next command lands while it is running. False on timeout.
bool spinUntilPast(const RunController& c, long long n, int timeoutMs = 10000) {
    QElapsedTimer t;
    t.start();
    while (c.completedIterations() <= n)
        if (t.elapsed() > timeoutMs)
            return false;
    return true;
}

} // namespace

class TestWorker : public QObject {
    Q_OBJECT
private slots:
    void stepRunsExactlyOneIteration();
    void pauseResumeLosesAndDoublesNothing();
    void thousandToggles();
    void pauseDuringTheLastPausesReadBackIsAnnounced();
    void stopReturnsWithinOneBatch();
    void betaChangeWhileRunningAppliesAtABoundary();
    void changesWhilePausedApplyBeforeTheStep();
    void scheduleChangeWhilePaused();
    void supportChangeWhileRunningAppliesAtABoundary();
    void invalidSupportChangeKeepsTheRun();
    void failedPreparationKeepsRunning();
    void startAtTheEndAnnouncesNothingNew();
    void pauseAtLandsOnTheIteration();
    void destroyWhileRunning();
};

void TestWorker::stepRunsExactlyOneIteration() {
    RunController c(deterministicEngine);
    QSignalSpy loaded(&c, &RunController::loaded);
    QSignalSpy paused(&c, &RunController::paused);
    QSignalSpy metrics(&c, &RunController::metricsArrived);
    const auto problem = makeProblem();
    const auto settings = makeSettings("ER:50");
    c.load(problem, settings);
    QVERIFY(loaded.wait(10000));
    QCOMPARE(loaded.last().at(2).toLongLong(), 50LL);

    for (long long expected = 1; expected <= 4; ++expected) {
        const int before = paused.count();
        c.step();
        QTRY_VERIFY_WITH_TIMEOUT(paused.count() > before, 10000);
        QCOMPARE(lastArg(paused), expected);
        QCOMPARE(c.completedIterations(), expected);
    }
    // One metrics record per iteration, iterations 1..4 in order.
    std::vector<long long> seen;
    for (const auto& args : metrics)
        for (const MetricsRecord& r : args.at(0).value<MetricsList>())
            seen.push_back(r.iteration);
    QCOMPARE(seen, (std::vector<long long>{1, 2, 3, 4}));

    QTRY_VERIFY_WITH_TIMEOUT(c.lastResult() && c.lastResult()->iterations == 4, 10000);
    const ImageF reference = referenceObject(*problem, settings, {{4, 0.9f}});
    QVERIFY2(relativeDifference(c.lastResult()->object, reference) < 1e-6,
             "four steps differ from four reference iterations");
    c.stop();
    QTRY_COMPARE_WITH_TIMEOUT(c.mode(), RunGate::Mode::Idle, 10000);
}

void TestWorker::pauseResumeLosesAndDoublesNothing() {
    // Twenty pauses, each requested while a batch is in the middle of its
    // iterations (the engine waits there for the test), then the run goes to
    // its end. No step depends on how fast the machine is.
    constexpr int kPauses = 20;
    auto channel = std::make_shared<HandshakeEngine::Channel>();
    RunController c([channel](EngineKind) {
        return std::make_unique<HandshakeEngine>(deterministicEngine(EngineKind::Cpu), channel);
    });
    c.setBatching(5, 0);
    QSignalSpy paused(&c, &RunController::paused);
    QSignalSpy finished(&c, &RunController::finished);
    QSignalSpy metrics(&c, &RunController::metricsArrived);
    const auto problem = makeProblem(64);
    const auto settings = makeSettings("HIO:1500,ER:500");
    c.load(problem, settings);
    std::vector<long long> pausedAt;
    for (int i = 0; i < kPauses; ++i) {
        channel->armed = true;
        if (i == 0)
            c.start();
        else
            c.resume();
        QVERIFY2(channel->batchDone.tryAcquire(1, 30000), "no batch ran after Start/Resume");
        const long long before = c.completedIterations();
        c.pause(); // while that batch is still inside the engine
        channel->goOn.release();
        QTRY_VERIFY_WITH_TIMEOUT(paused.count() > i, 30000);
        QCOMPARE(paused.count(), i + 1);
        pausedAt.push_back(lastArg(paused));
        // The batch in progress finished, and nothing ran after it.
        QCOMPARE(pausedAt.back(), before + 5);
        QCOMPARE(c.completedIterations(), pausedAt.back());
        QCOMPARE(c.mode(), RunGate::Mode::Paused);
    }
    c.resume();
    QTRY_VERIFY_WITH_TIMEOUT(!finished.isEmpty(), 60000);
    QCOMPARE(lastArg(finished), 2000LL);
    QCOMPARE(finished.count(), 1);
    QVERIFY(std::is_sorted(pausedAt.begin(), pausedAt.end()));
    QCOMPARE(std::adjacent_find(pausedAt.begin(), pausedAt.end()), pausedAt.end());

    std::map<long long, int> count;
    for (const auto& args : metrics)
        for (const MetricsRecord& r : args.at(0).value<MetricsList>())
            ++count[r.iteration];
    QCOMPARE(count.size(), std::size_t(2000));
    QCOMPARE(count.begin()->first, 1LL);
    QCOMPARE(count.rbegin()->first, 2000LL);
    for (const auto& [iteration, n] : count)
        QVERIFY2(n == 1, qPrintable(QStringLiteral("iteration %1 recorded %2 times")
                                        .arg(iteration).arg(n)));

    QTRY_VERIFY_WITH_TIMEOUT(c.lastResult() && c.lastResult()->iterations == 2000, 10000);
    const ImageF reference = referenceObject(*problem, settings, {{2000, 0.9f}});
    QVERIFY(relativeDifference(c.lastResult()->object, reference) < 1e-6);
}

// The H200's --bench of 2026-12-03: Resume and Pause clicked while the
// worker still read the last pause's result back (seconds at 2048²) left the
// worker paused without a second `paused`, and the GUI showed a run that did
// not move. The gate alone, with a worker thread whose pause callback blocks
// until the GUI side has clicked both: the second pause is announced, and
// the worker never ran a batch in between.
void TestWorker::pauseDuringTheLastPausesReadBackIsAnnounced() {
    RunGate gate;
    QVERIFY(gate.start());
    gate.pause();
    std::atomic<int> announced{0};
    std::atomic<bool> clicked{false};
    std::atomic<int> batches{0};
    std::thread worker([&] {
        for (;;) {
            const RunGate::Next next = gate.waitForWork([&] {
                if (announced.fetch_add(1) == 0)
                    while (!clicked.load()) // the slow read-back of the first pause
                        std::this_thread::sleep_for(std::chrono::milliseconds(1));
            });
            if (next == RunGate::Next::Stop)
                break;
            batches.fetch_add(1);
        }
    });
    struct Join { // also when a check fails and returns early
        RunGate& gate;
        std::atomic<bool>& clicked;
        std::thread& worker;
        ~Join() {
            clicked = true;
            gate.interrupt();
            if (worker.joinable())
                worker.join();
        }
    } join{gate, clicked, worker};
    QTRY_COMPARE_WITH_TIMEOUT(announced.load(), 1, 10000);
    gate.resume();
    gate.pause();
    clicked = true;
    QTRY_COMPARE_WITH_TIMEOUT(announced.load(), 2, 10000);
    QCOMPARE(gate.mode(), RunGate::Mode::Paused);
    gate.stop();
    worker.join();
    QCOMPARE(batches.load(), 0);
    QCOMPARE(announced.load(), 2);
}

void TestWorker::thousandToggles() {
    RunController c(deterministicEngine);
    c.setBatching(0, 0.001); // tiny batches: many boundaries to race against
    QSignalSpy stopped(&c, &RunController::stopped);
    QSignalSpy metrics(&c, &RunController::metricsArrived);
    c.load(makeProblem(), makeSettings("ER:1000000"));
    c.start();
    for (int i = 0; i < 1000; ++i) {
        c.pause();
        c.resume();
        if (i % 50 == 0)
            QCoreApplication::processEvents();
    }
    QTRY_VERIFY_WITH_TIMEOUT(c.completedIterations() > 0, 10000);
    c.stop();
    QTRY_VERIFY_WITH_TIMEOUT(!stopped.isEmpty(), 20000);
    QCOMPARE(c.mode(), RunGate::Mode::Idle);
    // Iterations stayed consecutive throughout.
    long long previous = 0;
    for (const auto& args : metrics)
        for (const MetricsRecord& r : args.at(0).value<MetricsList>()) {
            QCOMPARE(r.iteration, previous + 1);
            previous = r.iteration;
        }
    QCOMPARE(previous, lastArg(stopped));
}

void TestWorker::stopReturnsWithinOneBatch() {
    constexpr long long batch = 5;
    for (int attempt = 0; attempt < 5; ++attempt) {
        RunController c(deterministicEngine);
        c.setBatching(int(batch), 0);
        QSignalSpy stopped(&c, &RunController::stopped);
        c.load(makeProblem(), makeSettings("ER:1000000"));
        c.start();
        QVERIFY(spinUntilPast(c, 20 + attempt * 7 - 1));
        const long long atStop = c.completedIterations();
        c.stop();
        QTRY_VERIFY_WITH_TIMEOUT(!stopped.isEmpty(), 10000);
        const long long end = lastArg(stopped);
        QVERIFY2(end >= atStop && end <= atStop + batch,
                 qPrintable(QStringLiteral("stop at %1, ended at %2").arg(atStop).arg(end)));
        QCOMPARE(end % batch, 0LL);
        QCOMPARE(c.mode(), RunGate::Mode::Idle);
    }
}

void TestWorker::betaChangeWhileRunningAppliesAtABoundary() {
    RunController c(deterministicEngine);
    c.setBatching(3, 0);
    QSignalSpy applied(&c, &RunController::parametersApplied);
    QSignalSpy finished(&c, &RunController::finished);
    const auto problem = makeProblem(64);
    const auto settings = makeSettings("HIO:1500");
    c.load(problem, settings);
    c.start();
    QVERIFY(spinUntilPast(c, 30 - 1));
    c.setBeta(0.55f);
    QTRY_VERIFY_WITH_TIMEOUT(!applied.isEmpty(), 10000);
    const long long k = lastArg(applied);
    QVERIFY(k >= 30 && k < 1500);
    QCOMPARE(k % 3, 0LL); // a batch boundary
    QTRY_VERIFY_WITH_TIMEOUT(!finished.isEmpty(), 60000);
    QTRY_VERIFY_WITH_TIMEOUT(c.lastResult() && c.lastResult()->iterations == 1500, 10000);
    const ImageF reference = referenceObject(*problem, settings, {{k, 0.9f}, {1500 - k, 0.55f}});
    QVERIFY2(relativeDifference(c.lastResult()->object, reference) < 1e-6,
             "β did not change exactly at the reported iteration");
    // And the change mattered: without it the object differs.
    const ImageF unchanged = referenceObject(*problem, settings, {{1500, 0.9f}});
    QVERIFY(relativeDifference(c.lastResult()->object, unchanged) > 1e-4);
}

void TestWorker::changesWhilePausedApplyBeforeTheStep() {
    RunController c(deterministicEngine);
    c.setBatching(4, 0);
    QSignalSpy paused(&c, &RunController::paused);
    const auto problem = makeProblem(64);
    const auto settings = makeSettings("HIO:3000");
    c.load(problem, settings);
    c.start();
    QVERIFY(spinUntilPast(c, 12 - 1));
    c.pause();
    QTRY_VERIFY_WITH_TIMEOUT(!paused.isEmpty(), 10000);
    const long long k = lastArg(paused);
    c.setBeta(0.3f);
    c.step();
    QTRY_VERIFY_WITH_TIMEOUT(paused.count() >= 2 && lastArg(paused) == k + 1, 10000);
    QTRY_VERIFY_WITH_TIMEOUT(c.lastResult() && c.lastResult()->iterations == k + 1, 10000);
    const ImageF reference = referenceObject(*problem, settings, {{k, 0.9f}, {1, 0.3f}});
    QVERIFY(relativeDifference(c.lastResult()->object, reference) < 1e-6);
    c.stop();
}

void TestWorker::scheduleChangeWhilePaused() {
    RunController c(deterministicEngine);
    c.setBatching(5, 0);
    QSignalSpy paused(&c, &RunController::paused);
    QSignalSpy finished(&c, &RunController::finished);
    const auto problem = makeProblem(64);
    auto settings = makeSettings("HIO:3000");
    c.load(problem, settings);
    c.start();
    QVERIFY(spinUntilPast(c, 20 - 1));
    c.pause();
    QTRY_VERIFY_WITH_TIMEOUT(!paused.isEmpty(), 10000);
    const long long k = lastArg(paused);
    // Iterations done count towards the new schedule: ER from k on.
    const Schedule next = Schedule::parse(QStringLiteral("HIO:%1,ER:40").arg(k).toStdString());
    c.setSchedule(next);
    c.resume();
    QTRY_VERIFY_WITH_TIMEOUT(!finished.isEmpty(), 30000);
    QCOMPARE(lastArg(finished), k + 40);
    QTRY_VERIFY_WITH_TIMEOUT(c.lastResult() && c.lastResult()->iterations == k + 40, 10000);

    auto engine = deterministicEngine(EngineKind::Cpu);
    Reconstruction rec(*engine, *problem, settings.parameters);
    rec.advance(k);
    rec.setSchedule(next);
    rec.advance(1000);
    QCOMPARE(rec.iteration(), k + 40);
    QVERIFY(relativeDifference(c.lastResult()->object, rec.result().object) < 1e-6);
}

void TestWorker::supportChangeWhileRunningAppliesAtABoundary() {
    RunController c(deterministicEngine);
    c.setBatching(3, 0);
    QSignalSpy applied(&c, &RunController::parametersApplied);
    QSignalSpy finished(&c, &RunController::finished);
    const auto problem = makeProblem(64);
    auto settings = makeSettings("HIO:900");
    settings.parameters.shrinkWrap.enabled = true;
    settings.parameters.shrinkWrap.every = 10;
    settings.parameters.shrinkWrap.threshold = 0.2f;
    c.load(problem, settings);
    c.start();
    QVERIFY(spinUntilPast(c, 30 - 1));
    // Everything at once: the autocorrelation support replaces the data's box,
    // and shrink-wrap goes on from it with a new interval, σ and threshold.
    SupportRules rules = SupportRules::of(settings.parameters);
    rules.initial = InitialSupport::Autocorrelation;
    rules.autocorrelationThreshold = 0.05f;
    rules.shrinkWrap.every = 7;
    rules.shrinkWrap.sigmaStart = 2.0f;
    rules.shrinkWrap.threshold = 0.3f;
    c.setSupportRules(rules);
    QTRY_VERIFY_WITH_TIMEOUT(!applied.isEmpty(), 10000);
    const long long k = lastArg(applied);
    QVERIFY(k >= 30 && k < 900);
    QCOMPARE(k % 3, 0LL); // a batch boundary
    QTRY_VERIFY_WITH_TIMEOUT(!finished.isEmpty(), 60000);
    QTRY_VERIFY_WITH_TIMEOUT(c.lastResult() && c.lastResult()->iterations == 900, 10000);
    QCOMPARE(c.settings().parameters.shrinkWrap.every, 7);

    auto engine = deterministicEngine(EngineKind::Cpu);
    Reconstruction rec(*engine, *problem, settings.parameters);
    rec.advance(k);
    rec.setSupport(rules.initial, rules.autocorrelationThreshold);
    rec.setShrinkWrap(rules.shrinkWrap);
    rec.advance(900);
    QVERIFY2(relativeDifference(c.lastResult()->object, rec.result().object) < 1e-6,
             "the support rules did not change exactly at the reported iteration");
    // And the change mattered.
    const ImageF unchanged = referenceObject(*problem, settings, {{900, 0.9f}});
    QVERIFY(relativeDifference(c.lastResult()->object, unchanged) > 1e-4);
}

void TestWorker::invalidSupportChangeKeepsTheRun() {
    RunController c(deterministicEngine);
    c.setBatching(4, 0);
    QSignalSpy failed(&c, &RunController::failed);
    QSignalSpy paused(&c, &RunController::paused);
    const auto problem = makeProblem(32);
    const auto settings = makeSettings("HIO:400");
    c.load(problem, settings);
    c.start();
    QVERIFY(spinUntilPast(c, 8 - 1));
    c.pause();
    QTRY_VERIFY_WITH_TIMEOUT(!paused.isEmpty(), 10000);
    const long long k = lastArg(paused);
    SupportRules rules = SupportRules::of(settings.parameters);
    rules.shrinkWrap.enabled = true;
    rules.shrinkWrap.every = 0; // invalid
    c.setSupportRules(rules);
    c.step();
    QTRY_VERIFY_WITH_TIMEOUT(!failed.isEmpty(), 10000);
    QVERIFY(failed.last().at(0).toString().contains(QStringLiteral("every")));
    QTRY_VERIFY_WITH_TIMEOUT(paused.count() >= 2 && lastArg(paused) == k + 1, 10000);
    QTRY_VERIFY_WITH_TIMEOUT(c.lastResult() && c.lastResult()->iterations == k + 1, 10000);
    // The step ran with the old rules: no shrink-wrap.
    const ImageF reference = referenceObject(*problem, settings, {{k + 1, 0.9f}});
    QVERIFY(relativeDifference(c.lastResult()->object, reference) < 1e-6);
    c.stop();
}

void TestWorker::failedPreparationKeepsRunning() {
    RunController c(deterministicEngine);
    QSignalSpy failed(&c, &RunController::failed);
    QSignalSpy loaded(&c, &RunController::loaded);
    QSignalSpy stopped(&c, &RunController::stopped);
    auto bad = makeSettings("ER:10");
    bad.parameters.starts = 0; // invalid: validate() refuses it
    c.load(makeProblem(), bad);
    QTRY_VERIFY_WITH_TIMEOUT(!failed.isEmpty(), 10000);
    QVERIFY(failed.last().at(0).toString().contains(QStringLiteral("start"),
                                                    Qt::CaseInsensitive));
    c.start(); // nothing to run: a message, not a crash
    QTRY_VERIFY_WITH_TIMEOUT(failed.count() >= 2 && !stopped.isEmpty(), 10000);
    QCOMPARE(c.mode(), RunGate::Mode::Idle);
    c.reset(makeSettings("ER:10"));
    QTRY_VERIFY_WITH_TIMEOUT(!loaded.isEmpty(), 10000);
    QSignalSpy finished(&c, &RunController::finished);
    c.start();
    QTRY_VERIFY_WITH_TIMEOUT(!finished.isEmpty(), 10000);
    QCOMPARE(lastArg(finished), 10LL);
}

// A Start that reaches the worker after the schedule ended but before the GUI
// thread heard of the end (a busy GUI thread, a quick key press) runs a loop
// that is already at the end: it must not announce the end a second time.
void TestWorker::startAtTheEndAnnouncesNothingNew() {
    RunController c(deterministicEngine);
    QSignalSpy finished(&c, &RunController::finished);
    QSignalSpy stopped(&c, &RunController::stopped);
    c.load(makeProblem(), makeSettings("ER:20"));
    c.start();
    // Without processing events: the controller has not heard of the end yet.
    QElapsedTimer t;
    t.start();
    while (!(c.mode() == RunGate::Mode::Idle && c.completedIterations() == 20))
        QVERIFY2(t.elapsed() < 30000, "the run did not end");
    QVERIFY(finished.isEmpty());
    QVERIFY(!c.isFinished());
    c.start(); // reaches the worker, whose reconstruction is done
    QTRY_VERIFY_WITH_TIMEOUT(stopped.count() >= 2, 10000);
    QCOMPARE(finished.count(), 1);
    QCOMPARE(lastArg(finished), 20LL);
    QCOMPARE(lastArg(stopped), 20LL);
    QCOMPARE(c.mode(), RunGate::Mode::Idle);
}

void TestWorker::pauseAtLandsOnTheIteration() {
    RunController c(deterministicEngine);
    c.setBatching(10, 0);
    QSignalSpy paused(&c, &RunController::paused);
    c.load(makeProblem(), makeSettings("ER:1000"));
    c.setPauseAt(137);
    c.start();
    QTRY_VERIFY_WITH_TIMEOUT(!paused.isEmpty(), 30000);
    QCOMPARE(lastArg(paused), 137LL);
    QCOMPARE(c.completedIterations(), 137LL);
    QCOMPARE(c.mode(), RunGate::Mode::Paused);
    c.resume(); // used once: the run goes on to its end
    QSignalSpy finished(&c, &RunController::finished);
    QTRY_VERIFY_WITH_TIMEOUT(!finished.isEmpty(), 30000);
    QCOMPARE(lastArg(finished), 1000LL);
    QCOMPARE(paused.count(), 1);
}

void TestWorker::destroyWhileRunning() {
    for (int i = 0; i < 3; ++i) {
        auto c = std::make_unique<RunController>(deterministicEngine);
        c->load(makeProblem(), makeSettings("ER:1000000"));
        if (i == 1) {
            c->step(); // paused in the loop
        } else {
            c->start();
        }
        QTRY_VERIFY_WITH_TIMEOUT(c->completedIterations() > 0, 10000);
        c.reset(); // must join the thread promptly, running or paused
    }
}

QTEST_GUILESS_MAIN(TestWorker)
#include "tst_worker.moc"
