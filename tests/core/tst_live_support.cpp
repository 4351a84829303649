// Support rules changed in the middle of a Reconstruction (as the app's worker
// does between batches) take effect from the next iteration. Each run is
// compared bit for bit with an engine driven by hand: iterate() one iteration
// at a time, setSupport() and shrinkWrap() called exactly where the documented
// rule puts them. Same engine kind, one thread, estimated plans: identical
// arithmetic, so any difference is a change applied at the wrong time or not
// at all.
#include "reference.h"

#include <phaseforge/error.h>
#include <phaseforge/fftw_engine.h>
#include <phaseforge/reconstruction.h>
#include <phaseforge/simulate.h>
#include <phaseforge/support.h>

#include <QtTest>

#include <functional>
#include <memory>

namespace {

std::unique_ptr<pf::FftwEngine> makeEngine() {
    return std::make_unique<pf::FftwEngine>(1, pf::FftwEngine::PlanEffort::Estimate);
}

/// A 48² simulated pattern whose support is the object's box.
pf::Problem makeProblem(std::uint64_t seed) {
    return pf::simulate(pf::randomBlobs({24, 24}, 4, seed), {}).problem;
}

pf::Parameters baseParameters(std::uint64_t seed) {
    pf::Parameters p;
    p.schedule = pf::Schedule::parse("HIO:60");
    p.beta = 0.85f;
    p.seed = seed;
    p.shrinkWrap.enabled = true;
    p.shrinkWrap.every = 10;
    p.shrinkWrap.sigmaStart = 3.0f;
    p.shrinkWrap.sigmaEnd = 1.0f;
    p.shrinkWrap.sigmaDecay = 0.9f;
    p.shrinkWrap.threshold = 0.2f;
    return p;
}

std::vector<float> iterateOf(pf::Engine& engine) {
    std::vector<float> g(engine.shape().size());
    engine.readIterate(0, g);
    return g;
}

/// The hand-driven reference: `total` single iterations of HIO at β; after
/// iteration i, `after(engine, i)` may change the support.
std::vector<float> byHand(const pf::Problem& problem, const pf::Parameters& p, int total,
                          const std::function<void(pf::Engine&, int)>& after) {
    auto engine = makeEngine();
    const pf::InitialGuess guess = pf::InitialGuess::random(p.seed);
    engine->load(problem, std::span(&guess, 1));
    const pf::Step step{pf::Algorithm::HIO, p.beta};
    for (int i = 1; i <= total; ++i) {
        engine->iterate(step, 1);
        after(*engine, i);
    }
    return iterateOf(*engine);
}

} // namespace

class TestLiveSupport : public QObject {
    Q_OBJECT

private slots:
    // New interval, σ and threshold after 25 iterations: the next update is at
    // the next multiple of the new interval, σ starts again from the new start.
    void shrinkWrapChangeAppliesFromTheNextIteration() {
        const std::uint64_t seed = pftest::testSeed("live shrink-wrap");
        const pf::Problem problem = makeProblem(seed);
        const pf::Parameters p = baseParameters(seed);
        pf::ShrinkWrap next = p.shrinkWrap;
        next.every = 6;
        next.sigmaStart = 2.0f;
        next.sigmaEnd = 0.5f;
        next.sigmaDecay = 0.8f;
        next.threshold = 0.3f;

        auto engine = makeEngine();
        pf::Reconstruction rec(*engine, problem, p);
        QCOMPARE(rec.advance(25), 25LL);
        rec.setShrinkWrap(next);
        QCOMPARE(rec.advance(100), 35LL);
        QCOMPARE(rec.parameters().shrinkWrap.every, 6);
        QCOMPARE(rec.parameters().shrinkWrap.threshold, 0.3f);

        int oldUpdates = 0, newUpdates = 0;
        const auto reference = byHand(problem, p, 60, [&](pf::Engine& e, int i) {
            if (i <= 25 && i % 10 == 0)
                e.shrinkWrap(p.shrinkWrap.sigmaAt(oldUpdates++), p.shrinkWrap.threshold);
            if (i > 25 && i % 6 == 0)
                e.shrinkWrap(next.sigmaAt(newUpdates++), next.threshold);
        });
        QCOMPARE(oldUpdates, 2);
        QCOMPARE(newUpdates, 6);
        QVERIFY2(iterateOf(*engine) == reference,
                 "the new shrink-wrap rule was not applied from iteration 26 on");

        // The change mattered: the run that kept the old rule ends elsewhere.
        auto unchangedEngine = makeEngine();
        pf::Reconstruction unchanged(*unchangedEngine, problem, p);
        unchanged.advance(60);
        QVERIFY(iterateOf(*unchangedEngine) != reference);
    }

