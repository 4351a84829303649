#include "phaseforge/ui/run_gate.h"

namespace pf::ui {

// Every transition takes the mutex before notifying, so a worker that has just
// checked the state and is about to wait cannot miss the wake-up.

bool RunGate::start() {
    std::lock_guard lock(m_mutex);
    if (m_interrupted.load())
        return false;
    m_stopRequested = false;
    m_mode = Mode::Running;
    m_wake.notify_all();
    if (m_loopActive)
        return false;
    m_loopActive = true;
    return true;
}

void RunGate::pause() {
    std::lock_guard lock(m_mutex);
    if (m_mode.load() == Mode::Running) {
        m_mode = Mode::Paused;
        m_pauses.fetch_add(1);
        m_wake.notify_all(); // a worker still waiting from an earlier pause announces this one
    }
}

void RunGate::resume() {
    std::lock_guard lock(m_mutex);
    if (m_mode.load() == Mode::Paused)
        m_mode = Mode::Running;
    m_wake.notify_all();
}

bool RunGate::step() {
    std::lock_guard lock(m_mutex);
    if (m_interrupted.load() || m_mode.load() == Mode::Running)
        return false; // a running loop needs no single steps
    m_stopRequested = false;
    m_steps.fetch_add(1);
    m_mode = Mode::Paused;
    m_wake.notify_all();
    if (m_loopActive)
        return false;
    m_loopActive = true;
    return true;
}

void RunGate::stop() {
    std::lock_guard lock(m_mutex);
    if (m_loopActive)
        m_stopRequested = true;
    m_wake.notify_all();
}

void RunGate::interrupt() {
    std::lock_guard lock(m_mutex);
    m_interrupted = true;
    m_stopRequested = true;
    m_wake.notify_all();
}

bool RunGate::finishRun() {
    std::lock_guard lock(m_mutex);
    if (!m_stopRequested.load() && !m_interrupted.load())
        return false; // restarted between the Stop decision and now
    m_mode = Mode::Idle;
    m_steps = 0;
    m_stopRequested = false;
    m_loopActive = false;
    m_wake.notify_all();
    return true;
}

void RunGate::forceIdle() {
    std::lock_guard lock(m_mutex);
    m_mode = Mode::Idle;
    m_steps = 0;
    m_stopRequested = false;
    m_loopActive = false;
    m_wake.notify_all();
}

} // namespace pf::ui
