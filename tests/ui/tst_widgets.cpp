// The main window as a user drives it, on a real X display with OpenGL (run
// under xvfb-run; QOpenGLWidget does not work on the offscreen platform).
#include <phaseforge/io/load.h>
#include <phaseforge/io/write.h>
#include <phaseforge/ui/app_settings.h>
#include <phaseforge/ui/continued_run.h>
#include <phaseforge/ui/error_plot.h>
#include <phaseforge/ui/image_view.h>
#include <phaseforge/ui/log_pane.h>
#include <phaseforge/ui/main_window.h>
#include <phaseforge/ui/parameter_panel.h>

#include "window_helpers.h"

#include <QApplication>
#include <QCheckBox>
#include <QDir>
#include <QDoubleSpinBox>
#include <QFile>
#include <QGuiApplication>
#include <QLineEdit>
#include <QSettings>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <algorithm>
#include <clocale>
#include <cmath>

using namespace pf;
using namespace pf::ui;

namespace {

/// Mean-free spread of the grey levels of an image (0 for a flat one).
double greyVariance(const QImage& image) {
    const QImage grey = image.convertToFormat(QImage::Format_Grayscale8);
    double sum = 0, sum2 = 0;
    const double n = double(grey.width()) * grey.height();
    for (int y = 0; y < grey.height(); ++y) {
        const uchar* line = grey.constScanLine(y);
        for (int x = 0; x < grey.width(); ++x) {
            sum += line[x];
            sum2 += double(line[x]) * line[x];
        }
    }
    return n > 0 ? sum2 / n - (sum / n) * (sum / n) : 0;
}

} // namespace

class TestWidgets : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void sampleRunShowsImageAndErrorFalls();
    void shortcutsStepExactlyAndChangeBeta();
    void supportChangeAppliesWithoutRestart();
    void saveThenReopen();
    void reopenedResultRestoresItsRun();
    void reopenedResultContinuesTheRun();
    void plainPatternAfterAResultOpensAsBefore();
    void resultThatCannotContinueKeepsItsMagnitudes();
    void settingsSurviveDecimalCommaLocale();
    void failedOpenKeepsData();

private:
    /// A short recipe run on a simulated pattern (seed pinned), saved by the
    /// app once for all the tests that reopen it; its result as read back.
    const pf::Result& savedRun();
    /// A fresh window that has opened savedRun()'s file, the schedule field
    /// holding `scheduleBefore` until then.
    std::unique_ptr<MainWindow> reopenSavedRun(const QString& settingsName, const QString& scheduleBefore);

    QTemporaryDir m_dir;
    QString m_savedPath;
    ResultPtr m_savedResult;
};

namespace {
constexpr auto kSavedSchedule = "HIO:40,ER:20";
constexpr std::uint64_t kSavedSeed = 7;

/// The largest absolute difference between two images of one shape.
double maxDifference(const ImageF& a, const ImageF& b) {
    if (!(a.shape == b.shape))
        return INFINITY;
    double d = 0;
    for (std::size_t i = 0; i < a.data.size(); ++i)
        d = std::max(d, double(std::abs(a.data[i] - b.data[i])));
    return d;
}
} // namespace

void TestWidgets::initTestCase() {
    if (QGuiApplication::platformName() != QStringLiteral("xcb"))
        QSKIP("needs an X display with OpenGL: run under xvfb-run with QT_QPA_PLATFORM=xcb");
    QVERIFY(m_dir.isValid());
}