    // A new threshold alone keeps the σ sequence where it was.
    void thresholdChangeKeepsTheSigmaSequence() {
        const std::uint64_t seed = pftest::testSeed("live threshold");
        const pf::Problem problem = makeProblem(seed);
        const pf::Parameters p = baseParameters(seed);
        pf::ShrinkWrap next = p.shrinkWrap;
        next.threshold = 0.35f;

        auto engine = makeEngine();
        pf::Reconstruction rec(*engine, problem, p);
        rec.advance(25);
        rec.setShrinkWrap(next);
        rec.advance(35);

        int updates = 0;
        const auto reference = byHand(problem, p, 60, [&](pf::Engine& e, int i) {
            if (i % 10 == 0)
                e.shrinkWrap(p.shrinkWrap.sigmaAt(updates++),
                             i <= 25 ? p.shrinkWrap.threshold : next.threshold);
        });
        QVERIFY(iterateOf(*engine) == reference);
    }

    // Switching shrink-wrap on in the middle: its first update is at the next
    // multiple of its interval.
    void shrinkWrapSwitchedOnMidRun() {
        const std::uint64_t seed = pftest::testSeed("live shrink-wrap on");
        const pf::Problem problem = makeProblem(seed);
        pf::Parameters p = baseParameters(seed);
        const pf::ShrinkWrap on = p.shrinkWrap;
        p.shrinkWrap.enabled = false;

        auto engine = makeEngine();
        pf::Reconstruction rec(*engine, problem, p);
        rec.advance(13);
        rec.setShrinkWrap(on);
        rec.advance(47);

        int updates = 0;
        const auto reference = byHand(problem, p, 60, [&](pf::Engine& e, int i) {
            if (i > 13 && i % 10 == 0)
                e.shrinkWrap(on.sigmaAt(updates++), on.threshold);
        });
        QCOMPARE(updates, 5);
        QVERIFY(iterateOf(*engine) == reference);
    }

    // From the data's box to the autocorrelation support and back.
    void supportRuleChangeAppliesFromTheNextIteration() {
        const std::uint64_t seed = pftest::testSeed("live support");
        const pf::Problem problem = makeProblem(seed);
        QVERIFY(!problem.support.empty());
        pf::Parameters p = baseParameters(seed);
        p.shrinkWrap.enabled = false;
        const float threshold = 0.05f;
        const pf::Mask autoSupport = pf::autocorrelationSupport(problem, threshold);
        QVERIFY(autoSupport.data != problem.support.data);

        auto engine = makeEngine();
        pf::Reconstruction rec(*engine, problem, p);
        rec.advance(15);
        rec.setSupport(pf::InitialSupport::Autocorrelation, threshold);
        QCOMPARE(rec.parameters().initialSupport, pf::InitialSupport::Autocorrelation);
        QCOMPARE(rec.parameters().autocorrelationThreshold, threshold);
        pf::Mask inForce;
        engine->readSupport(0, inForce);
        QVERIFY(inForce.data == autoSupport.data);
        rec.advance(10);
        rec.setSupport(pf::InitialSupport::Problem, 0.5f);
        engine->readSupport(0, inForce);
        QVERIFY(inForce.data == problem.support.data);
        rec.advance(35);

        const auto reference = byHand(problem, p, 60, [&](pf::Engine& e, int i) {
            if (i == 15)
                e.setSupport(autoSupport);
            if (i == 25)
                e.setSupport(problem.support);
        });
        QVERIFY2(iterateOf(*engine) == reference,
                 "the support was not replaced exactly after iterations 15 and 25");

        auto unchangedEngine = makeEngine();
        pf::Reconstruction unchanged(*unchangedEngine, problem, p);
        unchanged.advance(60);
        QVERIFY(iterateOf(*unchangedEngine) != reference);
    }

