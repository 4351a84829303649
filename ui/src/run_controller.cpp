#include "phaseforge/ui/run_controller.h"

#include "phaseforge/ui/frame_bridge.h"
#include "phaseforge/ui/worker.h"

#include <QThread>

namespace pf::ui {

RunController::RunController(EngineMaker makeEngine, QObject* parent)
    : QObject(parent), m_gate(std::make_shared<RunGate>()), m_bridge(makeFrameBridge()) {
    registerRunTypes();
    if (!makeEngine)
        makeEngine = defaultEngineMaker();
    m_thread = new QThread;
    m_thread->setObjectName(QStringLiteral("reconstruction"));
    m_worker = new ReconstructionWorker(m_gate, m_bridge, std::move(makeEngine));
    m_worker->moveToThread(m_thread);
    connect(m_thread, &QThread::finished, m_worker, &QObject::deleteLater);

    // Commands: queued, since the worker lives in another thread.
    connect(this, &RunController::loadRequested, m_worker, &ReconstructionWorker::load);
    connect(this, &RunController::resetRequested, m_worker, &ReconstructionWorker::reset);
    connect(this, &RunController::betaRequested, m_worker, &ReconstructionWorker::setBeta);
    connect(this, &RunController::scheduleRequested, m_worker, &ReconstructionWorker::setSchedule);
    connect(this, &RunController::supportRulesRequested, m_worker,
            &ReconstructionWorker::setSupportRules);
    connect(this, &RunController::batchingRequested, m_worker,
            &ReconstructionWorker::setBatching);
    connect(this, &RunController::publishingRequested, m_worker,
            &ReconstructionWorker::setPublishing);
    connect(this, &RunController::supportUpdatesRequested, m_worker,
            &ReconstructionWorker::setSupportUpdates);
    connect(this, &RunController::fourierUpdatesRequested, m_worker,
            &ReconstructionWorker::setFourierUpdates);
    connect(this, &RunController::startUpdatesRequested, m_worker,
            &ReconstructionWorker::setStartUpdates);
    connect(this, &RunController::objectUpdatesRequested, m_worker,
            &ReconstructionWorker::setObjectUpdates);
    connect(this, &RunController::stepThroughRequested, m_worker,
            &ReconstructionWorker::setStepThrough);
    connect(this, &RunController::pauseAtRequested, m_worker, &ReconstructionWorker::setPauseAt);
    connect(this, &RunController::runRequested, m_worker, &ReconstructionWorker::run);
    connect(this, &RunController::resultRequested, m_worker, &ReconstructionWorker::requestResult);

    // Reports: forwarded, also queued.
    connect(m_worker, &ReconstructionWorker::loaded, this, &RunController::loaded);
    connect(m_worker, &ReconstructionWorker::progress, this, &RunController::progress);
    connect(m_worker, &ReconstructionWorker::metricsArrived, this, &RunController::metricsArrived);
    connect(m_worker, &ReconstructionWorker::frameReady, this, &RunController::frameReady);
    connect(m_worker, &ReconstructionWorker::supportReady, this, &RunController::supportReady);
    connect(m_worker, &ReconstructionWorker::fourierReady, this, &RunController::fourierReady);
    connect(m_worker, &ReconstructionWorker::startsReady, this, &RunController::startsReady);
    connect(m_worker, &ReconstructionWorker::objectReady, this, &RunController::objectReady);
    connect(m_worker, &ReconstructionWorker::stagesReady, this, &RunController::stagesReady);
    connect(m_worker, &ReconstructionWorker::parametersApplied, this,
            &RunController::parametersApplied);
    connect(m_worker, &ReconstructionWorker::failed, this, &RunController::failed);
    connect(m_worker, &ReconstructionWorker::paused, this, [this](long long it) {
        emit paused(it);
        emit modeChanged();
    });
    connect(m_worker, &ReconstructionWorker::stopped, this, [this](long long it) {
        emit stopped(it);
        emit modeChanged();
    });
    connect(m_worker, &ReconstructionWorker::finished, this, [this](long long it) {
        m_finished = true;
        emit finished(it);
    });
    connect(m_worker, &ReconstructionWorker::resultReady, this, [this](ResultPtr r) {
        m_lastResult = r;
        emit resultReady(r);
    });
    m_thread->start();
}

RunController::~RunController() { shutdown(); }

void RunController::shutdown() {
    if (m_shutDown)
        return;
    m_shutDown = true;
    m_gate->interrupt();           // wakes a paused loop and ends a running one
    m_thread->requestInterruption();
    m_thread->quit();              // then the event loop ends
    m_thread->wait();              // the worker is deleted on its thread meanwhile
    delete m_thread;
    m_thread = nullptr;
    m_worker = nullptr;
}

void RunController::load(ProblemPtr problem, const RunSettings& settings) {
    if (m_shutDown)
        return;
    m_gate->stop();
    m_problem = std::move(problem);
    m_settings = settings;
    m_lastResult.reset();
    m_finished = false;
    emit loadRequested(m_problem, settings);
    emit modeChanged();
}

void RunController::start() {
    if (m_shutDown)
        return;
    if (m_finished)
        reset(m_settings);
    if (m_gate->start())
        emit runRequested();
    emit modeChanged();
}

void RunController::pause() {
    m_gate->pause();
    emit modeChanged();
}

void RunController::resume() {
    m_gate->resume();
    emit modeChanged();
}

void RunController::togglePause() {
    switch (m_gate->mode()) {
    case RunGate::Mode::Running: pause(); break;
    case RunGate::Mode::Paused: resume(); break;
    case RunGate::Mode::Idle: start(); break;
    }
}

void RunController::step() {
    if (m_shutDown)
        return;
    if (m_finished)
        return; // nothing left to step through; Reset or extend the schedule
    if (m_gate->step())
        emit runRequested();
    emit modeChanged();
}

void RunController::stop() {
    m_gate->stop();
    emit modeChanged();
}

void RunController::reset(const RunSettings& settings) {
    if (m_shutDown)
        return;
    m_gate->stop();
    m_settings = settings;
    m_finished = false;
    emit resetRequested(settings);
    emit modeChanged();
}

void RunController::setBeta(float beta) {
    m_settings.parameters.beta = beta;
    emit betaRequested(beta);
}

void RunController::setSchedule(const pf::Schedule& schedule) {
    m_settings.parameters.schedule = schedule;
    m_finished = false; // a longer schedule continues where the run ended
    emit scheduleRequested(schedule);
}

void RunController::setSupportRules(const SupportRules& rules) {
    pf::Parameters& p = m_settings.parameters;
    p.initialSupport = rules.initial;
    p.autocorrelationThreshold = rules.autocorrelationThreshold;
    p.shrinkWrap = rules.shrinkWrap;
    emit supportRulesRequested(rules);
}

void RunController::setBatching(int fixedIterations, double frameSeconds) {
    emit batchingRequested(fixedIterations, frameSeconds);
}

void RunController::setPublishing(bool on) { emit publishingRequested(on); }
void RunController::setSupportUpdates(bool on) { emit supportUpdatesRequested(on); }
void RunController::setFourierUpdates(bool on) { emit fourierUpdatesRequested(on); }
void RunController::setStartUpdates(bool on) { emit startUpdatesRequested(on); }
void RunController::setObjectUpdates(bool on) { emit objectUpdatesRequested(on); }
void RunController::setStepThrough(bool on) { emit stepThroughRequested(on); }
void RunController::setPauseAt(long long iteration) { emit pauseAtRequested(iteration); }
void RunController::requestResult() { emit resultRequested(); }

} // namespace pf::ui