void TestWidgets::sampleRunShowsImageAndErrorFalls() {
    auto w = makeWindow(m_dir.filePath(QStringLiteral("run.ini")));
    QVERIFY(QTest::qWaitForWindowExposed(w.get()));
    openSample(*w);
    QVERIFY(w->controller().hasData());
    typeSchedule(*w, QStringLiteral("HIO:40,ER:10"));
    QSignalSpy finished(&w->controller(), &RunController::finished);
    QSignalSpy drawn(w->reconstructionView(), &ImageView::frameDrawn);
    QTest::keyClick(w.get(), Qt::Key_F5); // Start
    QTRY_VERIFY_WITH_TIMEOUT(!finished.isEmpty(), 120000);
    QCOMPARE(finished.last().at(0).toLongLong(), 50LL);
    QTRY_VERIFY_WITH_TIMEOUT(!drawn.isEmpty(), 10000);
    QTest::qWait(200); // the last frame reaches the screen

    const QImage recon = w->reconstructionView()->grabFramebuffer();
    const QImage diff = w->diffractionView()->grabFramebuffer();
    QVERIFY2(greyVariance(recon) > 100.0,
             qPrintable(QStringLiteral("reconstruction view is flat: variance %1").arg(greyVariance(recon))));
    QVERIFY(greyVariance(diff) > 100.0);

    ErrorPlot* plot = w->errorPlot();
    QCOMPARE(plot->pointCount(), 50);
    QVERIFY2(plot->lastError() < 0.5 * plot->firstError(),
             qPrintable(QStringLiteral("error went from %1 to %2")
                            .arg(plot->firstError()).arg(plot->lastError())));

    QVERIFY(w->grab().save(QDir(outputDir()).filePath(QStringLiteral("tst_widgets-window.png"))));
    QVERIFY(recon.save(QDir(outputDir()).filePath(QStringLiteral("tst_widgets-reconstruction.png"))));
}

void TestWidgets::shortcutsStepExactlyAndChangeBeta() {
    auto w = makeWindow(m_dir.filePath(QStringLiteral("shortcuts.ini")));
    QVERIFY(QTest::qWaitForWindowExposed(w.get()));
    openSample(*w);
    typeSchedule(*w, QStringLiteral("HIO:100000"));
    w->reset();
    QSignalSpy paused(&w->controller(), &RunController::paused);
    QSignalSpy applied(&w->controller(), &RunController::parametersApplied);

    QTest::keyClick(w.get(), Qt::Key_S); // Step from the start: iteration 1, paused
    QTRY_VERIFY_WITH_TIMEOUT(!paused.isEmpty(), 20000);
    QCOMPARE(paused.last().at(0).toLongLong(), 1LL);
    QTest::keyClick(w.get(), Qt::Key_S);
    QTRY_VERIFY_WITH_TIMEOUT(paused.count() >= 2, 20000);
    QCOMPARE(paused.last().at(0).toLongLong(), 2LL);

    QTest::keyClick(w.get(), Qt::Key_Space); // Resume
    QTRY_VERIFY_WITH_TIMEOUT(w->controller().completedIterations() > 5, 20000);
    auto* beta = w->parameterPanel()->findChild<QDoubleSpinBox*>();
    QVERIFY(beta);
    beta->setValue(0.5);
    QTRY_VERIFY_WITH_TIMEOUT(!applied.isEmpty(), 20000);
    QCOMPARE(w->controller().settings().parameters.beta, 0.5f);
    QCOMPARE(w->controller().mode(), RunGate::Mode::Running); // no restart needed

    const int before = paused.count();
    QTest::keyClick(w.get(), Qt::Key_Space); // Pause
    QTRY_VERIFY_WITH_TIMEOUT(paused.count() > before, 20000);
    const long long at = paused.last().at(0).toLongLong();
    QTest::keyClick(w.get(), Qt::Key_S);
    QTRY_VERIFY_WITH_TIMEOUT(paused.count() > before + 1, 20000);
    QCOMPARE(paused.last().at(0).toLongLong(), at + 1);
    w->stop();
}

