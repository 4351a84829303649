// The workbench's teaching views, on real runs of small simulated patterns
// with the FFTW engine: the starts and PRTF panel, the truth view and the
// step-through view. Runs on a real X display (xvfb-run), like tst_workbench.
#include <phaseforge/analysis.h>
#include <phaseforge/error.h>
#include <phaseforge/fftw_engine.h>
#include <phaseforge/io/write.h>
#include <phaseforge/projections.h>
#include <phaseforge/ui/fourier_estimate.h>
#include <phaseforge/ui/image_tile.h>
#include <phaseforge/ui/image_view.h>
#include <phaseforge/ui/prtf_plot.h>
#include <phaseforge/ui/starts_panel.h>
#include <phaseforge/ui/step_through_panel.h>
#include <phaseforge/ui/truth_panel.h>
#include <phaseforge/ui/workbench_docks.h>

#include "window_helpers.h"

#include <QDockWidget>
#include <QGuiApplication>
#include <QSignalSpy>
#include <QTemporaryDir>

#include <algorithm>
#include <cmath>
#include <complex>
#include <vector>

using namespace pf;
using namespace pf::ui;

namespace {

/// The recipe on a short schedule, then a simulated pattern of `size`².
void openRecipeRun(MainWindow& w, const char* schedule, int starts, int keep, int size) {
    RunSettings s = w.parameterPanel()->settings();
    s.parameters = pf::recipeParameters();
    s.parameters.schedule = pf::Schedule::parse(schedule);
    s.parameters.starts = starts;
    s.parameters.keep = keep;
    s.parameters.detwinIterations = 10;
    s.parameters.shrinkWrapStarts = std::min(s.parameters.shrinkWrapStarts, starts);
    s.parameters.seed = 11;
    w.parameterPanel()->setSettings(s);
    w.openData(builtInSample(size));
}

void showDock(QDockWidget* dock) {
    dock->show();
    dock->raise();
    QTRY_VERIFY_WITH_TIMEOUT(dock->isVisible(), 5000);
}

template <class T> bool sameImage(const pf::Image<T>& a, const pf::Image<T>& b) {
    return a.shape == b.shape && a.data == b.data;
}

/// Largest |a - b| over the largest |b|.
double relativeDifference(const ImageF& a, const ImageF& b) {
    if (a.shape != b.shape)
        return INFINITY;
    double diff = 0, scale = 0;
    for (std::size_t i = 0; i < a.data.size(); ++i) {
        diff = std::max(diff, double(std::abs(a.data[i] - b.data[i])));
        scale = std::max(scale, double(std::abs(b.data[i])));
    }
    return scale > 0 ? diff / scale : diff;
}

/// A dock on its own at a given size, saved into the test output (the
/// pictures in docs/app.md come from here).
void savePicture(QDockWidget* dock, int width, int height, const char* name) {
    dock->setFloating(true);
    dock->resize(width, height);
    QCoreApplication::sendPostedEvents(); // laid out at the new size
    QCoreApplication::processEvents();
    QVERIFY(dock->widget()->grab().save(QDir(outputDir()).filePath(QLatin1String(name))));
}

void waitForPause(MainWindow& w, QSignalSpy& paused, long long iteration) {
    QTRY_VERIFY_WITH_TIMEOUT(!paused.isEmpty() && paused.last().at(0).toLongLong() == iteration,
                             60000);
    QTRY_VERIFY_WITH_TIMEOUT(
        w.controller().lastResult() && w.controller().lastResult()->iterations == iteration, 60000);
}

} // namespace

class TestTeaching : public QObject {
    Q_OBJECT
  private slots:
    void initTestCase();
    void startsPanelShowsEveryStartAndTheKeptOnes();
    void truthErrorIsTheCoreAlignedError();
    void truthPicturesThatCannotBeComparedAreRefused();
    void stepThroughShowsTheCoreProjections();

  private:
    QTemporaryDir m_dir;
};

