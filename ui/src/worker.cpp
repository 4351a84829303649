#include "phaseforge/ui/worker.h"

#include "phaseforge/ui/fourier_estimate.h"
#include "phaseforge/ui/frame_bridge.h"

#include <phaseforge/fftw_engine.h>

#include <phaseforge/analysis.h>
#include <phaseforge/error.h>
#include <phaseforge/log.h>

#include <QCoreApplication>
#include <QEvent>
#include <QThread>

#include <algorithm>
#include <cmath>

namespace pf::ui {

namespace {
constexpr int kMaxBatch = 100000;
constexpr qint64 kRateWindowNs = 500'000'000;    // it/s is measured over ~0.5 s
constexpr qint64 kSupportIntervalNs = 250'000'000; // support overlay at ~4 Hz
constexpr qint64 kFourierIntervalNs = 250'000'000; // Fourier estimate at ~4 Hz
constexpr qint64 kObjectIntervalNs = 250'000'000;  // object for the truth view at ~4 Hz
} // namespace

ReconstructionWorker::ReconstructionWorker(std::shared_ptr<RunGate> gate,
                                           std::shared_ptr<FrameBridge> bridge,
                                           EngineMaker makeEngine)
    : m_gate(std::move(gate)), m_bridge(std::move(bridge)), m_makeEngine(std::move(makeEngine)) {
    m_clock.start();
}

// The reconstruction refers to the engine: destroy it first.
ReconstructionWorker::~ReconstructionWorker() { m_reconstruction.reset(); }

void ReconstructionWorker::load(ProblemPtr problem, RunSettings settings) {
    m_problem = std::move(problem);
    rebuild(settings);
}

void ReconstructionWorker::reset(RunSettings settings) {
    if (!m_problem) {
        m_settings = std::move(settings);
        return;
    }
    rebuild(settings);
}

bool ReconstructionWorker::rebuild(const RunSettings& settings) {
    ++m_generation; // tells a run loop in progress that its data changed
    m_reconstruction.reset();
    m_settings = settings;
    m_metricsSent = 0;
    m_latestError.clear();
    m_displayedStart = 0;
    m_rateWindow.clear();
    m_finishAnnounced = false;
    try {
        if (!m_engine || m_engineKind != settings.engine) {
            m_engine.reset();
            m_engine = m_makeEngine(settings.engine);
            m_engineKind = settings.engine;
        }
        m_reconstruction =
            std::make_unique<pf::Reconstruction>(*m_engine, *m_problem, settings.parameters);
    } catch (const std::exception& e) {
        fail(QStringLiteral("Could not prepare the reconstruction"), e);
        return false;
    }
    m_gate->setCompletedIterations(0);
    const pf::EngineInfo info = m_engine->info();
    emit loaded(QString::fromStdString(info.name), QString::fromStdString(info.device),
                m_reconstruction->totalIterations());
    try {
        publishFrame(); // the starting estimate, so the view is never empty
        if (m_supportUpdates)
            sendSupport(); // the starting support (a continued run's is the saved one)
        if (m_fourierUpdates)
            sendFourier();
        if (m_objectUpdates)
            sendObject();
        if (m_stepThrough)
            sendStages(); // says that iteration 0 has no stages to show
    } catch (const std::exception& e) {
        fail(QStringLiteral("Could not publish the first estimate"), e);
    }
    return true;
}

void ReconstructionWorker::setBeta(float beta) {
    try {
        pf::checkBeta(beta);
        m_settings.parameters.beta = beta;
        if (m_reconstruction)
            m_reconstruction->setBeta(beta);
    } catch (const std::exception& e) {
        fail(QStringLiteral("β not changed"), e);
        return;
    }
    emit parametersApplied(m_reconstruction ? m_reconstruction->iteration() : 0);
}

void ReconstructionWorker::setSchedule(pf::Schedule schedule) {
    try {
        m_settings.parameters.schedule = schedule;
        if (m_reconstruction) {
            m_reconstruction->setSchedule(schedule);
            m_finishAnnounced = m_finishAnnounced && m_reconstruction->done();
        }
    } catch (const std::exception& e) {
        fail(QStringLiteral("Schedule not changed"), e);
        return;
    }
    emit parametersApplied(m_reconstruction ? m_reconstruction->iteration() : 0);
}

void ReconstructionWorker::setSupportRules(SupportRules rules) {
    try {
        // Check everything before changing anything: a rejected change leaves
        // the run as it was.
        rules.shrinkWrap.validate();
        if (rules.initial == pf::InitialSupport::Autocorrelation &&
            !(rules.autocorrelationThreshold > 0 && rules.autocorrelationThreshold < 1))
            throw pf::InvalidArgument("autocorrelation threshold: must lie in (0, 1)");
        if (m_reconstruction) {
            const SupportRules before = SupportRules::of(m_reconstruction->parameters());
            if (rules.replacesSupport(before))
                m_reconstruction->setSupport(rules.initial, rules.autocorrelationThreshold);
            m_reconstruction->setShrinkWrap(rules.shrinkWrap);
        }
        pf::Parameters& p = m_settings.parameters;
        p.initialSupport = rules.initial;
        p.autocorrelationThreshold = rules.autocorrelationThreshold;
        p.shrinkWrap = rules.shrinkWrap;
    } catch (const std::exception& e) {
        fail(QStringLiteral("Support not changed"), e);
        return;
    }
    m_lastSupportNs = 0; // show the new support at the next batch when the overlay is on
    emit parametersApplied(m_reconstruction ? m_reconstruction->iteration() : 0);
}

void ReconstructionWorker::setBatching(int fixedIterations, double frameSeconds) {
    m_fixedBatch = std::clamp(fixedIterations, 0, kMaxBatch);
    if (frameSeconds > 0)
        m_frameSeconds = frameSeconds;
}

void ReconstructionWorker::setPublishing(bool on) { m_publishing = on; }

void ReconstructionWorker::setFourierUpdates(bool on) {
    m_fourierUpdates = on;
    if (on && m_reconstruction && !m_inLoop)
        sendFourier(); // idle: show the estimate the run stands at
}

void ReconstructionWorker::setStartUpdates(bool on) {
    m_startUpdates = on;
    // Idle after some iterations: show the starts the run stands at (without
    // a resultReady, which the window would take for a new end of the run).
    if (!on || !m_reconstruction || m_inLoop || m_reconstruction->iteration() == 0)
        return;
    try {
        sendStarts(std::make_shared<const pf::Result>(m_reconstruction->result()));
    } catch (const std::exception& e) {
        fail(QStringLiteral("Could not read the result back"), e);
    }
}

void ReconstructionWorker::setObjectUpdates(bool on) {
    m_objectUpdates = on;
    m_lastObjectNs = 0;
}

void ReconstructionWorker::setStepThrough(bool on) {
    m_stepThrough = on;
    if (on && m_reconstruction && !m_inLoop)
        sendStages();
}

void ReconstructionWorker::setPauseAt(long long iteration) { m_pauseAt = std::max(iteration, 0LL); }

void ReconstructionWorker::setSupportUpdates(bool on) {
    m_supportUpdates = on;
    m_lastSupportNs = 0;
    if (on && m_reconstruction && !m_inLoop)
        sendSupport(); // idle: show the support the run stands at
}

void ReconstructionWorker::sendSupport() {
    if (!m_reconstruction || !m_engine)
        return;
    try {
        auto mask = std::make_shared<pf::Mask>();
        m_engine->readSupport(m_displayedStart, *mask);
        emit supportReady(std::move(mask));
    } catch (const std::exception& e) {
        m_supportUpdates = false;
        fail(QStringLiteral("The support overlay is not shown"), e);
    }
}

void ReconstructionWorker::deliverQueuedCommands() {
    // Queued slot calls addressed to this worker (β, schedule, load, reset…)
    // run here, between two iterations.
    QCoreApplication::sendPostedEvents(this, QEvent::MetaCall);
}

void ReconstructionWorker::run() {
    if (m_inLoop)
        return; // a loop is already active further up this thread's stack
    if (!m_reconstruction) {
        m_gate->forceIdle();
        emit failed(m_problem ? QStringLiteral("The reconstruction could not be prepared; "
                                               "check the parameters and press Reset.")
                              : QStringLiteral("No data loaded: open a file or a sample first."));
        emit stopped(0);
        return;
    }
    m_inLoop = true;
    m_rateWindow.clear();
    for (;;) {
        // New data or a reset delivered here replaces the reconstruction; the
        // gate still decides whether to go on (a Start sent after it) or to
        // stop (the Stop that load and reset send first).
        deliverQueuedCommands();
        if (!m_reconstruction) {
            m_gate->forceIdle();
            break;
        }
        if (m_reconstruction->done()) {
            m_gate->forceIdle();
            settle();
            // Once per end of schedule: a Start that reaches a loop already at
            // the end (sent before the GUI heard of the end) announces nothing new.
            if (!m_finishAnnounced) {
                m_finishAnnounced = true;
                emit finished(m_reconstruction->iteration());
            }
            break;
        }
        const RunGate::Next next = m_gate->waitForWork([this] {
            m_rateWindow.clear();
            settle(); // the last batch's records, which came after its progress
            emit paused(m_reconstruction->iteration());
            sendPauseViews();
            if (m_objectUpdates)
                sendObject();
        });
        if (next == RunGate::Next::Stop) {
            if (m_gate->finishRun())
                break;
            continue;
        }
        // Changes sent while paused apply before this batch.
        const unsigned generation = m_generation;
        deliverQueuedCommands();
        if (!m_reconstruction) {
            m_gate->forceIdle();
            break;
        }
        if (m_generation != generation)
            continue; // new data: ask the gate again before iterating on it
        try {
            long long count = next == RunGate::Next::Step ? 1 : nextBatchSize();
            const long long now = m_reconstruction->iteration();
            if (m_pauseAt > now)
                count = std::min(count, m_pauseAt - now);
            runBatch(count);
            if (m_pauseAt > 0 && m_reconstruction->iteration() >= m_pauseAt) {
                m_pauseAt = 0;
                m_gate->pause(); // announced at the next boundary, like a click
            }
        } catch (const std::exception& e) {
            // The engine's state is not trusted any more: the next Start
            // rebuilds it. The last frame and result the GUI holds stay good.
            m_reconstruction.reset();
            m_gate->forceIdle();
            fail(QStringLiteral("The reconstruction stopped"), e);
            break;
        }
    }
    m_inLoop = false;
    if (m_reconstruction)
        settle();
    const long long iteration = m_reconstruction ? m_reconstruction->iteration() : 0;
    emit stopped(iteration);
    sendPauseViews();
}

void ReconstructionWorker::sendPauseViews() {
    emitResult();
    if (m_fourierUpdates)
        sendFourier();
    if (m_stepThrough)
        sendStages();
}

void ReconstructionWorker::runBatch(long long count) {
    const qint64 begin = m_clock.nsecsElapsed();
    const long long ran = m_reconstruction->advance(count);
    if (m_publishing)
        publishFrame();
    // While the device works through the batch just queued, pass on the
    // metrics that have arrived (the engine never waits for them) and the
    // progress: host work that would otherwise leave the device idle.
    emitNewMetrics();
    const long long iteration = m_reconstruction->iteration();
    Progress p;
    p.sentNs = steadyNowNs();
    p.iteration = iteration;
    p.total = m_reconstruction->totalIterations();
    p.iterationsPerSecond = measuredRate();
    p.displayedStart = m_displayedStart;
    p.batch = int(ran);
    if (m_displayedStart < int(m_latestError.size()))
        p.error = m_latestError[std::size_t(m_displayedStart)];
    emit progress(p);

    m_engine->finish(); // the batch is done: iterations counted below really ran
    const qint64 end = m_clock.nsecsElapsed();
    if (ran > 0) {
        const double perIteration = double(end - begin) * 1e-9 / double(ran);
        // Smooth a little: one slow batch (a support update, a hiccup of the
        // GUI) should not halve the next one.
        m_secondsPerIteration = m_secondsPerIteration > 0
                                    ? 0.7 * m_secondsPerIteration + 0.3 * perIteration
                                    : perIteration;
    }
    m_gate->setCompletedIterations(iteration);
    m_rateWindow.emplace_back(end, iteration);
    while (m_rateWindow.size() > 2 && end - m_rateWindow.front().first > kRateWindowNs)
        m_rateWindow.pop_front();

    if (m_supportUpdates && end - m_lastSupportNs > kSupportIntervalNs) {
        m_lastSupportNs = end;
        sendSupport();
    }
    if (m_fourierUpdates && end - m_lastFourierNs > kFourierIntervalNs) {
        m_lastFourierNs = end;
        sendFourier();
    }
    if (m_objectUpdates && end - m_lastObjectNs > kObjectIntervalNs) {
        m_lastObjectNs = end;
        sendObject();
    }
}

pf::FftwTransforms& ReconstructionWorker::transforms() {
    const Shape shape = m_engine->shape();
    if (!m_transforms || m_transforms->shape() != shape)
        m_transforms = std::make_unique<pf::FftwTransforms>(shape, 1,
                                                            pf::FftwEngine::PlanEffort::Estimate);
    return *m_transforms;
}

void ReconstructionWorker::sendObject() {
    if (!m_reconstruction || !m_engine)
        return;
    try {
        auto object = std::make_shared<ImageF>(m_engine->shape());
        m_engine->readObject(m_displayedStart, object->data);
        emit objectReady(std::move(object), m_reconstruction->iteration());
    } catch (const std::exception& e) {
        m_objectUpdates = false;
        fail(QStringLiteral("The object is not compared with the truth"), e);
    }
}

void ReconstructionWorker::sendStages() {
    if (!m_reconstruction || !m_engine)
        return;
    try {
        const long long iteration = m_reconstruction->iteration();
        const pf::Parameters& p = m_reconstruction->parameters();
        const long long last = m_reconstruction->totalIterations() - 1;
        const pf::Step step{m_reconstruction->algorithmAt(std::min(iteration, last)), p.beta};
        auto stages = std::make_shared<IterationStages>();
        // At iteration 0 the engine's g' is the starting guess, not P_M of it,
        // and after the last one there is no next iteration: no pictures.
        if (iteration > 0 && !m_reconstruction->done()) {
            ImageF g(m_engine->shape());
            m_engine->readIterate(m_displayedStart, g.data);
            Mask support;
            m_engine->readSupport(m_displayedStart, support);
            *stages = iterationStages(g, m_reconstruction->engineProblem(), support, step,
                                      transforms());
        }
        stages->iteration = iteration;
        stages->start = m_displayedStart;
        stages->step = step;
        emit stagesReady(std::move(stages));
    } catch (const std::exception& e) {
        m_stepThrough = false;
        fail(QStringLiteral("The step-through view is not shown"), e);
    }
}

void ReconstructionWorker::sendStarts(const ResultPtr& result) {
    try {
        auto starts = std::make_shared<StartObjects>();
        starts->result = result;
        const Shape shape = m_engine->shape();
        for (int k = 0; k < m_engine->startCount(); ++k) {
            ImageF object(shape);
            m_engine->readObject(k, object.data);
            starts->objects.push_back(pf::align(result->rawObject, object).apply(object));
        }
        emit startsReady(std::move(starts));
    } catch (const std::exception& e) {
        m_startUpdates = false;
        fail(QStringLiteral("The starts are not shown"), e);
    }
}

void ReconstructionWorker::sendFourier() {
    if (!m_reconstruction || !m_engine)
        return;
    try {
        ImageF object(m_engine->shape());
        m_engine->readObject(m_displayedStart, object.data);
        emit fourierReady(centredFourierMagnitude(object, &transforms()),
                          m_reconstruction->iteration());
    } catch (const std::exception& e) {
        m_fourierUpdates = false;
        fail(QStringLiteral("The Fourier-space estimate is not shown"), e);
    }
}

void ReconstructionWorker::settle() {
    try {
        m_engine->finish();
        emitNewMetrics();
    } catch (const std::exception& e) {
        fail(QStringLiteral("The engine failed"), e);
    }
}

void ReconstructionWorker::emitNewMetrics() {
    if (!m_reconstruction)
        return;
    const auto& history = m_reconstruction->history();
    MetricsList fresh;
    for (std::size_t i = m_metricsSent; i < history.size(); ++i) {
        const pf::MetricsRecord& r = history[i];
        if (r.start >= int(m_latestError.size()))
            m_latestError.resize(std::size_t(r.start) + 1, std::nanf(""));
        m_latestError[std::size_t(r.start)] = r.fourierError;
        fresh.append(r);
    }
    m_metricsSent = history.size();
    if (!fresh.isEmpty())
        emit metricsArrived(fresh);
}

double ReconstructionWorker::measuredRate() {
    if (m_rateWindow.size() < 2) {
        return m_secondsPerIteration > 0 ? 1.0 / m_secondsPerIteration : 0.0;
    }
    const auto& [t0, i0] = m_rateWindow.front();
    const auto& [t1, i1] = m_rateWindow.back();
    return t1 > t0 ? double(i1 - i0) / (double(t1 - t0) * 1e-9) : 0.0;
}

int ReconstructionWorker::nextBatchSize() const {
    if (m_fixedBatch > 0)
        return m_fixedBatch;
    if (m_secondsPerIteration <= 0)
        return 1; // the first batch measures
    const double n = std::round(m_frameSeconds / m_secondsPerIteration);
    return int(std::clamp(n, 1.0, double(kMaxBatch)));
}

void ReconstructionWorker::publishFrame() {
    // Show the start that is doing best so far.
    int best = 0;
    for (int s = 1; s < int(m_latestError.size()); ++s)
        if (m_latestError[std::size_t(s)] < m_latestError[std::size_t(best)])
            best = s;
    m_displayedStart = std::min(best, m_engine->startCount() - 1);
    m_engine->publish(m_displayedStart, m_bridge->target());
    emit frameReady(m_reconstruction->iteration());
}

void ReconstructionWorker::emitResult() {
    if (!m_reconstruction)
        return;
    ResultPtr result;
    try {
        result = std::make_shared<const pf::Result>(m_reconstruction->result());
    } catch (const std::exception& e) {
        fail(QStringLiteral("Could not read the result back"), e);
        return;
    }
    emit resultReady(result);
    if (m_startUpdates)
        sendStarts(result);
}

void ReconstructionWorker::requestResult() { emitResult(); }

void ReconstructionWorker::fail(const QString& what, const std::exception& e) {
    const QString message = what + QStringLiteral(": ") + QString::fromUtf8(e.what());
    pf::log(pf::LogLevel::Error, message.toStdString());
    emit failed(message);
}

} // namespace pf::ui