// Ticking Shrink-wrap while a run goes on reaches the worker without a
// restart: the change is applied at a batch boundary and, after the next
// update, the support in force has shrunk below the data's.
void TestWidgets::supportChangeAppliesWithoutRestart() {
    auto w = makeWindow(m_dir.filePath(QStringLiteral("support.ini")));
    QVERIFY(QTest::qWaitForWindowExposed(w.get()));
    openSample(*w);
    typeSchedule(*w, QStringLiteral("HIO:100000"));
    w->reset();
    QSignalSpy applied(&w->controller(), &RunController::parametersApplied);
    QSignalSpy paused(&w->controller(), &RunController::paused);
    QTest::keyClick(w.get(), Qt::Key_F5); // Start
    QTRY_VERIFY_WITH_TIMEOUT(w->controller().completedIterations() > 5, 20000);
    // The schedule typed above was applied at iteration 0, before the run.
    QCoreApplication::processEvents();
    applied.clear();

    QCheckBox* shrinkWrap = nullptr;
    for (QCheckBox* box : w->parameterPanel()->findChildren<QCheckBox*>())
        if (box->text() == QStringLiteral("Shrink-wrap"))
            shrinkWrap = box;
    // The recipe runs with shrink-wrap on: off first, then on again live.
    QVERIFY(shrinkWrap && shrinkWrap->isChecked());
    shrinkWrap->click();
    QVERIFY(!shrinkWrap->isChecked());
    QTRY_VERIFY_WITH_TIMEOUT(!applied.isEmpty(), 20000);
    QVERIFY(!w->controller().settings().parameters.shrinkWrap.enabled);
    applied.clear();
    shrinkWrap->click(); // as a click on it does (the panel may be scrolled out of view)
    QVERIFY(shrinkWrap->isChecked());
    QTRY_VERIFY_WITH_TIMEOUT(!applied.isEmpty(), 20000);
    const long long at = applied.last().at(0).toLongLong();
    QVERIFY(at > 5);
    const pf::ShrinkWrap& sw = w->controller().settings().parameters.shrinkWrap;
    QVERIFY(sw.enabled);
    QCOMPARE(w->controller().mode(), RunGate::Mode::Running); // no restart needed

    QTRY_VERIFY_WITH_TIMEOUT(w->controller().completedIterations() > at + 2 * sw.every, 30000);
    QTest::keyClick(w.get(), Qt::Key_Space); // Pause
    QTRY_VERIFY_WITH_TIMEOUT(!paused.isEmpty(), 20000);
    const long long stoppedAt = paused.last().at(0).toLongLong();
    QTRY_VERIFY_WITH_TIMEOUT(w->controller().lastResult() &&
                                 w->controller().lastResult()->iterations == stoppedAt,
                             20000);
    const auto countOnes = [](const pf::Mask& m) {
        long long n = 0;
        for (auto v : m.data)
            n += v != 0;
        return n;
    };
    const pf::Problem& problem = *w->controller().problem();
    const long long before = problem.support.empty() ? (long long)problem.shape().size()
                                                     : countOnes(problem.support);
    const long long after = countOnes(w->controller().lastResult()->support);
    QVERIFY2(after > 0 && after < before,
             qPrintable(QStringLiteral("support %1 -> %2 pixels").arg(before).arg(after)));
    w->stop();
}

void TestWidgets::saveThenReopen() {
    auto w = makeWindow(m_dir.filePath(QStringLiteral("save.ini")));
    QVERIFY(QTest::qWaitForWindowExposed(w.get()));
    openSample(*w);
    const ProblemPtr original = w->controller().problem();
    typeSchedule(*w, QStringLiteral("ER:30"));
    QSignalSpy finished(&w->controller(), &RunController::finished);
    w->start();
    QTRY_VERIFY_WITH_TIMEOUT(!finished.isEmpty(), 60000);
    QVERIFY(w->hasUnsavedResult());

    const QString path = m_dir.filePath(QStringLiteral("result.cxi"));
    QSignalSpy saved(w.get(), &MainWindow::saved);
    QSignalSpy errors(w.get(), &MainWindow::errorShown);
    QVERIFY(w->saveResultAs(path));
    QTRY_VERIFY_WITH_TIMEOUT(!saved.isEmpty() || !errors.isEmpty(), 20000);
    QVERIFY2(errors.isEmpty(), qPrintable(errors.isEmpty() ? QString() : errors.first().at(0).toString()));
    QVERIFY(QFile::exists(path));
    QVERIFY(!w->hasUnsavedResult());

    // Reopening the saved file gives back the data it was made from.
    QVERIFY2(w->openFile(path), qPrintable(errors.isEmpty() ? QString() : errors.last().at(0).toString()));
    const ProblemPtr reopened = w->controller().problem();
    QVERIFY(reopened && reopened != original);
    QCOMPARE(reopened->shape(), original->shape());
    double diff = 0, scale = 0;
    for (std::size_t i = 0; i < original->magnitude.data.size(); ++i) {
        diff = std::max(diff, double(std::abs(reopened->magnitude.data[i] - original->magnitude.data[i])));
        scale = std::max(scale, double(original->magnitude.data[i]));
    }
    QVERIFY2(diff <= 1e-4 * scale, qPrintable(QStringLiteral("magnitudes differ by %1 of %2").arg(diff).arg(scale)));
}