void TestTeaching::initTestCase() {
    if (QGuiApplication::platformName() != QStringLiteral("xcb"))
        QSKIP("needs an X display with OpenGL: run under xvfb-run with QT_QPA_PLATFORM=xcb");
    QVERIFY(m_dir.isValid());
}

// Four starts, two kept: at a pause mid-run and at the end the panel shows
// four thumbnails (every start's own object), marks exactly the kept ones,
// shows the average, and draws the PRTF with its marker at the result's
// resolution frequency.
void TestTeaching::startsPanelShowsEveryStartAndTheKeptOnes() {
    auto w = makeWindow(m_dir.filePath(QStringLiteral("starts.ini")));
    StartsPanel* panel = w->workbench()->startsPanel();
    showDock(w->workbench()->startsDock());
    openRecipeRun(*w, "HIO:60,ER:20", 4, 2, 64);
    QTRY_COMPARE_WITH_TIMEOUT(panel->startCount(), 4, 20000);
    QVERIFY(!panel->shown());

    QSignalSpy paused(&w->controller(), &RunController::paused);
    QSignalSpy starts(&w->controller(), &RunController::startsReady);
    w->controller().setPauseAt(30);
    w->start();
    waitForPause(*w, paused, 30);
    QTRY_VERIFY_WITH_TIMEOUT(panel->shown() && panel->shown()->result->iterations == 30, 20000);

    // Hidden, the panel is not updated; shown again after the end, it shows
    // the starts the run ended with, without announcing a second end.
    QDockWidget* dock = w->workbench()->startsDock();
    dock->hide();
    QSignalSpy finished(&w->controller(), &RunController::finished);
    QSignalSpy results(&w->controller(), &RunController::resultReady);
    w->togglePause();
    QTRY_VERIFY_WITH_TIMEOUT(!finished.isEmpty(), 120000);
    QTRY_VERIFY_WITH_TIMEOUT(w->controller().mode() == RunGate::Mode::Idle &&
                                 w->controller().lastResult()->iterations == 80,
                             20000);
    QCOMPARE(panel->shown()->result->iterations, 30LL);
    const int resultsAtEnd = results.count();
    showDock(dock);
    QTRY_VERIFY_WITH_TIMEOUT(panel->shown() && panel->shown()->result->iterations == 80, 20000);
    QCOMPARE(results.count(), resultsAtEnd);

    const StartObjects& shown = *panel->shown();
    const pf::Result& r = *shown.result;
    QCOMPARE(panel->startCount(), 4);
    QCOMPARE(int(shown.objects.size()), 4);
    // The recipe keeps at most two here, and only starts that agree with the best.
    QVERIFY(!r.kept.empty() && r.kept.size() <= 2);
    for (int k = 0; k < 4; ++k) {
        const bool kept = std::find(r.kept.begin(), r.kept.end(), k) != r.kept.end();
        QCOMPARE(panel->isKept(k), kept);
        QCOMPARE(panel->startTile(k)->highlight().isValid(), kept);
        QCOMPARE(panel->startTile(k)->caption().contains(QStringLiteral("kept")), kept);
        QCOMPARE(panel->startTile(k)->caption().contains(QStringLiteral("best")), k == r.kept[0]);
        QVERIFY(panel->startTile(k)->image());
        QVERIFY(sameImage(*panel->startTile(k)->image(), shown.objects[std::size_t(k)]));
    }
    // The best start aligned on itself is the result's own raw object, and the
    // thumbnails are four different objects, not one shown four times.
    QVERIFY(sameImage(shown.objects[std::size_t(r.bestStart)], r.rawObject));
    for (int k = 1; k < 4; ++k)
        QVERIFY(!sameImage(shown.objects[0], shown.objects[std::size_t(k)]));
    QVERIFY(panel->averageTile()->image());
    QVERIFY(sameImage(*panel->averageTile()->image(), r.object));

    // The PRTF curve is the result's, and the marker stands at its resolution.
    QCOMPARE(panel->prtfPlot()->resolutionMarker(), r.prtf.resolutionFrequency);
    QList<QPointF> expected;
    for (std::size_t i = 0; i < r.prtf.value.size(); ++i)
        if (std::isfinite(r.prtf.value[i]))
            expected.append({r.prtf.frequency[i], r.prtf.value[i]});
    QVERIFY(expected.size() > 10);
    QCOMPARE(panel->prtfPlot()->points(), expected);
    if (r.prtf.resolutionFrequency < 0.5)
        QVERIFY2(
            panel->resolutionText().contains(QString::number(r.prtf.resolutionFrequency, 'f', 3)),
            qPrintable(panel->resolutionText()));

    // The docs' picture (docs/img/app-starts.png comes from here).
    savePicture(w->workbench()->startsDock(), 420, 560, "tst_teaching-starts.png");

    // Reset: a new run has no starts to show yet.
    w->reset();
    QTRY_VERIFY_WITH_TIMEOUT(!panel->shown(), 20000);
    QCOMPARE(panel->startCount(), 4);
    QVERIFY(!panel->startTile(0)->image());
    QVERIFY(panel->prtfPlot()->points().isEmpty());
    QVERIFY(std::isnan(panel->prtfPlot()->resolutionMarker()));
}

