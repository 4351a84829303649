// The one interface every engine implements (FFTW here, CUDA in gpu/).
// Everything above it (schedules, shrink-wrap timing, multi-start selection)
// lives in reconstruction.h and is written once.
#pragma once

#include "phaseforge/algorithm.h"
#include "phaseforge/image.h"
#include "phaseforge/initial_guess.h"
#include "phaseforge/projections.h"

#include <limits>
#include <span>
#include <string>
#include <vector>

namespace pf {

struct Problem;
struct ProblemRef;
struct IntensityFill;

/// Where a published frame goes. The host path is always available; device
/// targets (the GL interop texture in gpu/) derive from this and are
/// recognised by the engine that can write them directly.
class DisplayTarget {
public:
    virtual ~DisplayTarget() = default;
    /// Receives the object estimate as a host image (row-major, FFT order is
    /// NOT applied: real space, as the engine holds it).
    virtual void acceptHostFrame(std::span<const float> object, Shape shape) = 0;
};

struct EngineInfo {
    std::string name;   ///< "fftw" or "cuda"
    std::string device; ///< e.g. "CPU, 2 threads" or "NVIDIA H100 80GB HBM3"
};

/// One shrink-wrap update of every start (Engine::shrinkWrap).
struct ShrinkWrapUpdate {
    float sigma = 1;                   ///< blur width in pixels, > 0
    /// One per start: the fraction of that start's blurred peak, in [0, 1).
    /// 0 leaves the start's support as it is.
    std::span<const float> thresholds;
    /// A new support with fewer ones than minPixels or more than maxPixels is
    /// not adopted. minPixels >= 1: an empty support never is.
    long long minPixels = 1;
    long long maxPixels = std::numeric_limits<long long>::max();
    /// Throws InvalidArgument naming the bad field (`starts`: the engine's count).
    void validate(int starts) const;
};

/// Holds one problem's state (K independent starts of it) on its device and
/// advances it. Not thread-safe: one thread drives an engine.
///
/// State per start: the current iterate g (real) and the last Fourier output
/// g' (real). load() sets both to g0 = Re(IFFT(M·exp(iφ0))). One iteration:
///   g_next = rule(g, g')             (algorithm.h; real-space error measured)
///   G      = FFT(g_next)             (Fourier error of g_next measured here)
///   g'     = Re(IFFT(P_M(G))),  g = g_next
class Engine {
public:
    Engine() = default;
    Engine(const Engine&) = delete;
    Engine& operator=(const Engine&) = delete;
    virtual ~Engine() = default;

    virtual EngineInfo info() const = 0;

    /// Validates and loads a problem with one start per guess (at least one).
    /// Resets the iteration count and the metrics. The support in force is
    /// problem.support (empty = whole field).
    virtual void load(const Problem& problem, std::span<const InitialGuess> starts) = 0;
    /// load() for a caller that has validated the problem (ProblemRef's
    /// contract, problem.h): Reconstruction loads its data with its own
    /// measured mask and support this way, without a copy or a second check.
    /// The default copies it into a Problem and calls load(), which checks it
    /// again (for wrappers); the FFTW and CUDA engines load it as it is.
    virtual void loadValidated(ProblemRef problem, std::span<const InitialGuess> starts);
    virtual int startCount() const = 0;
    virtual Shape shape() const = 0;
    /// Iterations done since load().
    virtual long long iteration() const = 0;

    /// Runs `count` iterations of one rule on every start. β is checked.
    virtual void iterate(const Step& step, int count) = 0;

    /// Replaces the support of every start (empty mask = whole field).
    virtual void setSupport(const Mask& support) = 0;
    /// Replaces the support of one start (a non-empty mask of the problem's shape).
    virtual void setStartSupport(int start, const Mask& support) = 0;
    /// Shrink-wrap each start's support from its own object estimate,
    /// max(g, 0) inside its support (support.h's rule), at the start's own
    /// threshold; a new support outside the update's size limits is not
    /// adopted (the start keeps the one in force). No copies to the host.
    virtual void shrinkWrap(const ShrinkWrapUpdate& update) = 0;
    /// Every start at one threshold; only an empty new support is refused.
    void shrinkWrap(float sigma, float threshold);

    /// Metrics are recorded every `every` iterations (counted from load()) and,
    /// under the default recording, at the last iteration of each iterate()
    /// call. Default 1.
    virtual void setMetricsInterval(int every) = 0;

    /// Which iterations record metrics. A record costs a GPU engine a small
    /// asynchronous device-to-host copy; a caller that steps one iteration per
    /// call (the Python per-iteration mode) and wants none inside its loop
    /// picks IntervalOnly with a long interval, or Off.
    enum class MetricsRecording {
        IntervalAndCallEnd, ///< multiples of the interval and each call's last iteration (default)
        IntervalOnly,       ///< multiples of the interval only
        Off,                ///< none
    };
    /// Applies from the next iterate() call; kept across load().
    void setMetricsRecording(MetricsRecording recording) { m_metricsRecording = recording; }
    MetricsRecording metricsRecording() const { return m_metricsRecording; }
    /// Records completed since the last call, in order. Never waits for the
    /// device: a GPU engine returns what has already arrived.
    virtual std::vector<MetricsRecord> takeMetrics() = 0;
    /// Waits until all queued work, metrics included, has finished.
    virtual void finish() = 0;

    /// Copies the iterate g of one start to the host (waits for the device).
    virtual void readIterate(int start, std::span<float> out) = 0;
    /// Copies the support in force for one start.
    virtual void readSupport(int start, Mask& out) = 0;
    /// Replaces the iterate g (and g', as load() sets both) of one start, from
    /// the next iterate() call; finite values of the problem's shape
    /// (InvalidArgument otherwise, changing nothing). The recipe's kicks out
    /// of stagnation write their kicked iterates back this way.
    virtual void setIterate(int start, std::span<const float> iterate) = 0;
    /// The object estimate: g where it satisfies the constraints, else 0.
    void readObject(int start, std::span<float> out);

    /// Writes the object estimate of one start for display.
    virtual void publish(int start, DisplayTarget& target) = 0;

    /// The automatic support's fill step (support.h's fillAutocorrelation) on
    /// this engine's device. Callable before load(); changes no engine state.
    /// The default runs it on the host.
    virtual void fillAutocorrelation(const IntensityFill& fill, std::span<float> out);

protected:
    /// InvalidArgument unless 0 <= start < count.
    static void checkStart(int start, int count);
    /// setIterate()'s checks: the start, the size (shape's) and finite values.
    static void checkIterate(int start, int count, std::span<const float> iterate, Shape shape);

    /// For the engines' iterate(): whether the iteration that brings the count
    /// since load() to `iteration` records metrics, given the interval and
    /// whether it is the last iteration of the call.
    bool recordsMetrics(long long iteration, int every, bool lastOfCall) const {
        switch (m_metricsRecording) {
        case MetricsRecording::IntervalAndCallEnd: return lastOfCall || iteration % every == 0;
        case MetricsRecording::IntervalOnly: return iteration % every == 0;
        case MetricsRecording::Off: return false;
        }
        return true;
    }

private:
    MetricsRecording m_metricsRecording = MetricsRecording::IntervalAndCallEnd;
};

} // namespace pf
