// Reconstruction::result(): from the engine's starts to the answer a user
// sees: rank by free error, align and average the best, centre, PRTF, quality.
#include "phaseforge/reconstruction.h"

#include "phaseforge/error.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <numeric>

namespace pf {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

/// A kept start further than this from the best (aligned error) is a
/// different answer, not a noisy copy of the same one: it is not averaged.
constexpr double kSameAnswer = 0.3;

double median(std::vector<double> v) {
    if (v.empty())
        return 0;
    std::sort(v.begin(), v.end());
    const std::size_t m = v.size() / 2;
    return v.size() % 2 ? v[m] : 0.5 * (v[m - 1] + v[m]);
}

std::string percent(double v) {
    char text[32];
    // Small fractions (errors) keep one decimal: 0.4%, not 0%.
    std::snprintf(text, sizeof text, v < 0.1 ? "%.1f%%" : "%.0f%%", 100 * v);
    return text;
}

Quality judge(const Result& r, const Parameters& p, std::vector<double> spreads,
            double noiseFloor) {
    Quality q;
    const double field = double(r.rawObject.shape.size());
    q.supportFraction = double(countOnes(r.rawSupport)) / field;
    q.startSpread = median(std::move(spreads));
    q.freeError = r.freeErrors.empty() ? kNaN : r.freeErrors[std::size_t(r.bestStart)];
    q.fourierError = r.finalErrors.empty() ? kNaN : r.finalErrors[std::size_t(r.bestStart)];
    q.noiseFloor = noiseFloor;
    if (q.supportFraction > 0.35)
        q.warnings.push_back("the support fills " + percent(q.supportFraction) +
                             " of the field: the pattern may be undersampled or the support failed");
    if (countOnes(r.rawSupport) < p.minSupportPixels)
        q.warnings.push_back("the support collapsed to " + std::to_string(countOnes(r.rawSupport)) +
                             " pixels");
    if (r.kept.size() < 2 && p.keep >= 2)
        q.warnings.push_back("no other start agrees with the best one: the answer is not unique");
    else if (q.startSpread > 0.25)
        q.warnings.push_back("the kept starts disagree (median difference " +
                             percent(q.startSpread) + ")");
    if (std::isfinite(q.freeError) && std::isfinite(q.fourierError) &&
        q.freeError > 1.5 * q.fourierError + 0.05)
        q.warnings.push_back("the free error (" + percent(q.freeError) +
                             ") is far above the Fourier error (" + percent(q.fourierError) +
                             "): the result fits the iterated pixels only");
    if (std::isfinite(q.freeError) && std::isfinite(q.noiseFloor) &&
        q.freeError > kStalledNoiseFactor * q.noiseFloor) {
        char ratio[32];
        std::snprintf(ratio, sizeof ratio, "%.2g", q.freeError / q.noiseFloor);
        if (r.kickRounds > 0)
            q.warnings.push_back("the run stalled, and " + std::to_string(r.kickRounds) +
                                 " rounds of kicks left its free error at " + ratio +
                                 " times what photon noise explains, not near it: the object "
                                 "may still be mixed with its twin");
        else
            q.warnings.push_back("the free error (" + percent(q.freeError) + ") is " + ratio +
                                 " times what photon noise explains (" + percent(q.noiseFloor) +
                                 "): the iterations stalled short of the data (often the "
                                 "object mixed with its twin); try more starts or iterations");
    }
    if (std::isfinite(q.freeError) && !std::isfinite(q.noiseFloor) &&
        q.freeError > kUntrustedWithoutCounts)
        q.warnings.push_back("the free error is " + percent(q.freeError) +
                             " and the magnitudes are not photon counts, so no noise level says "
                             "whether that is noise or a stalled fit");
    q.trusted = q.warnings.empty();
    return q;
}

} // namespace

Result Reconstruction::result() {
    m_engine.finish();
    history();
    Result r;
    const int starts = m_engine.startCount();
    const Shape s = m_engine.shape();
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
    // Every start's object and its free error.
    std::vector<ImageF> objects(static_cast<std::size_t>(starts), ImageF(s));
    r.freeErrors.assign(std::size_t(starts), std::numeric_limits<float>::quiet_NaN());
    for (int k = 0; k < starts; ++k) {
        m_engine.readObject(k, objects[std::size_t(k)].data);
        if (!m_free.empty())
            r.freeErrors[std::size_t(k)] =
                float(fourierErrorOn(objects[std::size_t(k)], m_data.magnitude, m_free));
    }
    // Rank: free error where there are free pixels, else the final Fourier
    // error; a start without a finite score ranks last.
    const std::vector<float>& score = m_free.empty() ? r.finalErrors : r.freeErrors;
    std::vector<int> order(static_cast<std::size_t>(starts));
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](int a, int b) {
        const float x = score[std::size_t(a)], y = score[std::size_t(b)];
        if (std::isfinite(x) != std::isfinite(y))
            return std::isfinite(x);
        return x < y;
    });
    r.bestStart = order.front();
    const ImageF& best = objects[std::size_t(r.bestStart)];

    const double floor = m_free.empty() ? kNaN : photonNoiseFloor(m_data.magnitude, m_free);
    // Align the next best on the best and average those that give the same answer.
    std::vector<ImageF> aligned{best};
    const AlignmentTo onBest(best);
    std::vector<double> spreads;
    r.kept.push_back(r.bestStart);
    const int keep = std::min(m_params.keep, starts);
    for (int i = 1; i < starts && int(r.kept.size()) < keep; ++i) {
        const int k = order[std::size_t(i)];
        const double mine = score[std::size_t(k)], top = score[std::size_t(r.bestStart)];
        if (!std::isfinite(mine) || !scoreJoinsAverage(mine, top, floor))
            break;
        ImageF moved = onBest.of(objects[std::size_t(k)]).apply(objects[std::size_t(k)]);
        const double distance = errorAfterScale(moved, best);
        spreads.push_back(distance);
        if (distance > kSameAnswer)
            continue;
        aligned.push_back(std::move(moved));
        r.kept.push_back(k);
    }
    ImageF average(s);
    for (const auto& x : aligned)
        for (std::size_t i = 0; i < average.data.size(); ++i)
            average.data[i] += x.data[i] / float(aligned.size());

    r.rawObject = best;
    m_engine.readSupport(r.bestStart, r.rawSupport);
    if (r.rawSupport.empty())
        r.rawSupport = Mask(s, 1);
    const Centring centre = m_params.centre ? centringOf(average) : Centring{0, 0};
    r.object = circularShift(average, centre.dr, centre.dc);
    r.support = circularShift(r.rawSupport, centre.dr, centre.dc);
    r.prtf = prtf(aligned, m_data);
    r.freePixels = m_free;
    for (const auto& rec : m_history)
        if (rec.start == r.bestStart)
            r.history.push_back(rec);
    r.iterations = m_iteration;
    r.kickRounds = m_kicks.rounds;
    r.engine = m_engine.info();
    r.quality = judge(r, m_params, std::move(spreads), floor);
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