// The truth view compares exactly the object the reconstruction view shows
// and its error is pf::errorAfterAlignment of that object; a truth read from
// a file smaller than the field is centred in it; one larger is refused.
void TestTeaching::truthErrorIsTheCoreAlignedError() {
    auto w = makeWindow(m_dir.filePath(QStringLiteral("truth.ini")));
    WorkbenchDocks* docks = w->workbench();
    TruthPanel* panel = docks->truthPanel();
    openRecipeRun(*w, "HIO:60,ER:20", 2, 1, 64);
    // A simulated pattern brings its own object as the truth.
    const LoadedData sample = builtInSample(64);
    QVERIFY(panel->hasTruth());
    QVERIFY(sameImage(*panel->truth(), *sample.groundTruth));

    // A truth from a file (the object's 40 × 36 box), centred in the field.
    ImageF box({40, 36});
    for (int r = 0; r < 40; ++r)
        for (int c = 0; c < 36; ++c)
            box.at(r, c) = sample.groundTruth->at(12 + r, 14 + c);
    const QString path = m_dir.filePath(QStringLiteral("truth.tiff"));
    pf::io::writeTiff(path.toStdString(), box);
    QVERIFY(docks->loadTruth(path));
    QVERIFY(docks->truthDock()->isVisible());
    const ImageF centred = truthForField(box, {64, 64});
    QVERIFY(sameImage(*panel->truth(), centred));
    QCOMPARE(centred.at(12, 14), box.at(0, 0));
    QCOMPARE(centred.at(12 + 39, 14 + 35), box.at(39, 35));

    // Larger than the field: refused with a message, the truth kept.
    QSignalSpy errors(w.get(), &MainWindow::errorShown);
    const QString large = m_dir.filePath(QStringLiteral("large.tiff"));
    pf::io::writeTiff(large.toStdString(), ImageF({80, 64}, 1.0f));
    QVERIFY(!docks->loadTruth(large));
    QCOMPARE(errors.count(), 1);
    QVERIFY(errors.last().at(0).toString().contains(QStringLiteral("larger")));
    QVERIFY(sameImage(*panel->truth(), centred));

    // Paused mid-run: the compared object is the displayed one.
    QSignalSpy paused(&w->controller(), &RunController::paused);
    w->controller().setPauseAt(40);
    w->start();
    waitForPause(*w, paused, 40);
    QTRY_VERIFY_WITH_TIMEOUT(panel->comparedIteration() == 40 && !panel->busy(), 20000);
    const ImagePtr shown = w->reconstructionView()->currentValues();
    QVERIFY(shown && panel->comparedObject());
    QVERIFY(sameImage(*panel->comparedObject(), *shown));
    const double expected = pf::errorAfterAlignment(*panel->comparedObject(), *panel->truth());
    QCOMPARE(panel->error(), expected);
    QVERIFY(expected > 0 && expected < 1);
    QVERIFY(panel->errorText().contains(QString::number(expected, 'f', 4)));

    // At the end the view shows the recipe's answer: that is what is compared.
    QSignalSpy finished(&w->controller(), &RunController::finished);
    w->togglePause();
    QTRY_VERIFY_WITH_TIMEOUT(!finished.isEmpty(), 120000);
    // The run's last objects may arrive before its result: wait for the result.
    QTRY_VERIFY_WITH_TIMEOUT(w->controller().mode() == RunGate::Mode::Idle &&
                                 w->controller().lastResult()->iterations == 80,
                             20000);
    QTRY_VERIFY_WITH_TIMEOUT(panel->comparedIteration() == 80 && !panel->busy(), 20000);
    const ResultPtr result = w->controller().lastResult();
    QVERIFY(result && result->iterations == 80);
    QVERIFY(sameImage(*panel->comparedObject(), result->object));
    QCOMPARE(panel->error(), pf::errorAfterAlignment(result->object, *panel->truth()));
    savePicture(docks->truthDock(), 480, 300, "tst_teaching-truth.png");
}

