#include "recovery.h"

#include "reference.h"

#include <phaseforge/fftw_engine.h>
#include <phaseforge/reconstruction.h>
#include <phaseforge/simulate.h>

#include <algorithm>
#include <cmath>
#include <complex>
#include <vector>

namespace pftest {

double alignedError(const pf::ImageF& estimate, const pf::ImageF& truth) {
    const pf::Shape s = truth.shape;
    std::vector<std::complex<double>> t(truth.data.begin(), truth.data.end());
    const auto ft = fft2(t, s);
    double truthNorm = 0;
    for (float v : truth.data)
        truthNorm += double(v) * v;
    double best = 1e300;
    for (int twin = 0; twin < 2; ++twin) {
        pf::ImageF cand(s);
        for (int r = 0; r < s.rows; ++r)
            for (int c = 0; c < s.cols; ++c)
                cand.at(r, c) = twin ? estimate.at((s.rows - r) % s.rows, (s.cols - c) % s.cols)
                                     : estimate.at(r, c);
        std::vector<std::complex<double>> x(cand.data.begin(), cand.data.end());
        auto fx = fft2(x, s);
        for (std::size_t i = 0; i < fx.size(); ++i)
            fx[i] = ft[i] * std::conj(fx[i]);
        const auto xc = ifft2(fx, s);
        std::size_t arg = 0;
        for (std::size_t i = 1; i < xc.size(); ++i)
            if (xc[i].real() > xc[arg].real())
                arg = i;
        const int dr = int(arg / std::size_t(s.cols)), dc = int(arg % std::size_t(s.cols));
        double err = 0;
        for (int r = 0; r < s.rows; ++r)
            for (int c = 0; c < s.cols; ++c) {
                const double d = cand.at(r, c) - truth.at((r + dr) % s.rows, (c + dc) % s.cols);
                err += d * d;
            }
        best = std::min(best, std::sqrt(err / truthNorm));
    }
    return best;
}

pf::ImageF recoveryObject(std::uint64_t seed) {
    pf::ImageF obj = pf::randomBlobs({64, 64}, 8, seed);
    for (auto& v : obj.data)
        v = 0.1f + 0.9f * v;
    return obj;
}

KnownSupportOutcome knownSupportError(std::uint64_t seed, std::uint64_t startSeed, int starts) {
    const pf::Simulation sim = pf::simulate(recoveryObject(seed), {});
    pf::Parameters params;
    params.schedule = pf::Schedule::parse("HIO:900,ER:100");
    params.beta = 0.9f;
    params.starts = starts;
    params.seed = startSeed;
    params.metricsEvery = 100;
    pf::FftwEngine engine(1, pf::FftwEngine::PlanEffort::Estimate);
    const pf::Result r = pf::reconstruct(engine, sim.problem, params);
    bool lowest = true;
    for (float e : r.finalErrors)
        lowest = lowest && r.finalErrors[std::size_t(r.bestStart)] <= e;
    return {alignedError(r.object, sim.object), lowest};
}

SupportErrors autocorrelationSupportErrors(std::uint64_t seed, std::uint64_t startSeed,
                                           int starts) {
    const pf::Simulation sim = pf::simulate(recoveryObject(seed), {});
    pf::Problem problem = sim.problem;
    problem.support = {}; // the data alone
    pf::Parameters params;
    params.schedule = pf::Schedule::parse("HIO:400,ER:100");
    params.initialSupport = pf::InitialSupport::Autocorrelation;
    params.seed = startSeed;
    params.starts = starts;
    params.metricsEvery = 50;
    pf::FftwEngine engine(1, pf::FftwEngine::PlanEffort::Estimate);
    SupportErrors e{};
    e.fixed = alignedError(pf::reconstruct(engine, problem, params).object, sim.object);
    params.shrinkWrap.enabled = true;
    params.shrinkWrap.every = 20;
    params.shrinkWrap.sigmaStart = 3.0f;
    params.shrinkWrap.sigmaEnd = 1.0f;
    params.shrinkWrap.sigmaDecay = 0.95f;
    // The floor is a tenth of the peak: the threshold must stay under it, or
    // shrink-wrap cuts away true object.
    params.shrinkWrap.threshold = 0.02f;
    e.wrapped = alignedError(pf::reconstruct(engine, problem, params).object, sim.object);
    return e;
}

} // namespace pftest
