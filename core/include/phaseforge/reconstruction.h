// A whole reconstruction: drives an Engine through a schedule, with support
// rules, metrics and multi-start selection. Written once for every engine and
// every front end (CLI, app worker, Python).
#pragma once

#include "phaseforge/engine.h"
#include "phaseforge/problem.h"
#include "phaseforge/schedule.h"
#include "phaseforge/support.h"

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace pf {

enum class InitialSupport {
    Problem,          ///< the problem's own support (or the whole field if none)
    Autocorrelation,  ///< autocorrelationSupport(problem, autocorrelationThreshold)
};

struct Parameters {
    Schedule schedule = Schedule::parse("HIO:200,ER:50");
    float beta = 0.9f;
    InitialSupport initialSupport = InitialSupport::Problem;
    float autocorrelationThreshold = 0.04f;
    ShrinkWrap shrinkWrap;
    InitialGuess::Kind guess = InitialGuess::Kind::RandomPhase;
    std::uint64_t seed = 0;  ///< start j uses seed + j
    ImageF userPhase;        ///< for InitialGuess::Kind::UserPhase
    int starts = 1;          ///< independent starts; the best by final Fourier error wins
    int metricsEvery = 1;

    /// Throws InvalidArgument naming the bad parameter.
    void validate() const;
};

struct Result {
    ImageF object;                       ///< best start's object estimate (real space)
    Mask support;                        ///< its support
    std::vector<MetricsRecord> history;  ///< its metrics
    std::vector<float> finalErrors;      ///< final Fourier error of each start
    int bestStart = 0;
    long long iterations = 0;
    EngineInfo engine;
};

/// Step-wise driver. The app's worker calls advance() in batches and may
/// change β, the schedule or the support rules between calls; they apply from
/// the next iteration.
class Reconstruction {
public:
    /// Validates, prepares the support and loads the engine.
    Reconstruction(Engine& engine, const Problem& problem, const Parameters& params);

    long long iteration() const { return m_iteration; }
    long long totalIterations() const { return m_params.schedule.totalIterations(); }
    bool done() const { return m_iteration >= totalIterations(); }

    /// Runs up to n more iterations (stopping at the end of the schedule),
    /// splitting at schedule items and shrink-wrap updates. Returns how many ran.
    long long advance(long long n);

    void setBeta(float beta);
    /// A new schedule; iterations already done count towards it.
    void setSchedule(const Schedule& schedule);
    /// New shrink-wrap settings, in force from the next iteration: the next
    /// update falls at the next multiple of the new `every` (counted from
    /// iteration 0) and uses the new σ and threshold. A new sigmaStart or
    /// sigmaDecay restarts the σ sequence at that update (σ_0 = sigmaStart);
    /// otherwise σ goes on from the updates already made. Throws
    /// InvalidArgument, changing nothing, when a field is invalid.
    void setShrinkWrap(const ShrinkWrap& shrinkWrap);
    /// Replaces the support in force in every start from the next iteration:
    /// the data's own support (the whole field when it has none), or the
    /// autocorrelation support at `autocorrelationThreshold` (which must lie in
    /// (0, 1); ignored for InitialSupport::Problem). Shrink-wrap, when on, goes
    /// on from this support. Throws InvalidArgument, changing nothing.
    void setSupport(InitialSupport rule, float autocorrelationThreshold);
    const Parameters& parameters() const { return m_params; }

    /// Collects metrics that have arrived; returns all of them so far
    /// (every start, in arrival order).
    const std::vector<MetricsRecord>& history();
    /// Waits for the engine, picks the best start and reads it back.
    Result result();
    Engine& engine() { return m_engine; }

private:
    Engine& m_engine;
    Problem m_problem;
    Mask m_dataSupport; ///< the problem's own support (m_problem's may be replaced)
    Parameters m_params;
    long long m_iteration = 0;
    int m_shrinkWrapUpdates = 0;
    std::vector<MetricsRecord> m_history;
};

/// One call: runs the whole schedule. `progress(done, total)` is called
/// between batches when given; returning false stops early.
Result reconstruct(Engine& engine, const Problem& problem, const Parameters& params,
                   const std::function<bool(long long, long long)>& progress = {});

} // namespace pf