// A truth that cannot be compared is refused with a reason, never shown as
// if it could: larger than the field, NaN/Inf, zero everywhere, empty, or
// loaded before any data.
void TestTeaching::truthPicturesThatCannotBeComparedAreRefused() {
    const Shape field{32, 32};
    const auto refuses = [&](const ImageF& picture, const char* reason) {
        try {
            (void)truthForField(picture, field);
        } catch (const pf::InvalidArgument& e) {
            return QString::fromUtf8(e.what()).contains(QLatin1String(reason));
        }
        return false;
    };
    QVERIFY(refuses(ImageF({33, 10}, 1.0f), "larger"));
    ImageF nan({8, 8}, 1.0f);
    nan.at(3, 4) = std::nanf("");
    QVERIFY(refuses(nan, "NaN"));
    QVERIFY(refuses(ImageF({8, 8}, 0.0f), "zero"));
    QVERIFY(refuses(ImageF{}, "empty"));
    // The same size is kept as it is.
    ImageF same(field, 0.5f);
    QVERIFY(sameImage(truthForField(same, field), same));

    auto w = makeWindow(m_dir.filePath(QStringLiteral("refused.ini")));
    const QString path = m_dir.filePath(QStringLiteral("early.tiff"));
    pf::io::writeTiff(path.toStdString(), ImageF({8, 8}, 1.0f));
    QSignalSpy errors(w.get(), &MainWindow::errorShown);
    QVERIFY(!w->workbench()->loadTruth(path));
    QCOMPARE(errors.count(), 1);
    QVERIFY(!w->workbench()->truthPanel()->hasTruth());
    QVERIFY(!w->workbench()->truthDock()->isVisible());
}

