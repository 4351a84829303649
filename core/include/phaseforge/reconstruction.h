// A whole reconstruction: drives an Engine through a schedule, with support
// rules, metrics and multi-start selection. Written once for every engine and
// every front end (CLI, app worker, Python).
#pragma once

#include "phaseforge/analysis.h"
#include "phaseforge/engine.h"
#include "phaseforge/problem.h"
#include "phaseforge/schedule.h"
#include "phaseforge/support.h"

#include <algorithm>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace pf {

enum class InitialSupport {
    Automatic,        ///< estimateSupport(problem, autoSupport): robust to a beamstop (default)
    Problem,          ///< the problem's own support (or the whole field if none)
    Autocorrelation,  ///< autocorrelationSupport(problem, autocorrelationThreshold)
};

/// Everything a run is made of. `Parameters{}` is the plain loop (one start,
/// the problem's support, no shrink-wrap, the raw iterate as the answer);
/// `recipeParameters()` is the default recipe every front end starts from.
struct Parameters {
    Schedule schedule = Schedule::parse("HIO:200,ER:50");
    float beta = 0.9f;
    InitialSupport initialSupport = InitialSupport::Problem;
    float autocorrelationThreshold = 0.04f; ///< for InitialSupport::Autocorrelation
    AutoSupport autoSupport;                ///< for InitialSupport::Automatic
    ShrinkWrap shrinkWrap;
    /// Safeguards on every shrink-wrap update: a start whose new support holds
    /// fewer than `minSupportPixels` pixels, or more than both
    /// `maxSupportFraction` of the field and the initial support, keeps its
    /// previous support. (An initial support larger than the fraction, as an
    /// autocorrelation from noisy data can be, may still shrink.)
    int minSupportPixels = 8;
    float maxSupportFraction = 0.5f;
    /// How many starts (the first ones) shrink-wrap; the others keep their
    /// initial support. -1 = all. Shrink-wrap tightens a loose support but can
    /// cut the faint edges of smooth objects; a share of starts without it,
    /// ranked by free error with the rest, keeps the better of the two.
    int shrinkWrapStarts = -1;
    /// The threshold of a gentler shrink-wrap for the other starts (same σ and
    /// timing), which trims only what is clearly empty; 0 = they keep their
    /// initial support.
    float gentleThreshold = 0.0f;
    /// Detwinning: the first `detwinIterations` run on the half of the initial
    /// support with non-negative row frequency (rows 0 .. rows/2 in FFT order),
    /// which breaks the symmetry between the object and its twin; then the
    /// whole initial support returns and shrink-wrap starts. 0 = off.
    int detwinIterations = 0;
    /// Fraction of measured pixels held out of the iterations (in Hermitian
    /// pairs, drawn from the seed) to rank the starts by their free error,
    /// which a loose support cannot lower. 0 = rank by the Fourier error.
    float freeFraction = 0.0f;
    InitialGuess::Kind guess = InitialGuess::Kind::RandomPhase;
    std::uint64_t seed = 0;  ///< start j uses seed + j
    ImageF userPhase;        ///< for InitialGuess::Kind::UserPhase
    /// For InitialGuess::Kind::Object: the object every start begins from, in
    /// the engine's frame (a saved result's raw object: continuationOf()).
    /// Such a run has one start: more would repeat it.
    ImageF userObject;
    int starts = 1;          ///< independent starts, ranked (free error, else Fourier error)
    int keep = 1;            ///< the best `keep` starts are aligned and averaged (<= starts)
    /// Result::object centred (centre of mass in the middle of the field);
    /// otherwise it is the average in the best start's own frame.
    bool centre = false;
    int metricsEvery = 1;
    /// Kicks out of stagnation (docs/algorithms.md, "The default recipe"):
    /// when a schedule of at least kKickMinSchedule iterations ends stalled
    /// (the best start's free error above kStalledNoiseFactor times the
    /// photon-noise floor), every
    /// start runs `kicks` rounds of a kick (`kickKind`, below) followed by
    /// `kickSchedule`, keeps the state with its lowest Fourier error, and
    /// settles with ER:kKickSettle. 0 = off; nothing happens without free
    /// pixels or photon counts.
    int kicks = 0;
    Schedule kickSchedule = Schedule::parse("HIO:200,ER:50");
    float kickDark = 0.5f;
    /// What a kick does. Phases: random phases on the dark pixels of the
    /// start's current state (darkPixels() at `kickDark`). HalfPlane: the start's best state so far
    /// times a tapered half-plane through its support's centre (halfPlaneCut(),
    /// the cut's direction turning by 45° each round, the taper `kickTaper`
    /// times the radius of a disc as large as the support), which undoes the
    /// object-and-twin mixtures of objects that fill a centro-symmetric support.
    enum class KickKind { Phases, HalfPlane } kickKind = KickKind::Phases;
    float kickTaper = 0.4f;

