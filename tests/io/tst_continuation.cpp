// Continuing a run from a saved CXI result (continuation.h): a real run is
// written by writeResultCxi, read back by loadDiffraction and loadSavedResult,
// and continued on a fresh FFTW engine. The references are the saved run's
// own numbers: its final Fourier error and its raw object, held in memory
// from the first run, and the shrink-wrap σ law written out here.
#include <phaseforge/continuation.h>
#include <phaseforge/error.h>
#include <phaseforge/fftw_engine.h>
#include <phaseforge/io/load.h>
#include <phaseforge/io/saved_result.h>
#include <phaseforge/io/write.h>
#include <phaseforge/reconstruction.h>
#include <phaseforge/simulate.h>

#include "scratch_dir.h"

#include <QTemporaryDir>
#include <QTest>

#include <algorithm>
#include <cmath>

using namespace pf;

class TestContinuation : public QObject {
    Q_OBJECT
    QTemporaryDir m_dir{scratchTemplate("tst_continuation")};
    std::string path(const char* name) const { return m_dir.filePath(name).toStdString(); }

    /// The saved run: several starts, two averaged and centred (so the saved
    /// picture is not the raw iterate), free pixels, shrink-wrap every 7
    /// iterations; 90 iterations end on ER after the last update (at 84), so
    /// the final iterate already satisfies the final support.
    Parameters savedParameters() const {
        Parameters p;
        p.schedule = Schedule::parse("HIO:60,ER:30");
        p.initialSupport = InitialSupport::Autocorrelation;
        p.starts = 3;
        p.keep = 2;
        p.centre = true;
        p.freeFraction = 0.03f;
        p.seed = 41;
        p.beta = 0.8f;
        p.shrinkWrap.enabled = true;
        p.shrinkWrap.every = 7;
        p.shrinkWrap.threshold = 0.1f;
        return p;
    }

    Result m_saved;
    Problem m_data;

private slots:
    void initTestCase() {
        QVERIFY(m_dir.isValid());
        const Simulation sim = simulate(randomBlobs(Shape{16, 16}, 4, 3), {});
        io::writePatternCxi(path("input.cxi"), sim.problem.magnitude, sim.problem.measured);
        m_data = io::loadDiffraction(path("input.cxi")).problem;
        FftwEngine engine(1, FftwEngine::PlanEffort::Estimate);
        const Parameters params = savedParameters();
        m_saved = reconstruct(engine, m_data, params);
        const io::Provenance prov{path("input.cxi"), io::sha256File(path("input.cxi")), "test", ""};
        io::writeResultCxi(path("saved.cxi"), m_saved, params, m_data, prov);
    }

    void savedResultGivesTheRawIterate() {
        const io::SavedResult saved = io::loadSavedResult(path("saved.cxi"));
        QVERIFY2(saved.notices.empty(), saved.notices.empty() ? "" : saved.notices.front().c_str());
        QVERIFY(saved.object.data == m_saved.rawObject.data);
        QVERIFY(saved.support.data == m_saved.rawSupport.data);
        // The saved picture is another image (aligned, averaged, centred).
        const io::LoadedImage picture = io::loadImage(path("saved.cxi"));
        QVERIFY(picture.image.data == m_saved.object.data);
        QVERIFY(picture.image.data != saved.object.data);
        const Parameters params = savedParameters();
        QCOMPARE(saved.parameters.keep, params.keep);
        QCOMPARE(saved.parameters.centre, params.centre);
        QCOMPARE(saved.parameters.freeFraction, params.freeFraction);
        QCOMPARE(saved.parameters.detwinIterations, params.detwinIterations);
        QCOMPARE(saved.parameters.shrinkWrapStarts, params.shrinkWrapStarts);
    }