// Step by step through detwinning, a shrink-wrap update and the switch from
// HIO to ER, with free pixels held out: each picture is the core projection
// applied by hand to the iterate, and the last one is the iterate the
// engine's next Step makes.
void TestTeaching::stepThroughShowsTheCoreProjections() {
    auto w = makeWindow(m_dir.filePath(QStringLiteral("step.ini")));
    StepThroughPanel* panel = w->workbench()->stepThroughPanel();
    showDock(w->workbench()->stepThroughDock());
    openRecipeRun(*w, "HIO:22,ER:10", 1, 1, 64);
    QSignalSpy stagesSpy(&w->controller(), &RunController::stagesReady);
    QTRY_VERIFY_WITH_TIMEOUT(!stagesSpy.isEmpty(), 20000); // iteration 0: nothing to show
    QVERIFY(!panel->stages());
    QVERIFY(panel->headline().contains(QStringLiteral("Iteration 0")));

    const pf::Parameters params = w->controller().settings().parameters;
    QCOMPARE(params.freeFraction > 0, true);
    QSignalSpy paused(&w->controller(), &RunController::paused);
    StagesPtr previous;
    for (long long n = 1; n <= 24; ++n) {
        w->step();
        waitForPause(*w, paused, n);
        QTRY_VERIFY_WITH_TIMEOUT(panel->stages() && panel->stages()->iteration == n, 20000);
        const StagesPtr stages = panel->stages();
        const IterationStages& s = *stages;
        const pf::Result& r = *w->controller().lastResult();
        const Shape shape = s.iterate.shape;
        const Shape field{64, 64};
        QCOMPARE(shape, field);

        // The iterate and support are the engine's: g under the constraints
        // is the result's raw object, the support its raw support.
        QVERIFY(sameImage(s.support.empty() ? Mask(shape, 1) : s.support, r.rawSupport));
        ImageF object = s.iterate;
        for (std::size_t i = 0; i < object.data.size(); ++i)
            if ((!s.support.empty() && !s.support.data[i]) || object.data[i] < 0)
                object.data[i] = 0;
        QVERIFY(sameImage(object, r.rawObject));
        QCOMPARE(s.step.algorithm, n < 22 ? pf::Algorithm::HIO : pf::Algorithm::ER);
        QCOMPARE(s.step.beta, params.beta);

        // The stages by hand: the engine's problem holds the free pixels out.
        pf::Problem problem = *w->controller().problem();
        QVERIFY(!r.freePixels.empty());
        if (problem.measured.empty())
            problem.measured = Mask(shape, 1);
        for (std::size_t i = 0; i < r.freePixels.data.size(); ++i)
            if (r.freePixels.data[i])
                problem.measured.data[i] = 0;
        pf::FftwTransforms t(shape, 1, pf::FftwEngine::PlanEffort::Estimate);
        std::vector<std::complex<float>> spectrum(shape.halfSize());
        t.forward(s.iterate.data, spectrum);
        QVERIFY(sameImage(s.spectrum, centredMagnitudeOfHalf(spectrum, shape)));
        pf::projectMagnitude(pf::hermitianWeights(problem), spectrum);
        QVERIFY(
            sameImage(s.projected, centredMagnitudeOfHalf(spectrum, shape, float(shape.size()))));
        ImageF output(shape), next(shape);
        t.inverse(spectrum, output.data);
        QVERIFY(sameImage(s.output, output));
        pf::applyObjectConstraint(s.step, s.iterate.data, output.data, s.support.data, next.data);
        QVERIFY(sameImage(s.constrained, next));

        // The pictures shown are these stages, log scale for the spectra.
        QCOMPARE(panel->tile(StepThroughPanel::Iterate)->image().get(), &s.iterate);
        QCOMPARE(panel->tile(StepThroughPanel::Projected)->image().get(), &s.projected);
        QVERIFY(panel->tile(StepThroughPanel::Spectrum)->logScale());
        QCOMPARE(panel->tile(StepThroughPanel::Constrained)->image().get(), &s.constrained);

        // What the last Step's view promised is what the engine made (its own
        // FFT plans may differ from these in the last bits).
        if (previous) {
            const double d = relativeDifference(s.iterate, previous->constrained);
            QVERIFY2(d < 1e-4, qPrintable(QStringLiteral("iteration %1: the engine's iterate "
                                                         "differs by %2 from the view's")
                                              .arg(n)
                                              .arg(d)));
        }
        previous = stages;
    }
    savePicture(w->workbench()->stepThroughDock(), 1000, 260, "tst_teaching-step.png");
    w->stop();
}

int main(int argc, char** argv) {
    // Without an X display the xcb platform cannot start at all; run on the
    // offscreen platform instead, where initTestCase() skips with a message.
    if (qEnvironmentVariableIsEmpty("DISPLAY") &&
        qEnvironmentVariable("QT_QPA_PLATFORM") == QStringLiteral("xcb"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    QApplication app(argc, argv);
    TestTeaching test;
    QTEST_SET_MAIN_SOURCE_PATH
    return QTest::qExec(&test, argc, argv);
}

#include "tst_teaching.moc"
