// Recovery of synthetic objects: 2x oversampled, positive, real blobs in a 128²
// field. Errors are measured up to the twin image and a translation.
#include "reference.h"

#include <phaseforge/fftw_engine.h>
#include <phaseforge/reconstruction.h>
#include <phaseforge/simulate.h>

#include <QtTest>

#include <algorithm>
#include <cmath>

namespace {

// min over {x, twin x} and every circular shift of ‖shifted − truth‖ / ‖truth‖.
double alignedError(const pf::ImageF& estimate, const pf::ImageF& truth) {
    const pf::Shape s = truth.shape;
    std::vector<std::complex<double>> t(truth.data.begin(), truth.data.end());
    const auto ft = pftest::fft2(t, s);
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
        auto fx = pftest::fft2(x, s);
        for (std::size_t i = 0; i < fx.size(); ++i)
            fx[i] = ft[i] * std::conj(fx[i]);
        const auto xc = pftest::ifft2(fx, s);
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

// Smooth random blobs that fill a 64² frame, on a faint floor so the frame is
// the object's true extent: the "known support box".
pf::ImageF testObject(std::uint64_t seed) {
    pf::ImageF obj = pf::randomBlobs({64, 64}, 8, seed);
    for (auto& v : obj.data)
        v = 0.1f + 0.9f * v;
    return obj;
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v.size() % 2 ? v[v.size() / 2] : 0.5 * (v[v.size() / 2 - 1] + v[v.size() / 2]);
}

} // namespace

class TestRecovery : public QObject {
    Q_OBJECT

private slots:
    void alignmentIsTranslationAndTwinInvariant() {
        const pf::ImageF obj = pf::simulate(pf::randomBlobs({16, 16}, 4, 3), {}).object;
        pf::ImageF moved(obj.shape);
        for (int r = 0; r < obj.shape.rows; ++r)
            for (int c = 0; c < obj.shape.cols; ++c)
                moved.at(r, c) = obj.at((obj.shape.rows - r + 5) % obj.shape.rows,
                                        (obj.shape.cols - c + 3) % obj.shape.cols);
        QVERIFY(alignedError(moved, obj) < 1e-6);
        QVERIFY(alignedError(pf::ImageF(obj.shape, 0.1f), obj) > 0.5);
    }

    // 20 fresh objects, HIO:900,ER:100 from 12 random starts each, the start
    // with the lowest Fourier error kept: at least 16 recovered to 2%. A
    // single start stagnates now and then (with 4 starts a fresh seed,
    // 1617757594069788631, recovered 15 of 20: about 0.7 of starts fail on a
    // hard object); with 12, that seed and three fresh ones recovered 20 of 20
    // on the build machine (19 s each). A broken rule or projection recovers none.
    void hioThenErRecoversWithTheKnownSupport() {
        const std::uint64_t base = pftest::freshSeed("recovery");
        int recovered = 0;
        for (int k = 0; k < 20; ++k) {
            const pf::ImageF obj = testObject(base + std::uint64_t(k));
            const pf::Simulation sim = pf::simulate(obj, {});
            pf::Parameters params;
            params.schedule = pf::Schedule::parse("HIO:900,ER:100");
            params.beta = 0.9f;
            params.starts = 12;
            params.seed = base * 31 + std::uint64_t(k);
            params.metricsEvery = 100;
            pf::FftwEngine engine(2);
            const pf::Result r = pf::reconstruct(engine, sim.problem, params);
            const double err = alignedError(r.object, sim.object);
            qInfo("seed %d: error %.4f (best start %d, Fourier error %.2e)", k, err, r.bestStart,
                  r.finalErrors[std::size_t(r.bestStart)]);
            recovered += err <= 0.02;
            // The best start really is the lowest final Fourier error.
            for (float e : r.finalErrors)
                QVERIFY(r.finalErrors[std::size_t(r.bestStart)] <= e);
        }
        qInfo("recovered %d of 20 to <= 2%%", recovered);
        QVERIFY(recovered >= 16);
    }

    void shrinkWrapBeatsAFixedAutocorrelationSupport() {
        const std::uint64_t base = pftest::freshSeed("shrink-wrap recovery");
        std::vector<double> fixed, wrapped;
        for (int k = 0; k < 20; ++k) {
            const pf::ImageF obj = testObject(base + std::uint64_t(k));
            const pf::Simulation sim = pf::simulate(obj, {});
            pf::Problem problem = sim.problem;
            problem.support = {}; // the data alone
            pf::Parameters params;
            params.schedule = pf::Schedule::parse("HIO:400,ER:100");
            params.initialSupport = pf::InitialSupport::Autocorrelation;
            params.seed = base + 1000 + std::uint64_t(k);
            params.metricsEvery = 50;
            pf::FftwEngine engine(2);
            fixed.push_back(alignedError(pf::reconstruct(engine, problem, params).object, sim.object));
            params.shrinkWrap.enabled = true;
            params.shrinkWrap.every = 20;
            params.shrinkWrap.sigmaStart = 3.0f;
            params.shrinkWrap.sigmaEnd = 1.0f;
            params.shrinkWrap.sigmaDecay = 0.95f;
            // The floor is a tenth of the peak: the threshold must stay under
            // it, or shrink-wrap cuts away true object.
            params.shrinkWrap.threshold = 0.02f;
            wrapped.push_back(alignedError(pf::reconstruct(engine, problem, params).object, sim.object));
        }
        const double mf = median(fixed), mw = median(wrapped);
        qInfo("median error over 20 seeds: fixed autocorrelation support %.4f, shrink-wrap %.4f",
              mf, mw);
        QVERIFY(mw < mf);
    }
};

QTEST_GUILESS_MAIN(TestRecovery)
#include "tst_recovery.moc"
