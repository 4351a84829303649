#include "phaseforge/reconstruction.h"

#include "phaseforge/error.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <random>

namespace pf {

Parameters recipeParameters() {
    Parameters p;
    p.schedule = Schedule::parse("HIO:600,ER:200");
    p.initialSupport = InitialSupport::Automatic;
    p.shrinkWrap.enabled = true;
    p.shrinkWrap.every = 20;
    p.shrinkWrap.sigmaStart = 3.0f;
    p.shrinkWrap.sigmaEnd = 1.0f;
    p.shrinkWrap.sigmaDecay = 0.97f;
    p.shrinkWrap.threshold = 0.1f;
    p.detwinIterations = 200;
    p.freeFraction = 0.03f;
    p.starts = 16;
    p.shrinkWrapStarts = 8;
    p.gentleThreshold = 0.02f;
    p.keep = 4;
    p.centre = true;
    p.kicks = 16;
    p.kickKind = Parameters::KickKind::HalfPlane;
    p.kickSchedule = Schedule::parse("HIO:100,ER:100");
    return p;
}

void Parameters::validate() const {
    if (schedule.items().empty())
        throw InvalidArgument("schedule: it is empty");
    checkBeta(beta);
    if (starts < 1 || starts > 4096)
        throw InvalidArgument("starts: must lie in 1..4096, got " + std::to_string(starts));
    if (guess == InitialGuess::Kind::Object) {
        if (userObject.empty())
            throw InvalidArgument("initial object: none given for a run that starts from one");
        if (starts != 1)
            throw InvalidArgument("starts: a run that starts from one object (a continued run) has "
                                  "1 start, as more would repeat it; got " + std::to_string(starts));
    }
    if (keep < 1 || keep > starts)
        throw InvalidArgument("keep: must lie in 1..starts (" + std::to_string(starts) + "), got " +
                              std::to_string(keep));
    if (metricsEvery < 1)
        throw InvalidArgument("metrics interval: must be at least 1");
    if (initialSupport == InitialSupport::Autocorrelation &&
        !(autocorrelationThreshold > 0 && autocorrelationThreshold < 1))
        throw InvalidArgument("autocorrelation threshold: must lie in (0, 1)");
    if (initialSupport == InitialSupport::Automatic)
        autoSupport.validate();
    if (detwinIterations < 0)
        throw InvalidArgument("detwin iterations: must be at least 0");
    if (!(freeFraction >= 0 && freeFraction <= 0.2f))
        throw InvalidArgument("free fraction: must lie in [0, 0.2], got " + std::to_string(freeFraction));
    if (shrinkWrapStarts < -1)
        throw InvalidArgument("shrink-wrap starts: must be -1 (all) or at least 0");
    if (!(gentleThreshold >= 0 && gentleThreshold < 1))
        throw InvalidArgument("gentle shrink-wrap threshold: must lie in [0, 1)");
    if (minSupportPixels < 1)
        throw InvalidArgument("minimum support: must be at least 1 pixel");
    if (!(maxSupportFraction > 0 && maxSupportFraction <= 1))
        throw InvalidArgument("maximum support fraction: must lie in (0, 1]");
    if (kicks < 0 || kicks > 1000)
        throw InvalidArgument("kicks: must lie in 0..1000, got " + std::to_string(kicks));
    if (kicks > 0 && kickSchedule.items().empty())
        throw InvalidArgument("kick schedule: it is empty");
    if (!(kickTaper > 0 && kickTaper <= 10))
        throw InvalidArgument("kick taper: must lie in (0, 10], got " + std::to_string(kickTaper));
    if (!(kickDark > 0 && kickDark <= 1))
        throw InvalidArgument("kick dark fraction: must lie in (0, 1], got " + std::to_string(kickDark));
    shrinkWrap.validate();
}

namespace {

/// Free pixels: measured pixels, in Hermitian pairs, outside the lowest
/// frequencies (|q| < 4 px, which carry most of the object's shape), each
/// pair held out with probability `fraction`, drawn from the seed.
Mask drawFreePixels(const Problem& p, float fraction, std::uint64_t seed) {
    const Shape s = p.shape();
    Mask free(s);
    if (!(fraction > 0))
        return Mask{};
    std::mt19937_64 rng(seed ^ 0x5eed0f4ee9a1c3d1ULL);
    const std::uint64_t limit = std::uint64_t(double(fraction) * 18446744073709551615.0);
    auto measured = [&](std::size_t i) { return p.measured.empty() || p.measured.data[i]; };
    long long count = 0;
    for (int r = 0; r < s.rows; ++r)
        for (int c = 0; c < s.cols; ++c) {
            const int mr = (s.rows - r) % s.rows, mc = (s.cols - c) % s.cols;
            const std::size_t i = std::size_t(r) * s.cols + c, j = std::size_t(mr) * s.cols + mc;
            if (j < i)
                continue; // the pair was decided at its first pixel
            const int fr = std::min(r, s.rows - r), fc = std::min(c, s.cols - c);
            const bool eligible = measured(i) && measured(j) && fr * fr + fc * fc >= 16;
            if (rng() < limit && eligible) {
                free.data[i] = free.data[j] = 1;
                count += 1 + (i != j);
            }
        }
    return count > 0 ? free : Mask{};
}

/// Rows 0 .. rows/2 (non-negative row frequency): half of a support centred
/// on the origin, which still holds a translate of any object it holds.
Mask halfOf(const Mask& support) {
    Mask half = support;
    for (int r = (support.shape.rows + 1) / 2; r < support.shape.rows; ++r)
        for (int c = 0; c < support.shape.cols; ++c)
            half.at(r, c) = 0;
    return countOnes(half) > 0 ? half : support;
}

} // namespace

Mask Reconstruction::initialSupportFor(InitialSupport rule, float threshold) const {
    // The support rules read what the iterations read: the free pixels stay out.
    const ProblemRef iterated{m_data.magnitude, iteratedMeasured(), m_data.support};
    switch (rule) {
    case InitialSupport::Automatic: // the fill on the engine's device
        return estimateSupport(iterated, m_params.autoSupport, m_engine);
    case InitialSupport::Autocorrelation: return autocorrelationSupport(iterated, threshold);
    case InitialSupport::Problem: break;
    }
    return m_data.support;
}

Reconstruction::Reconstruction(Engine& engine, const Problem& problem, const Parameters& params)
    : m_engine(engine), m_data(problem), m_params(params) {
    m_params.validate();
    m_data.validate(); // the one check of the data: what follows derives from it
    const Shape shape = m_data.shape();
    if (m_params.initialSupport == InitialSupport::Automatic && (shape.rows < 8 || shape.cols < 8))
        throw InvalidArgument("the pattern is " + shape.toString() +
                              " pixels; the automatic support needs at least 8 x 8");
    m_free = drawFreePixels(m_data, m_params.freeFraction, m_params.seed);
    if (!m_free.empty()) {
        m_measured = m_data.measured.empty() ? Mask(shape, 1) : m_data.measured;
        for (std::size_t i = 0; i < m_free.data.size(); ++i)
            if (m_free.data[i])
                m_measured.data[i] = 0;
        if (countOnes(m_measured) == 0)
            throw InvalidArgument("mask: no pixel is marked as measured");
    }
    m_initialSupport = initialSupportFor(m_params.initialSupport, m_params.autocorrelationThreshold);
    m_initialSupportSize = m_initialSupport.empty() ? 0 : countOnes(m_initialSupport);
    if (!m_initialSupport.empty() && m_initialSupportSize == 0)
        throw InvalidArgument("support: it is empty (no pixel may be non-zero)");
    const Mask half = m_params.detwinIterations > 0 && !m_initialSupport.empty()
                          ? halfOf(m_initialSupport)
                          : Mask{};
    const Mask& startSupport = half.empty() ? m_initialSupport : half;

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
        case InitialGuess::Kind::Object:
            guesses.push_back(InitialGuess::fromObject(m_params.userObject));
            break;
        }
    }
    m_engine.loadValidated(ProblemRef{m_data.magnitude, iteratedMeasured(), startSupport}, guesses);
    m_engine.setMetricsInterval(m_params.metricsEvery);
}