const pf::Result& TestWidgets::savedRun() {
    if (m_savedResult)
        return *m_savedResult;
    auto w = makeWindow(m_dir.filePath(QStringLiteral("saved-run.ini")));
    RunSettings settings = w->parameterPanel()->settings();
    settings.parameters.schedule = Schedule::parse(kSavedSchedule);
    settings.parameters.seed = kSavedSeed;
    w->parameterPanel()->setSettings(settings);
    w->openData(builtInSample(64));
    QSignalSpy finished(&w->controller(), &RunController::finished);
    QSignalSpy saved(w.get(), &MainWindow::saved);
    w->start();
    const bool ran = QTest::qWaitFor([&] { return !finished.isEmpty(); }, 120000);
    const QString path = m_dir.filePath(QStringLiteral("continue-me.cxi"));
    const bool written = ran && w->saveResultAs(path) && QTest::qWaitFor([&] { return !saved.isEmpty(); }, 20000);
    m_savedResult = w->controller().lastResult();
    m_savedPath = path;
    // Every test of reopening needs this file: without it none can run.
    if (!written || !m_savedResult || m_savedResult->iterations != 60)
        qFatal("the run to be reopened was not saved at iteration 60");
    return *m_savedResult;
}

std::unique_ptr<MainWindow> TestWidgets::reopenSavedRun(const QString& settingsName,
                                                         const QString& scheduleBefore) {
    savedRun();
    auto w = makeWindow(m_dir.filePath(settingsName));
    typeSchedule(*w, scheduleBefore);
    if (!w->openFile(m_savedPath))
        qFatal("the saved result did not open");
    return w;
}

void TestWidgets::reopenedResultRestoresItsRun() {
    const pf::Result& saved = savedRun();
    auto w = reopenSavedRun(QStringLiteral("restore.ini"), QStringLiteral("ER:7"));
    QVERIFY(w->continuedRun()->continuation());

    // The run is prepared from the saved state: its raw iterate and support.
    const pf::Parameters& run = w->controller().settings().parameters;
    QVERIFY(run.guess == InitialGuess::Kind::Object);
    QVERIFY(run.userObject.data == saved.rawObject.data);
    QCOMPARE(run.starts, 1);
    QVERIFY(w->controller().problem()->support.data == saved.rawSupport.data);

    // The object view shows the saved object, pixel for pixel.
    QTRY_VERIFY_WITH_TIMEOUT(w->reconstructionView()->currentValues() &&
                                 maxDifference(*w->reconstructionView()->currentValues(), saved.rawObject) == 0,
                             20000);
    // The panel shows the saved parameters, not the ones typed before.
    const RunSettings shown = w->parameterPanel()->settings();
    QCOMPARE(QString::fromStdString(shown.parameters.schedule.toString()), QString::fromLatin1(kSavedSchedule));
    QCOMPARE(shown.parameters.seed, kSavedSeed);
    QCOMPARE(shown.parameters.starts, 1);
    // The support overlay shows the saved support (read back from the engine).
    QCheckBox* supportBox = nullptr;
    for (QCheckBox* box : w->findChildren<QCheckBox*>())
        if (box->text() == QStringLiteral("Support"))
            supportBox = box;
    QVERIFY(supportBox);
    supportBox->setChecked(true);
    QTRY_VERIFY_WITH_TIMEOUT(w->reconstructionView()->overlayMask().data == saved.rawSupport.data, 20000);
    // The error plot holds the saved history.
    ErrorPlot* plot = w->errorPlot();
    QCOMPARE(plot->recordCount(), (long long)(saved.history.size()));
    QCOMPARE(plot->firstError(), double(saved.history.front().fourierError));
    QCOMPARE(plot->lastError(), double(saved.history.back().fourierError));
    QTRY_VERIFY_WITH_TIMEOUT(w->logPane()->toPlainText().contains(
                                 QStringLiteral("continuing continue-me.cxi after its 60 iterations")),
                             5000);
}

