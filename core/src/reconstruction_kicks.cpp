// The recipe's kicks out of stagnation (docs/algorithms.md): when the
// schedule ends stalled, each start is kicked round after round (a tapered
// half-plane cut of its best state, or random phases on its dark pixels) and
// keeps the state of its lowest Fourier error.
#include "fftw_util.h"
#include "phaseforge/kicks.h"
#include "phaseforge/reconstruction.h"
#include "phaseforge/support.h"

#include "phaseforge/log.h"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <cstdio>
#include <limits>

namespace pf {

namespace {

/// The seed of one start's kick in one round, apart from every other's.
std::uint64_t kickSeed(std::uint64_t seed, int start, int round) {
    return seed ^ (std::uint64_t(start) << 40) ^ (std::uint64_t(round + 1) * 0x9e3779b97f4a7c15ULL);
}

} // namespace

void Reconstruction::decideKicks() {
    m_kicks.decided = true;
    m_kicks.begin = m_kicks.end = m_iteration;
    if (!kicksOn() || m_iteration < kKickMinSchedule)
        return;
    // Only counts say how low the free error should be. (Magnitudes that are
    // not counts were tried too: the benchmark's one such stalled case, case14,
    // stayed where it was after 30 rounds, at 8 times the time.)
    const double floor = photonNoiseFloor(m_data.magnitude, m_free);
    if (!std::isfinite(floor))
        return;
    const double stalled = kStalledNoiseFactor * floor;
    const int starts = m_engine.startCount();
    const Shape s = m_engine.shape();
    double bestFree = std::numeric_limits<double>::infinity();
    ImageF object(s);
    for (int k = 0; k < starts; ++k) {
        m_engine.readObject(k, object.data);
        const double e = fourierErrorOn(object, m_data.magnitude, m_free);
        if (std::isfinite(e))
            bestFree = std::min(bestFree, e);
    }
    if (!(bestFree > stalled) || !std::isfinite(bestFree))
        return; // not stalled
    if (m_params.kickKind == Parameters::KickKind::Phases) {
        m_kicks.dark = darkPixels(m_data.magnitude, iteratedMeasured(), m_params.kickDark);
        if (countOnes(m_kicks.dark) == 0)
            return;
    }
    m_kicks.best.assign(std::size_t(starts), ImageF(s));
    m_kicks.bestError.assign(std::size_t(starts), std::numeric_limits<double>::infinity());
    keepBestStates(true); // the schedule's end is each start's first state, and round 0 starts
    m_kicks.end = m_kicks.begin +
                  m_params.kicks * m_params.kickSchedule.totalIterations() + kKickSettle;
    char line[200];
    std::snprintf(line, sizeof line,
                  "the run stalled (free error %.3g, %.1f times the photon-noise floor): %d rounds of "
                  "kicks out of stagnation, %lld more iterations",
                  bestFree, bestFree / floor, m_params.kicks, m_kicks.end - m_kicks.begin);
    log(LogLevel::Info, line);
}

long long Reconstruction::advanceKicks(long long n) {
    const long long round = m_params.kickSchedule.totalIterations();
    const long long walk = m_params.kicks * round; // then the settling ER
    const long long into = m_iteration - m_kicks.begin;
    long long chunk = std::min(n, m_kicks.end - m_iteration);
    if (into < walk)
        chunk = std::min(chunk, m_params.kickSchedule.leftInItem(into % round));
    m_engine.iterate(Step{algorithmAt(m_iteration), m_params.beta},
                     int(std::min<long long>(chunk, std::numeric_limits<int>::max())));
    m_iteration += chunk;
    const long long now = m_iteration - m_kicks.begin;
    if (now <= walk && now % round == 0) { // a round ended; the next one starts here
        keepBestStates(now < walk);
        if (now == walk)
            restoreBestStates();
    }
    return chunk;
}

Algorithm Reconstruction::algorithmAt(long long i) const {
    if (i < m_kicks.begin || i >= m_kicks.end)
        return m_params.schedule.algorithmAt(i);
    const long long into = i - m_kicks.begin, round = m_params.kickSchedule.totalIterations();
    return into < m_params.kicks * round ? m_params.kickSchedule.algorithmAt(into % round)
                                         : Algorithm::ER;
}

void Reconstruction::keepBestStates(bool thenKick) {
    const Shape s = m_engine.shape();
    ImageF object(s);
    Mask support;
    for (int k = 0; k < m_engine.startCount(); ++k) {
        m_engine.readObject(k, object.data);
        // One transform per start serves its error and its kick.
        std::vector<std::complex<float>> half = fftw::halfSpectrum(object);
        const double e = fourierErrorOnHalfSpectrum(half, m_data.magnitude, iteratedMeasured());
        if (std::isfinite(e) && e < m_kicks.bestError[std::size_t(k)]) {
            m_kicks.bestError[std::size_t(k)] = e;
            m_kicks.best[std::size_t(k)] = object;
        }
        if (!thenKick)
            continue;
        if (m_params.kickKind == Parameters::KickKind::HalfPlane) {
            // From the best state so far, cut along one of 8 directions in turn.
            m_engine.readSupport(k, support);
            const double radius = std::sqrt(double(countOnes(support)) / std::numbers::pi);
            const double angle = double(m_kicks.rounds % 8) * std::numbers::pi / 4;
            const ImageF cut = halfPlaneCut(m_kicks.best[std::size_t(k)], support, angle,
                                            std::max(1.0, double(m_params.kickTaper) * radius));
            m_engine.setIterate(k, cut.data);
            continue;
        }
        const ImageF kicked =
            kickHalfSpectrum(half, s, m_kicks.dark, kickSeed(m_params.seed, k, m_kicks.rounds));
        m_engine.setIterate(k, kicked.data);
    }
    if (thenKick)
        ++m_kicks.rounds;
}

void Reconstruction::restoreBestStates() {
    for (int k = 0; k < m_engine.startCount(); ++k)
        if (std::isfinite(m_kicks.bestError[std::size_t(k)]))
            m_engine.setIterate(k, m_kicks.best[std::size_t(k)].data);
}

} // namespace pf
