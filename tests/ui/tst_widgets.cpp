// The main window as a user drives it, on a real X display with OpenGL (run
// under xvfb-run; QOpenGLWidget does not work on the offscreen platform).
#include <phaseforge/ui/app_settings.h>
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
    void settingsSurviveDecimalCommaLocale();
    void failedOpenKeepsData();

private:
    QTemporaryDir m_dir;
};

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