void TestWidgets::reopenedResultContinuesTheRun() {
    const pf::Result& saved = savedRun();
    auto w = reopenSavedRun(QStringLiteral("continue.ini"), QStringLiteral("HIO:5"));
    typeSchedule(*w, QStringLiteral("ER:5"));
    QSignalSpy metrics(&w->controller(), &RunController::metricsArrived);
    QSignalSpy finished(&w->controller(), &RunController::finished);
    w->start();
    QTRY_VERIFY_WITH_TIMEOUT(!finished.isEmpty(), 60000);
    QCOMPARE(finished.last().at(0).toLongLong(), 5LL);
    QVERIFY(!metrics.isEmpty());
    const pf::MetricsRecord first = metrics.first().at(0).value<MetricsList>().first();
    QCOMPARE(first.iteration, 1LL);
    // The first new iteration starts where the saved run ended: its error is
    // the saved final error's, far below that of a random start (the saved
    // run's own first record).
    const double savedLast = saved.history.back().fourierError;
    const double randomFirst = saved.history.front().fourierError;
    QVERIFY2(std::abs(first.fourierError - savedLast) <= 0.25 * savedLast &&
                 first.fourierError < 0.25 * randomFirst,
             qPrintable(QStringLiteral("first new error %1, saved final %2, random start %3")
                            .arg(first.fourierError).arg(savedLast).arg(randomFirst)));
    // The plot draws the new iterations after the saved ones.
    QTRY_COMPARE_WITH_TIMEOUT(w->errorPlot()->recordCount(), (long long)(saved.history.size() + 5), 5000);
}

void TestWidgets::plainPatternAfterAResultOpensAsBefore() {
    const pf::Result& saved = savedRun();
    auto w = reopenSavedRun(QStringLiteral("plain.ini"), QStringLiteral("ER:7"));
    QVERIFY(w->continuedRun()->continuation());
    // A pattern file (the saved run's own magnitudes, written as a pattern).
    const QString pattern = m_dir.filePath(QStringLiteral("plain-pattern.cxi"));
    const pf::Problem data = *w->controller().problem();
    pf::io::writePatternCxi(pattern.toStdString(), data.magnitude, data.measured);
    QVERIFY(w->openFile(pattern));
    QVERIFY(!w->continuedRun()->continuation());
    const pf::Parameters& run = w->controller().settings().parameters;
    QVERIFY(run.guess == InitialGuess::Kind::RandomPhase);
    QVERIFY(run.userObject.empty());
    QVERIFY(w->controller().problem()->support.data != saved.rawSupport.data);
    const double largest = *std::max_element(data.magnitude.data.begin(), data.magnitude.data.end());
    QVERIFY(maxDifference(w->controller().problem()->magnitude, data.magnitude) <= 1e-4 * largest);
    // The panel has the settings from before the saved result again, and
    // the plot no saved history.
    const RunSettings shown = w->parameterPanel()->settings();
    QCOMPARE(QString::fromStdString(shown.parameters.schedule.toString()), QStringLiteral("ER:7"));
    QCOMPARE(QString::fromStdString(run.schedule.toString()), QStringLiteral("ER:7"));
    QCOMPARE(w->errorPlot()->recordCount(), 0LL);
}

void TestWidgets::resultThatCannotContinueKeepsItsMagnitudes() {
    pf::Result broken = savedRun();
    broken.rawObject.data[5] = NAN; // a continued run cannot start from it
    const QString path = m_dir.filePath(QStringLiteral("broken.cxi"));
    const pf::Problem original = *builtInSample(64).problem; // the saved run's data
    pf::io::writeResultCxi(path.toStdString(), broken, pf::recipeParameters(), original, {});
    auto w = makeWindow(m_dir.filePath(QStringLiteral("broken.ini")));
    QSignalSpy errors(w.get(), &MainWindow::errorShown);
    QVERIFY(w->openFile(path));
    QVERIFY(!w->continuedRun()->continuation());
    QVERIFY(errors.isEmpty()); // one log line, no dialog
    QVERIFY(maxDifference(w->controller().problem()->magnitude, original.magnitude) == 0);
    QVERIFY(w->controller().settings().parameters.guess == InitialGuess::Kind::RandomPhase);
    QTRY_VERIFY_WITH_TIMEOUT(w->logPane()->toPlainText().contains(
                                 QStringLiteral("broken.cxi: its magnitudes are open, but the run cannot continue")),
                             5000);
}

