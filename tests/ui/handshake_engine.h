// A real engine wrapped with a handshake, for tests that must act at a known
// moment of a run (tst_worker, tst_widgets).
#pragma once

#include "forwarding_engine.h"

#include <phaseforge/engine.h>

#include <QSemaphore>

#include <atomic>
#include <memory>

namespace pf {

/// A real engine with a handshake: while armed, each
/// iterate() call, once done, says so and waits for the test's go-ahead. The
/// test can thus act at a known moment in the middle of a batch, whatever the
/// speed of the machine. Everything else is the real engine's.
class HandshakeEngine final : public pftest::ForwardingEngine {
public:
    struct Channel {
        std::atomic<bool> armed{false};
        QSemaphore batchDone; // released by the worker after an armed iterate()
        QSemaphore goOn;      // released by the test to let it return
    };
    HandshakeEngine(std::unique_ptr<Engine> engine, std::shared_ptr<Channel> channel)
        : ForwardingEngine(std::move(engine)), m_channel(std::move(channel)) {}

    void iterate(const Step& step, int count) override {
        ForwardingEngine::iterate(step, count);
        if (m_channel->armed.exchange(false)) {
            m_channel->batchDone.release();
            m_channel->goOn.acquire();
        }
    }

private:
    std::shared_ptr<Channel> m_channel;
};

} // namespace pf
