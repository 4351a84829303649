// The GUI thread's handle on a reconstruction run: owns the worker thread,
// the run gate and the frame bridge. Everything the window does to a run goes
// through here; everything the run reports comes back as signals.
#pragma once

#include "phaseforge/ui/run_gate.h"
#include "phaseforge/ui/run_types.h"

#include <QObject>
#include <QString>

#include <memory>

class QThread;

namespace pf::ui {

class FrameBridge;
class ReconstructionWorker;

class RunController : public QObject {
    Q_OBJECT
public:
    /// `makeEngine` defaults to pf::makeEngine; tests pass a deterministic one.
    explicit RunController(EngineMaker makeEngine = {}, QObject* parent = nullptr);
    /// Stops the run and joins the thread (requestInterruption/quit/wait).
    ~RunController() override;

    std::shared_ptr<FrameBridge> bridge() const { return m_bridge; }
    RunGate::Mode mode() const { return m_gate->mode(); }
    /// Iterations completed by the worker so far (read without waiting).
    long long completedIterations() const { return m_gate->completedIterations(); }
    /// When the worker last stopped iterating because of a Pause (steady clock ns).
    long long pausedSinceNs() const { return m_gate->pausedSinceNs(); }
    bool hasData() const { return bool(m_problem); }
    ProblemPtr problem() const { return m_problem; }
    const RunSettings& settings() const { return m_settings; }
    /// The newest result read back (at pause, stop or end), or null.
    ResultPtr lastResult() const { return m_lastResult; }
    bool isFinished() const { return m_finished; }

    /// New data; the run starts from iteration 0 with `settings`.
    void load(ProblemPtr problem, const RunSettings& settings);
    /// Starts, or continues after Stop; after the end of the schedule it
    /// starts over from iteration 0.
    void start();
    void pause();
    void resume();
    /// Pause when running, resume when paused, start when idle.
    void togglePause();
    /// Exactly one iteration, then paused.
    void step();
    /// Ends the run loop after the current batch; the estimate is kept.
    void stop();
    /// Back to iteration 0 with these settings (same data).
    void reset(const RunSettings& settings);
    /// Live changes: they apply from the next iteration.
    void setBeta(float beta);
    void setSchedule(const pf::Schedule& schedule);
    void setSupportRules(const SupportRules& rules);
    /// Settings that need a Reset (seed, starts, engine) are stored.
    void setPendingSettings(const RunSettings& settings) { m_settings = settings; }

    void setBatching(int fixedIterations, double frameSeconds);
    void setPublishing(bool on);
    void setSupportUpdates(bool on);
    /// On: fourierReady() a few times a second while running and at pauses.
    void setFourierUpdates(bool on);
    /// On: startsReady() at every pause and at the end of a run (ReconstructionWorker).
    void setStartUpdates(bool on);
    /// On: objectReady() a few times a second while running and at pauses.
    void setObjectUpdates(bool on);
    /// On: stagesReady() at every pause and at the end of a run.
    void setStepThrough(bool on);
    /// Pause exactly when the run reaches `iteration` (0: cancel).
    void setPauseAt(long long iteration);
    void requestResult();
    /// Stops the worker thread; further commands are ignored. Idempotent.
    void shutdown();

signals:
    void loaded(QString engineName, QString device, long long totalIterations);
    void progress(pf::ui::Progress progress);
    void metricsArrived(pf::ui::MetricsList records);
    void frameReady(long long iteration);
    void supportReady(pf::ui::MaskPtr support);
    void fourierReady(pf::ui::ImagePtr magnitude, long long iteration);
    void startsReady(pf::ui::StartObjectsPtr starts);
    void objectReady(pf::ui::ImagePtr object, long long iteration);
    void stagesReady(pf::ui::StagesPtr stages);
    void paused(long long iteration);
    void stopped(long long iteration);
    void finished(long long iteration);
    void parametersApplied(long long iteration);
    void resultReady(pf::ui::ResultPtr result);
    void failed(QString message);
    /// The gate changed state (for enabling buttons).
    void modeChanged();

    // Queued to the worker (private use).
    void loadRequested(pf::ui::ProblemPtr problem, pf::ui::RunSettings settings);
    void resetRequested(pf::ui::RunSettings settings);
    void betaRequested(float beta);
    void scheduleRequested(pf::Schedule schedule);
    void supportRulesRequested(pf::ui::SupportRules rules);
    void batchingRequested(int fixedIterations, double frameSeconds);
    void publishingRequested(bool on);
    void supportUpdatesRequested(bool on);
    void pauseAtRequested(long long iteration);
    void fourierUpdatesRequested(bool on);
    void startUpdatesRequested(bool on);
    void objectUpdatesRequested(bool on);
    void stepThroughRequested(bool on);
    void runRequested();
    void resultRequested();

private:
    std::shared_ptr<RunGate> m_gate;
    std::shared_ptr<FrameBridge> m_bridge;
    QThread* m_thread = nullptr;           // owned; deleted in shutdown()
    ReconstructionWorker* m_worker = nullptr; // lives in m_thread; deleteLater on finish
    ProblemPtr m_problem;
    RunSettings m_settings;
    ResultPtr m_lastResult;
    bool m_finished = false;
    bool m_shutDown = false;
};

} // namespace pf::ui