    void savedResultGivesTheHistory() {
        const io::SavedResult saved = io::loadSavedResult(path("saved.cxi"));
        QVERIFY(!m_saved.history.empty());
        QCOMPARE(saved.history.size(), m_saved.history.size());
        for (std::size_t i = 0; i < saved.history.size(); ++i) {
            QCOMPARE(saved.history[i].iteration, m_saved.history[i].iteration);
            QCOMPARE(saved.history[i].fourierError, m_saved.history[i].fourierError);
            QCOMPARE(saved.history[i].realError, m_saved.history[i].realError);
            QCOMPARE(saved.history[i].supportSize, m_saved.history[i].supportSize);
            QCOMPARE(saved.history[i].start, saved.bestStart);
        }
        // A result saved with no history reads back with none, and no notice.
        Result noHistory = m_saved;
        noHistory.history.clear();
        const io::Provenance prov{path("input.cxi"), io::sha256File(path("input.cxi")), "test", ""};
        io::writeResultCxi(path("no-history.cxi"), noHistory, savedParameters(), m_data, prov);
        const io::SavedResult empty = io::loadSavedResult(path("no-history.cxi"));
        QVERIFY(empty.history.empty());
        QVERIFY(empty.notices.empty());
    }

    void continuationTakesTheSavedParameters() {
        const Continuation c = continuationOf(io::loadSavedResult(path("saved.cxi")));
        const Parameters was = savedParameters();
        const Parameters& p = c.parameters;
        QVERIFY(p.guess == InitialGuess::Kind::Object);
        QVERIFY(p.userObject.data == m_saved.rawObject.data);
        QVERIFY(c.support.data == m_saved.rawSupport.data);
        QVERIFY(p.initialSupport == InitialSupport::Problem);
        QCOMPARE(p.starts, 1);
        QCOMPARE(p.keep, 1);
        QCOMPARE(p.detwinIterations, 0);
        QCOMPARE(p.schedule.toString(), was.schedule.toString());
        QCOMPARE(p.beta, was.beta);
        QCOMPARE(p.seed, was.seed);
        QCOMPARE(p.freeFraction, was.freeFraction);
        QCOMPARE(p.centre, was.centre);
        QCOMPARE(c.previousIterations, 90LL);
        QCOMPARE(c.source, path("saved.cxi"));
        // 12 updates (at 7, 14, ..., 84): σ goes on from σ_12.
        QVERIFY(p.shrinkWrap.enabled);
        const float sigma12 = std::max(was.shrinkWrap.sigmaEnd,
                                       float(was.shrinkWrap.sigmaStart * std::pow(double(was.shrinkWrap.sigmaDecay), 12.0)));
        QCOMPARE(p.shrinkWrap.sigmaStart, sigma12);
        QCOMPARE(p.shrinkWrap.threshold, was.shrinkWrap.threshold);
    }

    void zeroMoreWorkReproducesTheSavedObject() {
        const Continuation c = continuationOf(io::loadSavedResult(path("saved.cxi")));
        Problem problem = io::loadDiffraction(path("saved.cxi")).problem;
        problem.support = c.support;
        FftwEngine engine(1, FftwEngine::PlanEffort::Estimate);
        Reconstruction rec(engine, problem, c.parameters);
        const Result r = rec.result();
        QCOMPARE(r.iterations, 0LL);
        QVERIFY(r.rawObject.data == m_saved.rawObject.data);
        QVERIFY(r.rawSupport.data == m_saved.rawSupport.data);
    }

    void errorReductionGoesOnFromTheSavedError() {
        const io::SavedResult saved = io::loadSavedResult(path("saved.cxi"));
        Continuation c = continuationOf(saved);
        c.parameters.schedule = Schedule::parse("ER:25");
        c.parameters.shrinkWrap.enabled = false;
        Problem problem = io::loadDiffraction(path("saved.cxi")).problem;
        problem.support = c.support;
        FftwEngine engine(1, FftwEngine::PlanEffort::Estimate);
        const Result r = reconstruct(engine, problem, c.parameters);
        const double last = m_saved.finalErrors[std::size_t(m_saved.bestStart)];
        QVERIFY(last > 0);
        QCOMPARE(r.history.size(), std::size_t(25));
        const double tolerance = 1e-5 * last;
        // The first iteration sees the state the saved run ended in.
        QVERIFY2(std::abs(r.history.front().fourierError - last) <= tolerance,
                 qPrintable(QString("first %1, saved %2").arg(r.history.front().fourierError).arg(last)));
        // Error reduction never raises the error.
        for (std::size_t i = 1; i < r.history.size(); ++i)
            QVERIFY2(r.history[i].fourierError <= r.history[i - 1].fourierError + tolerance,
                     qPrintable(QString("iteration %1").arg(r.history[i].iteration)));
        // The same pixels stay held out: the free error is measured on them.
        QVERIFY(r.freePixels.data == m_saved.freePixels.data);
        QVERIFY(std::isfinite(r.quality.freeError));
    }

