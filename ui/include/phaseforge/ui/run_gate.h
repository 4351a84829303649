// The run state shared by the GUI thread (which commands) and the worker
// thread (which obeys between batches). Pause, resume, step and stop take
// effect without going through the worker's event queue, so they work while a
// batch is running; the worker sleeps on a condition variable while paused.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>

namespace pf::ui {

/// Thread-safe run state. Every method may be called from any thread.
///
/// States: Idle (no run loop active), Running, Paused. The GUI side calls
/// start/pause/resume/step/stop/interrupt; the worker side calls waitForWork()
/// at every iteration boundary and finishRun() when its loop ends.
class RunGate {
public:
    enum class Mode { Idle, Running, Paused };
    /// What the worker should do next, decided at an iteration boundary.
    enum class Next {
        Batch, ///< run a batch (Running)
        Step,  ///< run exactly one iteration, then stay paused
        Stop,  ///< leave the run loop (stop requested or shutting down)
    };

    /// -> Running (also cancels a stop not yet obeyed). Returns true when a run
    /// loop has to be started; false when one is already active.
    bool start();
    /// Running -> Paused. No effect otherwise.
    void pause();
    /// Paused -> Running. No effect otherwise.
    void resume();
    /// Requests one more single iteration. From Idle the gate becomes Paused
    /// and the call returns true: a run loop has to be started.
    bool step();
    /// Ends the active run loop at the next iteration boundary.
    void stop();
    /// Like stop(), and stays in force: used when the worker thread shuts down.
    /// Every later start() or step() is refused.
    void interrupt();

    Mode mode() const { return m_mode.load(); }
    /// Iterations completed, as the worker last reported after a batch.
    long long completedIterations() const { return m_completed.load(); }
    /// When the worker last began waiting while paused (steady clock, ns since
    /// its epoch): the moment a Pause took effect.
    long long pausedSinceNs() const { return m_pausedSinceNs.load(); }
    /// Worker side: records the iteration reached after a batch.
    void setCompletedIterations(long long n) { m_completed.store(n); }
    bool interrupted() const { return m_interrupted.load(); }

    /// Worker side: blocks while paused with no step pending. `onPause` is
    /// called (without the lock held) once each time the worker starts waiting,
    /// and once more for every pause() that comes while it waits: a Resume and
    /// a Pause clicked while the last pause's `onPause` still runs (reading a
    /// large result back) leave the worker where it was, and the GUI, which
    /// heard of the Resume, must hear of the new Pause too.
    template <class OnPause> Next waitForWork(OnPause&& onPause);
    /// Worker side, after waitForWork() returned Stop: returns true when the
    /// loop must end (the gate is Idle again), false when a start() or step()
    /// arrived meanwhile and the loop has to go on.
    bool finishRun();
    /// Worker side: the loop ends for its own reason (schedule done, failure,
    /// new data); back to Idle whatever was requested.
    void forceIdle();

private:
    Next nextLocked();

    mutable std::mutex m_mutex;
    std::condition_variable m_wake;
    std::atomic<Mode> m_mode{Mode::Idle};
    std::atomic<int> m_steps{0};
    std::atomic<bool> m_stopRequested{false};
    std::atomic<bool> m_interrupted{false};
    std::atomic<long long> m_completed{0};
    std::atomic<long long> m_pausedSinceNs{0};
    std::atomic<long long> m_pauses{0}; ///< Running -> Paused transitions, for waitForWork
    bool m_loopActive = false; // guarded by m_mutex: a run loop owns the worker
};

template <class OnPause> RunGate::Next RunGate::waitForWork(OnPause&& onPause) {
    std::unique_lock lock(m_mutex);
    long long announced = -1; // the pause() count this wait has announced
    for (;;) {
        if (m_stopRequested.load() || m_interrupted.load())
            return Next::Stop;
        if (m_mode.load() == Mode::Running)
            return Next::Batch;
        if (m_steps.load() > 0) {
            m_steps.fetch_sub(1);
            return Next::Step;
        }
        if (announced != m_pauses.load()) {
            announced = m_pauses.load();
            m_pausedSinceNs = std::chrono::duration_cast<std::chrono::nanoseconds>(
                                  std::chrono::steady_clock::now().time_since_epoch())
                                  .count();
            lock.unlock();
            onPause();
            lock.lock();
            continue; // the state may have changed meanwhile
        }
        m_wake.wait(lock);
    }
}

} // namespace pf::ui
