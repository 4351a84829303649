// An engine that hands every call to a real one: tests derive from it and
// override only the call they watch or change (HandshakeEngine, tst_recipe).
#pragma once

#include <phaseforge/engine.h>
#include <phaseforge/problem.h>

#include <memory>
#include <utility>

namespace pftest {

class ForwardingEngine : public pf::Engine {
public:
    explicit ForwardingEngine(std::unique_ptr<pf::Engine> engine) : m_engine(std::move(engine)) {}

    pf::EngineInfo info() const override { return m_engine->info(); }
    void load(const pf::Problem& p, std::span<const pf::InitialGuess> g) override { m_engine->load(p, g); }
    void loadValidated(pf::ProblemRef p, std::span<const pf::InitialGuess> g) override {
        m_engine->loadValidated(p, g);
    }
    int startCount() const override { return m_engine->startCount(); }
    pf::Shape shape() const override { return m_engine->shape(); }
    long long iteration() const override { return m_engine->iteration(); }
    void iterate(const pf::Step& step, int count) override { m_engine->iterate(step, count); }
    void setSupport(const pf::Mask& m) override { m_engine->setSupport(m); }
    void setStartSupport(int start, const pf::Mask& m) override { m_engine->setStartSupport(start, m); }
    void shrinkWrap(const pf::ShrinkWrapUpdate& update) override { m_engine->shrinkWrap(update); }
    using Engine::shrinkWrap;
    void setMetricsInterval(int every) override { m_engine->setMetricsInterval(every); }
    std::vector<pf::MetricsRecord> takeMetrics() override { return m_engine->takeMetrics(); }
    void finish() override { m_engine->finish(); }
    void readIterate(int start, std::span<float> out) override { m_engine->readIterate(start, out); }
    void readSupport(int start, pf::Mask& out) override { m_engine->readSupport(start, out); }
    void setIterate(int start, std::span<const float> g) override { m_engine->setIterate(start, g); }
    void publish(int start, pf::DisplayTarget& target) override { m_engine->publish(start, target); }
    void fillAutocorrelation(const pf::IntensityFill& f, std::span<float> out) override {
        m_engine->fillAutocorrelation(f, out);
    }

private:
    std::unique_ptr<pf::Engine> m_engine;
};

} // namespace pftest