long long Reconstruction::advance(long long n) {
    long long ran = 0;
    const long long detwin = m_params.detwinIterations;
    while (ran < n && !done()) {
        if (m_iteration >= m_params.schedule.totalIterations()) {
            if (!m_kicks.decided)
                decideKicks();
            else
                ran += advanceKicks(n - ran);
            continue;
        }
        long long chunk = std::min(n - ran, m_params.schedule.leftInItem(m_iteration));
        if (m_iteration < detwin)
            chunk = std::min(chunk, detwin - m_iteration);
        const ShrinkWrap& sw = m_params.shrinkWrap;
        if (sw.enabled)
            chunk = std::min<long long>(chunk, sw.every - m_iteration % sw.every);
        const Step step{m_params.schedule.algorithmAt(m_iteration), m_params.beta};
        m_engine.iterate(step, int(std::min<long long>(chunk, std::numeric_limits<int>::max())));
        m_iteration += chunk;
        ran += chunk;
        if (detwin > 0 && m_iteration == detwin)
            m_engine.setSupport(m_initialSupport);
        if (sw.enabled && m_params.shrinkWrapStarts != 0 && m_iteration % sw.every == 0 &&
            m_iteration > detwin)
            updateSupports();
    }
    return ran;
}

void Reconstruction::updateSupports() {
    const ShrinkWrap& sw = m_params.shrinkWrap;
    const int starts = m_engine.startCount();
    const Shape s = m_engine.shape();
    const int wrapping =
        m_params.shrinkWrapStarts < 0 ? starts : std::min(starts, m_params.shrinkWrapStarts);
    // The strict threshold in the first `wrapping` starts, the gentle one (or
    // none: 0 keeps the support) in the others. Safeguards: a support that
    // would collapse below minSupportPixels, or grow past both
    // maxSupportFraction of the field and the initial support, is not adopted;
    // the start keeps the one it has. (With the fraction alone, an initial
    // support above it could never shrink: every update was refused.)
    std::vector<float> thresholds(std::size_t(starts), m_params.gentleThreshold);
    std::fill_n(thresholds.begin(), wrapping, sw.threshold);
    ShrinkWrapUpdate update;
    update.sigma = sw.sigmaAt(m_shrinkWrapUpdates++);
    update.thresholds = thresholds;
    update.minPixels = m_params.minSupportPixels;
    update.maxPixels = std::max({update.minPixels,
                                 (long long)(double(m_params.maxSupportFraction) * double(s.size())),
                                 m_initialSupportSize});
    m_engine.shrinkWrap(update);
}

