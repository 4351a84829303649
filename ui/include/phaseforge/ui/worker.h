// The reconstruction worker: owns the Engine and the Reconstruction and runs
// iterations in batches sized to about one display frame. It lives in its own
// QThread (see RunController) and is reached only through queued signals and
// the shared RunGate.
#pragma once

#include "phaseforge/ui/run_gate.h"
#include "phaseforge/ui/run_types.h"

#include <QElapsedTimer>
#include <QObject>
#include <QString>

#include <deque>
#include <memory>
#include <vector>

namespace pf {
class FftwTransforms;
}

namespace pf::ui {

class FrameBridge;

/// Runs on the worker thread. Its slots are invoked through queued
/// connections. While a run loop is active, queued slots are delivered at
/// iteration boundaries (between batches), so a parameter change applies from
/// the next iteration on and never in the middle of one.
class ReconstructionWorker : public QObject {
    Q_OBJECT
public:
    ReconstructionWorker(std::shared_ptr<RunGate> gate, std::shared_ptr<FrameBridge> bridge,
                         EngineMaker makeEngine);
    ~ReconstructionWorker() override;

public slots:
    /// New data: builds the engine (if its kind changed) and the reconstruction
    /// at iteration 0, publishes the first estimate.
    void load(pf::ui::ProblemPtr problem, pf::ui::RunSettings settings);
    /// Back to iteration 0 on the same data with these settings.
    void reset(pf::ui::RunSettings settings);
    void setBeta(float beta);
    void setSchedule(pf::Schedule schedule);
    /// New support rules, from the next iteration: shrink-wrap settings apply
    /// to the next update; a new initial rule (or autocorrelation threshold)
    /// replaces the support in force (Reconstruction::setSupport).
    void setSupportRules(pf::ui::SupportRules rules);
    /// fixedIterations > 0: every batch has that many iterations; otherwise
    /// batches are sized so that one takes about `frameSeconds`.
    void setBatching(int fixedIterations, double frameSeconds);
    /// Off: no frames are published (headless benchmark).
    void setPublishing(bool on);
    /// On: the support in force is read back a few times a second.
    void setSupportUpdates(bool on);
    /// On: the Fourier-space estimate |FFT(x)| of the displayed start is sent
    /// a few times a second while running, and at every pause.
    void setFourierUpdates(bool on);
    /// On: every start's object (startsReady) whenever the result is read
    /// back (at every pause and at the end of a run loop), never per frame.
    void setStartUpdates(bool on);
    /// On: the displayed start's object estimate (objectReady) at iteration
    /// 0, a few times a second while running and at every pause. (A loop that ends shows the
    /// result's average, which resultReady carries.)
    void setObjectUpdates(bool on);
    /// On: at every pause and at the end of a run loop, the stages of the
    /// displayed start's next iteration (stagesReady), computed on the host
    /// with the core's projections from the iterate the engine holds.
    void setStepThrough(bool on);
    /// Pause when the run reaches this iteration (batches are cut to land on
    /// it); 0: no such pause. Used once.
    void setPauseAt(long long iteration);
    /// The run loop. Started by the controller when the gate leaves Idle;
    /// returns when the gate says Stop, the schedule is done or a call fails.
    void run();
    /// Emits resultReady with the current best estimate.
    void requestResult();

signals:
    void loaded(QString engineName, QString device, long long totalIterations);
    void progress(pf::ui::Progress progress);
    void metricsArrived(pf::ui::MetricsList records);
    /// A frame was published into the bridge (queued to the GUI thread).
    void frameReady(long long iteration);
    void supportReady(pf::ui::MaskPtr support);
    /// The Fourier-space estimate, centred, at this iteration.
    void fourierReady(pf::ui::ImagePtr magnitude, long long iteration);
    /// Every start's object with the result read back at the same moment.
    void startsReady(pf::ui::StartObjectsPtr starts);
    /// The displayed start's object estimate at this iteration.
    void objectReady(pf::ui::ImagePtr object, long long iteration);
    /// The stages of the next iteration (images empty at iteration 0 and at
    /// the end of the schedule, where there is none to show).
    void stagesReady(pf::ui::StagesPtr stages);
    /// The loop is waiting, paused, at this iteration.
    void paused(long long iteration);
    /// The run loop ended (stop, end of schedule, new data or failure).
    void stopped(long long iteration);
    /// The whole schedule is done.
    void finished(long long iteration);
    /// A live parameter change took effect from the iteration after this one.
    void parametersApplied(long long iteration);
    void resultReady(pf::ui::ResultPtr result);
    /// A call failed; the message is one line for the user. The last published
    /// frame and result stay valid.
    void failed(QString message);

private:
    bool rebuild(const RunSettings& settings);
    void deliverQueuedCommands();
    void runBatch(long long count);
    void publishFrame();
    void emitNewMetrics();
    /// Waits for the engine and passes on the metrics still pending.
    void settle();
    void emitResult();
    void sendFourier();
    /// The displayed start's support in force (supportReady).
    void sendSupport();
    /// What is read back at a pause and at the end of a run loop.
    void sendPauseViews();
    void sendStarts(const ResultPtr& result);
    void sendObject();
    void sendStages();
    pf::FftwTransforms& transforms();
    void fail(const QString& what, const std::exception& e);
    int nextBatchSize() const;
    double measuredRate();

    std::shared_ptr<RunGate> m_gate;
    std::shared_ptr<FrameBridge> m_bridge;
    EngineMaker m_makeEngine;

    ProblemPtr m_problem;
    RunSettings m_settings;
    std::unique_ptr<pf::Engine> m_engine;
    pf::EngineKind m_engineKind = pf::EngineKind::Auto;
    std::unique_ptr<pf::Reconstruction> m_reconstruction; // refers to *m_engine

    bool m_inLoop = false;
    bool m_finishAnnounced = false; // finished() was emitted for the schedule in force
    unsigned m_generation = 0; // grows with every load()/reset()
    bool m_publishing = true;
    bool m_supportUpdates = false;
    bool m_fourierUpdates = false;
    qint64 m_lastFourierNs = 0;
    bool m_startUpdates = false;
    bool m_objectUpdates = false;
    bool m_stepThrough = false;
    qint64 m_lastObjectNs = 0;
    std::unique_ptr<pf::FftwTransforms> m_transforms; // through transforms(), made on first use
    int m_fixedBatch = 0;
    long long m_pauseAt = 0;
    double m_frameSeconds = kDefaultFrameSeconds;
    double m_secondsPerIteration = 0; // measured, 0 until known

    std::size_t m_metricsSent = 0;
    std::vector<float> m_latestError; // per start
    int m_displayedStart = 0;

    QElapsedTimer m_clock;
    std::deque<std::pair<qint64, long long>> m_rateWindow; // (ns, iteration)
    qint64 m_lastSupportNs = 0;
};

} // namespace pf::ui