    // The size safeguard: an update may not grow a support past both the
    // field fraction and the initial support, but an initial support above the
    // fraction may shrink (an autocorrelation from noisy data can cover most of
    // the field; with the fraction alone every update of it was refused).
    void supportAboveTheCapCanShrink() {
        const std::uint64_t seed = pftest::testSeed("live cap shrink");
        pf::Problem problem = makeProblem(seed);
        problem.support = pf::Mask(problem.magnitude.shape, 1); // the whole field
        pf::Parameters p = baseParameters(seed);
        p.maxSupportFraction = 0.1f;
        const long long field = problem.magnitude.shape.size();
        const long long cap = (long long)(0.1 * double(field));

        auto engine = makeEngine();
        pf::Reconstruction rec(*engine, problem, p);
        rec.advance(15); // one update, after iteration 10
        pf::Mask inForce;
        engine->readSupport(0, inForce);
        const long long size = pf::countOnes(inForce);
        QVERIFY2(size < field, "the whole-field support did not shrink");
        QVERIFY2(size > cap, "the update did not test the cap");

        auto updateByHand = [&](long long maxPixels) {
            return byHand(problem, p, 15, [&](pf::Engine& e, int i) {
                if (i != 10)
                    return;
                const float threshold = p.shrinkWrap.threshold;
                pf::ShrinkWrapUpdate update;
                update.sigma = p.shrinkWrap.sigmaAt(0);
                update.thresholds = std::span(&threshold, 1);
                update.minPixels = p.minSupportPixels;
                update.maxPixels = maxPixels;
                e.shrinkWrap(update);
            });
        };
        QVERIFY(iterateOf(*engine) == updateByHand(field));
        QVERIFY2(iterateOf(*engine) != updateByHand(cap),
                 "with the fraction alone as the limit the run should differ");
    }

    void supportNeverGrowsPastTheCapAndTheInitialSupport() {
        const std::uint64_t seed = pftest::testSeed("live cap grow");
        const pf::Problem problem = makeProblem(seed); // the object's box
        pf::Parameters p = baseParameters(seed);
        p.maxSupportFraction = 0.1f;
        p.shrinkWrap.threshold = 0.001f; // the blur reaches past the box
        const long long initial = pf::countOnes(problem.support);
        QVERIFY(initial > (long long)(0.1 * double(problem.magnitude.shape.size())));

        // Without limits the update would grow the support.
        auto free = makeEngine();
        const pf::InitialGuess guess = pf::InitialGuess::random(p.seed);
        free->load(problem, std::span(&guess, 1));
        free->iterate(pf::Step{pf::Algorithm::HIO, p.beta}, 10);
        free->shrinkWrap(p.shrinkWrap.sigmaAt(0), p.shrinkWrap.threshold);
        pf::Mask grown;
        free->readSupport(0, grown);
        QVERIFY2(pf::countOnes(grown) > initial, "the unlimited update did not grow the support");

        auto engine = makeEngine();
        pf::Reconstruction rec(*engine, problem, p);
        rec.advance(10);
        pf::Mask inForce;
        engine->readSupport(0, inForce);
        QVERIFY2(inForce.data == problem.support.data, "the support grew past both limits");
    }

    void invalidChangesChangeNothing() {
        const std::uint64_t seed = pftest::testSeed("live invalid");
        const pf::Problem problem = makeProblem(seed);
        const pf::Parameters p = baseParameters(seed);
        auto engine = makeEngine();
        pf::Reconstruction rec(*engine, problem, p);
        rec.advance(5);
        pf::Mask before;
        engine->readSupport(0, before);

        pf::ShrinkWrap bad = p.shrinkWrap;
        bad.threshold = 1.5f;
        QVERIFY_THROWS_EXCEPTION(pf::InvalidArgument, rec.setShrinkWrap(bad));
        bad = p.shrinkWrap;
        bad.every = 0;
        QVERIFY_THROWS_EXCEPTION(pf::InvalidArgument, rec.setShrinkWrap(bad));
        QCOMPARE(rec.parameters().shrinkWrap.threshold, p.shrinkWrap.threshold);
        QCOMPARE(rec.parameters().shrinkWrap.every, p.shrinkWrap.every);

        QVERIFY_THROWS_EXCEPTION(pf::InvalidArgument,
                                 rec.setSupport(pf::InitialSupport::Autocorrelation, 0.0f));
        QVERIFY_THROWS_EXCEPTION(pf::InvalidArgument,
                                 rec.setSupport(pf::InitialSupport::Autocorrelation, 1.0f));
        QCOMPARE(rec.parameters().initialSupport, pf::InitialSupport::Problem);
        pf::Mask after;
        engine->readSupport(0, after);
        QVERIFY(after.data == before.data);
    }
};

QTEST_APPLESS_MAIN(TestLiveSupport)
#include "tst_live_support.moc"
