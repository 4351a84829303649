// Invalid input gets a clear exception that names the problem.
#include "reference.h"

#include <phaseforge/engine_factory.h>
#include <phaseforge/error.h>
#include <phaseforge/fftw_engine.h>
#include <phaseforge/reconstruction.h>

#include <QtTest>

#include <cmath>
#include <limits>

namespace {

pf::Problem validProblem() {
    pf::Problem p;
    p.magnitude = pftest::randomMagnitude({16, 12}, 7);
    return p;
}

// Runs f and checks it throws an InvalidArgument whose message contains `words`.
template <class F> void expectInvalid(F&& f, const char* words) {
    try {
        f();
    } catch (const pf::InvalidArgument& e) {
        QVERIFY2(QString(e.what()).contains(words), e.what());
        return;
    }
    QFAIL(qPrintable(QString("expected an error containing '%1'").arg(words)));
}

} // namespace

class TestValidation : public QObject {
    Q_OBJECT

private slots:
    void nanMagnitude() {
        auto p = validProblem();
        p.magnitude.at(3, 4) = std::numeric_limits<float>::quiet_NaN();
        expectInvalid([&] { p.validate(); }, "non-finite value (NaN or Inf) at pixel (3, 4)");
        p.magnitude.at(3, 4) = std::numeric_limits<float>::infinity();
        expectInvalid([&] { p.validate(); }, "non-finite");
        // Unmeasured pixels may hold anything.
        p.measured = pf::Mask(p.shape(), 1);
        p.measured.at(3, 4) = 0;
        p.validate();
    }
    void negativeMagnitude() {
        auto p = validProblem();
        p.magnitude.at(0, 1) = -0.5f;
        expectInvalid([&] { p.validate(); }, "negative value");
    }
    void wrongShapes() {
        auto p = validProblem();
        p.support = pf::Mask({12, 16}, 1);
        expectInvalid([&] { p.validate(); }, "support: shape 12 x 16 differs");
        p.support = {};
        p.measured = pf::Mask({16, 11}, 1);
        expectInvalid([&] { p.validate(); }, "mask: shape 16 x 11 differs");
        pf::FftwEngine engine(1, pf::FftwEngine::PlanEffort::Estimate);
        auto ok = validProblem();
        const auto guess = pf::InitialGuess::random(1);
        engine.load(ok, {&guess, 1});
        expectInvalid([&] { engine.setSupport(pf::Mask({3, 3}, 1)); }, "support: shape 3 x 3");
        const auto badPhase = pf::InitialGuess::user(pf::ImageF({2, 2}));
        expectInvalid([&] { engine.load(ok, {&badPhase, 1}); }, "initial phase: shape 2 x 2");
    }
    void emptyImage() {
        pf::Problem p;
        expectInvalid([&] { p.validate(); }, "magnitude: the image is empty");
        pf::FftwEngine engine(1);
        const auto guess = pf::InitialGuess::random(1);
        expectInvalid([&] { engine.load(p, {&guess, 1}); }, "empty");
    }
    void emptySupportAndNothingMeasured() {
        auto p = validProblem();
        p.support = pf::Mask(p.shape(), 0);
        expectInvalid([&] { p.validate(); }, "support: it is empty");
        p.support = {};
        p.measured = pf::Mask(p.shape(), 0);
        expectInvalid([&] { p.validate(); }, "no pixel is marked as measured");
    }
    void betaOutOfRange() {
        for (double beta : {0.0, -0.5, 1.01, 2.0, std::nan("")})
            expectInvalid([&] { pf::checkBeta(beta); }, "outside the allowed range 0 < beta <= 1");
        pf::checkBeta(1.0);
        pf::checkBeta(0.01);
        pf::FftwEngine engine(1, pf::FftwEngine::PlanEffort::Estimate);
        auto p = validProblem();
        const auto guess = pf::InitialGuess::random(1);
        engine.load(p, {&guess, 1});
        expectInvalid([&] { engine.iterate({pf::Algorithm::HIO, 0.0f}, 1); }, "beta");
        expectInvalid([&] { engine.iterate({pf::Algorithm::RAAR, 1.5f}, 1); }, "beta");
        QCOMPARE(engine.iteration(), 0LL); // nothing ran
        pf::Parameters params;
        params.beta = 3;
        expectInvalid([&] { params.validate(); }, "beta");
    }
    void malformedSchedule() {
        expectInvalid([] { pf::Schedule::parse("HIO:10,,ER:5"); }, "column 8");
    }
    void badParameters() {
        pf::Parameters params;
        params.starts = 0;
        expectInvalid([&] { params.validate(); }, "starts");
        params = {};
        params.shrinkWrap.enabled = true;
        params.shrinkWrap.threshold = 1.5f;
        expectInvalid([&] { params.validate(); }, "shrink-wrap: threshold");
        params = {};
        params.metricsEvery = 0;
        expectInvalid([&] { params.validate(); }, "metrics interval");
    }
    void engineChoice() {
        QCOMPARE(pf::parseEngineKind("cpu"), pf::EngineKind::Cpu);
        QCOMPARE(pf::parseEngineKind("auto"), pf::EngineKind::Auto);
        expectInvalid([] { pf::parseEngineKind("quantum"); }, "engine: 'quantum'");
        // Auto always gives a working engine, on any machine.
        auto engine = pf::makeEngine({pf::EngineKind::Auto, 1});
        QVERIFY(engine != nullptr);
        QVERIFY(!engine->info().name.empty());
    }
};

QTEST_GUILESS_MAIN(TestValidation)
#include "tst_validation.moc"