    void continuedResultNamesItsSource() {
        const Continuation c = continuationOf(io::loadSavedResult(path("saved.cxi")));
        Parameters params = c.parameters;
        params.schedule = Schedule::parse("ER:3");
        Problem problem = io::loadDiffraction(path("saved.cxi")).problem;
        problem.support = c.support;
        FftwEngine engine(1, FftwEngine::PlanEffort::Estimate);
        const Result r = reconstruct(engine, problem, params);
        const io::Provenance prov{path("saved.cxi"), io::sha256File(path("saved.cxi")), "test", c.source};
        io::writeResultCxi(path("continued.cxi"), r, params, problem, prov);
        const io::SavedResult again = io::loadSavedResult(path("continued.cxi"));
        QCOMPARE(again.continuedFrom, path("saved.cxi"));
        QCOMPARE(again.parameters.starts, 1);
        QVERIFY(again.parameters.guess == InitialGuess::Kind::RandomPhase);
        QVERIFY(std::any_of(again.notices.begin(), again.notices.end(), [](const std::string& n) {
            return n.find("started from an object") != std::string::npos;
        }));
        QVERIFY(again.object.data == r.rawObject.data);
    }

    void bestStartKeepsItsOwnShrinkWrap() {
        io::SavedResult saved;
        saved.path = "by-hand.cxi";
        saved.object = ImageF(Shape{8, 8}, 1.0f);
        saved.iterations = 100;
        saved.parameters.shrinkWrap.enabled = true;
        saved.parameters.shrinkWrap.every = 20;
        saved.parameters.shrinkWrap.threshold = 0.15f;
        saved.parameters.detwinIterations = 30; // updates at 40, 60, 80, 100
        saved.parameters.shrinkWrapStarts = 2;
        saved.parameters.gentleThreshold = 0.02f;
        saved.bestStart = 3; // a gentle start
        Continuation c = continuationOf(saved);
        QVERIFY(c.parameters.shrinkWrap.enabled);
        QCOMPARE(c.parameters.shrinkWrap.threshold, 0.02f);
        QCOMPARE(c.parameters.shrinkWrapStarts, -1);
        QCOMPARE(c.parameters.gentleThreshold, 0.0f);
        QCOMPARE(shrinkWrapUpdates(saved.parameters, saved.iterations), 4);
        saved.bestStart = 1; // a start that wrapped at 0.15
        QCOMPARE(continuationOf(saved).parameters.shrinkWrap.threshold, 0.15f);
        saved.bestStart = 3;
        saved.parameters.gentleThreshold = 0; // the other starts kept their support
        QVERIFY(!continuationOf(saved).parameters.shrinkWrap.enabled);
    }

    void badContinuationsAreRefused() {
        io::SavedResult empty;
        empty.path = "nothing.cxi";
        try {
            continuationOf(empty);
            QFAIL("an empty saved result was continued");
        } catch (const InvalidArgument& e) {
            QVERIFY2(std::string(e.what()).find("nothing.cxi") != std::string::npos, e.what());
        }
        const Continuation c = continuationOf(io::loadSavedResult(path("saved.cxi")));
        FftwEngine engine(1, FftwEngine::PlanEffort::Estimate);
        Problem problem = m_data;
        problem.support = c.support;
        Parameters twoStarts = c.parameters;
        twoStarts.starts = 2;
        QVERIFY_THROWS_EXCEPTION(InvalidArgument, Reconstruction(engine, problem, twoStarts));
        // An object of another shape than the pattern.
        const Simulation other = simulate(randomBlobs(Shape{12, 12}, 3, 5), {});
        Problem small = other.problem;
        small.support = Mask{};
        try {
            Reconstruction rec(engine, small, c.parameters);
            QFAIL("an object of the wrong shape was loaded");
        } catch (const InvalidArgument& e) {
            QVERIFY2(std::string(e.what()).find("initial object") != std::string::npos, e.what());
        }
    }
};

QTEST_GUILESS_MAIN(TestContinuation)
#include "tst_continuation.moc"
