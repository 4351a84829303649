// A real engine wrapped with a handshake, for tests that must act at a known
// moment of a run (tst_worker, tst_widgets).
#pragma once

#include <phaseforge/engine.h>

#include <QSemaphore>

#include <atomic>
#include <memory>

namespace pf {

/// A real engine with a handshake: while armed, each
/// iterate() call, once done, says so and waits for the test's go-ahead. The
/// test can thus act at a known moment in the middle of a batch, whatever the
/// speed of the machine. Everything else is the real engine's.
class HandshakeEngine final : public Engine {
public:
    struct Channel {
        std::atomic<bool> armed{false};
        QSemaphore batchDone; // released by the worker after an armed iterate()
        QSemaphore goOn;      // released by the test to let it return
    };
    HandshakeEngine(std::unique_ptr<Engine> engine, std::shared_ptr<Channel> channel)
        : m_engine(std::move(engine)), m_channel(std::move(channel)) {}

    EngineInfo info() const override { return m_engine->info(); }
    void load(const Problem& p, std::span<const InitialGuess> g) override { m_engine->load(p, g); }
    int startCount() const override { return m_engine->startCount(); }
    Shape shape() const override { return m_engine->shape(); }
    long long iteration() const override { return m_engine->iteration(); }
    void iterate(const Step& step, int count) override {
        m_engine->iterate(step, count);
        if (m_channel->armed.exchange(false)) {
            m_channel->batchDone.release();
            m_channel->goOn.acquire();
        }
    }
    void setSupport(const Mask& m) override { m_engine->setSupport(m); }
    void setStartSupport(int start, const Mask& m) override { m_engine->setStartSupport(start, m); }
    void shrinkWrap(const pf::ShrinkWrapUpdate& update) override { m_engine->shrinkWrap(update); }
    using Engine::shrinkWrap;
    void setMetricsInterval(int every) override { m_engine->setMetricsInterval(every); }
    std::vector<MetricsRecord> takeMetrics() override { return m_engine->takeMetrics(); }
    void finish() override { m_engine->finish(); }
    void readIterate(int start, std::span<float> out) override { m_engine->readIterate(start, out); }
    void readSupport(int start, Mask& out) override { m_engine->readSupport(start, out); }
    void setIterate(int start, std::span<const float> g) override { m_engine->setIterate(start, g); }
    void publish(int start, DisplayTarget& target) override { m_engine->publish(start, target); }
    void fillAutocorrelation(const pf::IntensityFill& f, std::span<float> out) override {
        m_engine->fillAutocorrelation(f, out);
    }

private:
    std::unique_ptr<Engine> m_engine;
    std::shared_ptr<Channel> m_channel;
};

} // namespace pf
