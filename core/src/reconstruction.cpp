#include "phaseforge/reconstruction.h"

#include "phaseforge/error.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace pf {

void Parameters::validate() const {
    if (schedule.items().empty())
        throw InvalidArgument("schedule: it is empty");
    checkBeta(beta);
    if (starts < 1 || starts > 4096)
        throw InvalidArgument("starts: must lie in 1..4096, got " + std::to_string(starts));
    if (metricsEvery < 1)
        throw InvalidArgument("metrics interval: must be at least 1");
    if (initialSupport == InitialSupport::Autocorrelation &&
        !(autocorrelationThreshold > 0 && autocorrelationThreshold < 1))
        throw InvalidArgument("autocorrelation threshold: must lie in (0, 1)");
    shrinkWrap.validate();
}

Reconstruction::Reconstruction(Engine& engine, const Problem& problem, const Parameters& params)
    : m_engine(engine), m_problem(problem), m_params(params) {
    m_params.validate();
    m_problem.validate();
    m_dataSupport = m_problem.support;
    if (m_params.initialSupport == InitialSupport::Autocorrelation)
        m_problem.support = autocorrelationSupport(m_problem, m_params.autocorrelationThreshold);

    std::vector<InitialGuess> guesses;
    for (int j = 0; j < m_params.starts; ++j) {
        switch (m_params.guess) {
        case InitialGuess::Kind::RandomPhase:
            guesses.push_back(InitialGuess::random(m_params.seed + std::uint64_t(j)));
            break;
        case InitialGuess::Kind::ZeroPhase:
            guesses.push_back(InitialGuess::zero());
            break;
        case InitialGuess::Kind::UserPhase:
            guesses.push_back(InitialGuess::user(m_params.userPhase));
            break;
        }
    }
    m_engine.load(m_problem, guesses);
    m_engine.setMetricsInterval(m_params.metricsEvery);
}

long long Reconstruction::advance(long long n) {
    long long ran = 0;
    while (ran < n && !done()) {
        // Iterations left in the current schedule item.
        long long left = 0, seen = 0;
        for (const auto& item : m_params.schedule.items()) {
            seen += item.count;
            if (m_iteration < seen) {
                left = seen - m_iteration;
                break;
            }
        }
        long long chunk = std::min(n - ran, left);
        const ShrinkWrap& sw = m_params.shrinkWrap;
        if (sw.enabled)
            chunk = std::min<long long>(chunk, sw.every - m_iteration % sw.every);
        const Step step{m_params.schedule.algorithmAt(m_iteration), m_params.beta};
        m_engine.iterate(step, int(std::min<long long>(chunk, std::numeric_limits<int>::max())));
        m_iteration += chunk;
        ran += chunk;
        if (sw.enabled && m_iteration % sw.every == 0)
            m_engine.shrinkWrap(sw.sigmaAt(m_shrinkWrapUpdates++), sw.threshold);
    }
    return ran;
}

void Reconstruction::setBeta(float beta) {
    checkBeta(beta);
    m_params.beta = beta;
}

void Reconstruction::setSchedule(const Schedule& schedule) {
    if (schedule.items().empty())
        throw InvalidArgument("schedule: it is empty");
    m_params.schedule = schedule;
}

void Reconstruction::setShrinkWrap(const ShrinkWrap& shrinkWrap) {
    shrinkWrap.validate();
    const ShrinkWrap& old = m_params.shrinkWrap;
    if (shrinkWrap.sigmaStart != old.sigmaStart || shrinkWrap.sigmaDecay != old.sigmaDecay)
        m_shrinkWrapUpdates = 0;
    m_params.shrinkWrap = shrinkWrap;
}

void Reconstruction::setSupport(InitialSupport rule, float autocorrelationThreshold) {
    Mask support;
    if (rule == InitialSupport::Autocorrelation) {
        if (!(autocorrelationThreshold > 0 && autocorrelationThreshold < 1))
            throw InvalidArgument("autocorrelation threshold: must lie in (0, 1)");
        support = autocorrelationSupport(m_problem, autocorrelationThreshold);
    } else {
        support = m_dataSupport;
    }
    m_engine.setSupport(support); // validates the mask before changing anything
    m_problem.support = std::move(support);
    m_params.initialSupport = rule;
    if (rule == InitialSupport::Autocorrelation)
        m_params.autocorrelationThreshold = autocorrelationThreshold;
}

const std::vector<MetricsRecord>& Reconstruction::history() {
    auto fresh = m_engine.takeMetrics();
    m_history.insert(m_history.end(), fresh.begin(), fresh.end());
    return m_history;
}

Result Reconstruction::result() {
    m_engine.finish();
    history();
    Result r;
    const int starts = m_engine.startCount();
    r.finalErrors.assign(std::size_t(starts), std::numeric_limits<float>::quiet_NaN());
    std::vector<long long> lastIteration(std::size_t(starts), -1);
    for (const auto& rec : m_history) {
        if (rec.start < 0 || rec.start >= starts)
            continue;
        if (rec.iteration >= lastIteration[std::size_t(rec.start)]) {
            lastIteration[std::size_t(rec.start)] = rec.iteration;
            r.finalErrors[std::size_t(rec.start)] = rec.fourierError;
        }
    }
    r.bestStart = 0;
    for (int k = 1; k < starts; ++k) {
        const float e = r.finalErrors[std::size_t(k)], best = r.finalErrors[std::size_t(r.bestStart)];
        if (std::isfinite(e) && (!std::isfinite(best) || e < best))
            r.bestStart = k;
    }
    const Shape s = m_engine.shape();
    r.object = ImageF(s);
    m_engine.readObject(r.bestStart, r.object.data);
    m_engine.readSupport(r.bestStart, r.support);
    if (r.support.empty())
        r.support = Mask(s, 1);
    for (const auto& rec : m_history)
        if (rec.start == r.bestStart)
            r.history.push_back(rec);
    r.iterations = m_iteration;
    r.engine = m_engine.info();
    return r;
}

Result reconstruct(Engine& engine, const Problem& problem, const Parameters& params,
                   const std::function<bool(long long, long long)>& progress) {
    Reconstruction rec(engine, problem, params);
    const long long total = rec.totalIterations();
    const long long batch = std::max<long long>(1, std::min<long long>(total, 50));
    while (!rec.done()) {
        rec.advance(batch);
        if (progress && !progress(rec.iteration(), total))
            break;
    }
    return rec.result();
}

} // namespace pf