    /// Throws InvalidArgument naming the bad parameter.
    void validate() const;
};

/// A free error more than this many times what photon noise explains is a
/// fit the iterations did not finish. On the public benchmark (CPU,
/// 2026-12-03) the recovered cases ended within 1.4 times the floor, while
/// stagnated ones (the object mixed with its twin) sat at 1.86 (case04) to 5
/// times it, and the bundled `cell` came out of the kicks at 1.93 with its
/// nucleus still doubled. The recipe's kicks start above it, and the quality
/// verdict warns above it, kicked or not: kicks that lift a run bring it near
/// the floor (case16: 1.02, case04: 1.41).
inline constexpr double kStalledNoiseFactor = 1.5;

/// For magnitudes that are not photon counts (no noise floor), a free error
/// above this is not trusted: no noise level says whether it is noise or a
/// stalled fit. The noiseless benchmark cases that were recovered end at most
/// at 0.003, a stalled one at 0.025 (CPU, 2026-12-03).
inline constexpr double kUntrustedWithoutCounts = 0.01;

/// A schedule shorter than this has not had the time to stall: its free
/// error says it is unfinished, and it is not kicked (a user trying 60
/// iterations gets 60). The recipe's schedule runs 800.
inline constexpr long long kKickMinSchedule = 500;

/// ER iterations after the kicks, from each start's best state: the metrics
/// then describe the state the result reads.
inline constexpr int kKickSettle = 20;

/// How far a result can be trusted: `trusted` is false when any warning is
/// raised; each warning is one sentence for the user.
struct Quality {
    bool trusted = true;
    std::vector<std::string> warnings;
    double supportFraction = 0;  ///< best start's support / field
    double startSpread = 0;      ///< median aligned error of the kept starts against the best
    double freeError = 0;        ///< best start's free error (NaN without free pixels)
    double fourierError = 0;     ///< best start's Fourier error on the pixels iterated
    /// The free error photon noise alone explains (photonNoiseFloor on the
    /// free pixels); NaN when the magnitudes are not photon counts.
    double noiseFloor = 0;
};

struct Result {
    /// The canonical picture: the kept starts aligned on the best (shift and
    /// twin) and averaged, then centred (centre of mass in the middle).
    ImageF object;
    Mask support;                        ///< the best start's support, moved like `object`
    ImageF rawObject;                    ///< the best start's object as the engine holds it
    Mask rawSupport;                     ///< its support, as the engine holds it
    std::vector<MetricsRecord> history;  ///< the best start's metrics
    std::vector<float> finalErrors;      ///< final Fourier error of each start (engine's)
    std::vector<float> freeErrors;       ///< each start's free error (NaN without free pixels)
    std::vector<int> kept;               ///< the averaged starts, best first
    int bestStart = 0;
    Prtf prtf;                           ///< over the kept starts
    Quality quality;
    Mask freePixels;                     ///< the held-out pixels (FFT order; empty if none)
    long long iterations = 0;
    int kickRounds = 0;  ///< rounds of kicks out of stagnation run (0: none)
    EngineInfo engine;
};