void Reconstruction::setBeta(float beta) {
    checkBeta(beta);
    m_params.beta = beta;
}

void Reconstruction::setSchedule(const Schedule& schedule) {
    if (schedule.items().empty())
        throw InvalidArgument("schedule: it is empty");
    if (m_iteration >= m_kicks.begin && m_iteration < m_kicks.end) {
        // A new schedule during the kicks ends them: each start takes its best state.
        keepBestStates(false);
        restoreBestStates();
        m_kicks.end = m_iteration;
    }
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
    if (rule == InitialSupport::Autocorrelation &&
        !(autocorrelationThreshold > 0 && autocorrelationThreshold < 1))
        throw InvalidArgument("autocorrelation threshold: must lie in (0, 1)");
    Mask support = initialSupportFor(rule, autocorrelationThreshold);
    m_engine.setSupport(support); // validates the mask before changing anything
    m_initialSupport = std::move(support);
    m_initialSupportSize = m_initialSupport.empty() ? 0 : countOnes(m_initialSupport);
    m_params.initialSupport = rule;
    if (rule == InitialSupport::Autocorrelation)
        m_params.autocorrelationThreshold = autocorrelationThreshold;
}

const std::vector<MetricsRecord>& Reconstruction::history() {
    auto fresh = m_engine.takeMetrics();
    m_history.insert(m_history.end(), fresh.begin(), fresh.end());
    return m_history;
}

} // namespace pf