void TestWidgets::settingsSurviveDecimalCommaLocale() {
    const QLocale previous;
    QLocale::setDefault(QLocale(QLocale::German, QLocale::Germany));
    // Where the C library has a decimal-comma locale, use it too.
    const std::string cLocale = std::setlocale(LC_NUMERIC, nullptr);
    const bool cComma = std::setlocale(LC_NUMERIC, "de_DE.UTF-8") != nullptr;
    const QString file = m_dir.filePath(QStringLiteral("locale.ini"));
    {
        auto w = makeWindow(file);
        RunSettings s = w->parameterPanel()->settings();
        s.parameters.beta = 0.35f;
        s.parameters.autocorrelationThreshold = 0.125f;
        s.parameters.shrinkWrap.sigmaStart = 2.5f;
        s.parameters.schedule = Schedule::parse("HIO:120,ER:30");
        w->parameterPanel()->setSettings(s);
        QVERIFY(w->close());
    }
    QFile ini(file);
    QVERIFY(ini.open(QIODevice::ReadOnly));
    const QByteArray text = ini.readAll();
    QVERIFY2(text.contains("beta=0.34999999403953552") || text.contains("beta=0.35"), text.constData());
    QVERIFY(!text.contains("0,35"));
    {
        auto w = makeWindow(file);
        const RunSettings s = w->parameterPanel()->settings();
        QCOMPARE(s.parameters.beta, 0.35f);
        QCOMPARE(s.parameters.autocorrelationThreshold, 0.125f);
        QCOMPARE(s.parameters.shrinkWrap.sigmaStart, 2.5f);
        QCOMPARE(QString::fromStdString(s.parameters.schedule.toString()), QStringLiteral("HIO:120,ER:30"));
    }
    // A hand-edited value with a decimal comma is read, not dropped.
    QCOMPARE(parseNumber(QStringLiteral("0,75"), 0.0), 0.75);
    std::setlocale(LC_NUMERIC, cLocale.c_str());
    QLocale::setDefault(previous);
    if (!cComma)
        qInfo("the C library has no de_DE.UTF-8 locale here; Qt's German locale was used");
}

void TestWidgets::failedOpenKeepsData() {
    auto w = makeWindow(m_dir.filePath(QStringLiteral("fail.ini")));
    openSample(*w);
    const ProblemPtr before = w->controller().problem();
    QSignalSpy errors(w.get(), &MainWindow::errorShown);
    const QString missing = m_dir.filePath(QStringLiteral("no-such-file.cxi"));
    QVERIFY(!w->openFile(missing));
    QCOMPARE(errors.count(), 1);
    QVERIFY(errors.first().at(0).toString().contains(QStringLiteral("no-such-file.cxi")));
    QCOMPARE(w->controller().problem(), before);
    // The same line reaches the log pane (pf::log from the GUI thread, queued).
    QTRY_VERIFY_WITH_TIMEOUT(w->logPane()->toPlainText().contains(QStringLiteral("no-such-file.cxi")), 5000);

    // A file that is not diffraction data at all.
    const QString junk = m_dir.filePath(QStringLiteral("junk.npy"));
    QFile f(junk);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write("this is not a numpy file");
    f.close();
    QVERIFY(!w->openFile(junk));
    QCOMPARE(errors.count(), 2);
    QVERIFY(errors.last().at(0).toString().contains(QStringLiteral("junk.npy")));
    QCOMPARE(w->controller().problem(), before);
}

int main(int argc, char** argv) {
    // Without an X display the xcb platform cannot start at all; run on the
    // offscreen platform instead, where initTestCase() skips with a message.
    if (qEnvironmentVariableIsEmpty("DISPLAY") &&
        qEnvironmentVariable("QT_QPA_PLATFORM") == QStringLiteral("xcb"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    QApplication app(argc, argv);
    TestWidgets test;
    QTEST_SET_MAIN_SOURCE_PATH
    return QTest::qExec(&test, argc, argv);
}

#include "tst_widgets.moc"