/// Step-wise driver. The app's worker calls advance() in batches and may
/// change β, the schedule or the support rules between calls; they apply from
/// the next iteration.
class Reconstruction {
public:
    /// Validates the parameters and the problem (once: the support rules and
    /// the engine receive it as a validated ProblemRef), prepares the support
    /// and loads the engine. The Reconstruction refers to `problem` without
    /// copying it: the problem must outlive it (a temporary is refused).
    Reconstruction(Engine& engine, const Problem& problem, const Parameters& params);
    Reconstruction(Engine& engine, Problem&& problem, const Parameters& params) = delete;

    long long iteration() const { return m_iteration; }
    /// The schedule's iterations, and once a stalled run has planned its
    /// kicks, theirs too (the total grows then, once).
    long long totalIterations() const {
        return std::max(m_params.schedule.totalIterations(), m_kicks.end);
    }
    /// At the schedule's end a run with kicks on first tests whether it stalled.
    bool done() const {
        return m_iteration >= totalIterations() && (m_kicks.decided || !kicksOn());
    }
    /// The rule iteration `i` runs (or ran): the schedule's, or in the kicks
    /// the kick schedule's, then ER.
    Algorithm algorithmAt(long long i) const;
    /// Rounds of kicks run so far.
    int kickRounds() const { return m_kicks.rounds; }

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
    /// The problem as the engine holds it: the held-out free pixels unmeasured.
    ProblemRef engineProblem() const { return {m_data.magnitude, iteratedMeasured(), m_data.support}; }

    /// Collects metrics that have arrived; returns all of them so far
    /// (every start, in arrival order).
    const std::vector<MetricsRecord>& history();
    /// Waits for the engine, picks the best start and reads it back.
    Result result();
    Engine& engine() { return m_engine; }

private:
    void updateSupports();
    bool kicksOn() const { return m_params.kicks > 0 && !m_free.empty(); }
    /// At the schedule's end: plans the kicks when the run stalled.
    void decideKicks();
    /// Runs up to n iterations of the kick phase; returns how many ran.
    long long advanceKicks(long long n);
    /// Each start's object and its Fourier error on the iterated pixels; a
    /// start keeps it when it is its lowest so far. With `thenKick`, each
    /// start is then kicked from that state and a new round begins.
    void keepBestStates(bool thenKick);
    void restoreBestStates();
    Mask initialSupportFor(InitialSupport rule, float autocorrelationThreshold) const;
    /// The measured mask the iterations use: the data's, less the free pixels.
    const Mask& iteratedMeasured() const { return m_free.empty() ? m_data.measured : m_measured; }

    Engine& m_engine;
    const Problem& m_data; ///< as given, validated; the caller's (not copied)
    Mask m_free;           ///< held-out pixels (empty: none)
    Mask m_measured;       ///< with free pixels: the data's measured mask less them
    Mask m_initialSupport;
    long long m_initialSupportSize = 0; ///< its ones (0: no support)
    Parameters m_params;
    long long m_iteration = 0;
    int m_shrinkWrapUpdates = 0;
    std::vector<MetricsRecord> m_history;
    struct Kicks {
        bool decided = false;          ///< the stall test has run (once per run)
        long long begin = 0, end = 0;  ///< the kick phase's iterations [begin, end)
        int rounds = 0;                ///< rounds started
        Mask dark;
        std::vector<ImageF> best;      ///< per start: its state of lowest Fourier error
        std::vector<double> bestError;
    } m_kicks;
};

/// The default recipe, written once for the app, the CLI and Python:
/// automatic support (robust to a beamstop), detwinning, shrink-wrap with
/// safeguards (threshold 0.1 in half the starts, 0.02 in the others),
/// HIO:600,ER:200 from 16 starts ranked by their free error (3% of
/// the measured pixels held out), the best 4 aligned and averaged, centred.
/// docs/algorithms.md ("The default recipe") gives the reasons for each number.
Parameters recipeParameters();

/// One call: runs the whole schedule. `progress(done, total)` is called
/// between batches when given; returning false stops early.
Result reconstruct(Engine& engine, const Problem& problem, const Parameters& params,
                   const std::function<bool(long long, long long)>& progress = {});

} // namespace pf
