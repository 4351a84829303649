// The app as a workbench for long sessions: a plot that stays cheap however
// long the run, no lost work, Save that pauses first, keys that do not eat
// text, a state that can be read, and a window that fits its screen. Runs on
// a real X display (xvfb-run), like tst_widgets.
#include <phaseforge/fftw_engine.h>
#include <phaseforge/ui/error_plot.h>
#include <phaseforge/ui/image_view.h>
#include <phaseforge/ui/log_pane.h>
#include <phaseforge/ui/tool_tips.h>

#include "handshake_engine.h"
#include "reference.h"
#include "window_helpers.h"

#include <QAbstractButton>
#include <QAction>
#include <QApplication>
#include <QCheckBox>
#include <QSpinBox>
#include <QFileDialog>
#include <QGuiApplication>
#include <QLabel>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QScreen>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTextBlock>
#include <QTimer>
#include <QToolTip>

#include <cmath>

using namespace pf;
using namespace pf::ui;

namespace {

/// Answers the next question about an unsaved result with `button`, from the
/// question's own event loop.
void answerNextQuestion(MainWindow& w, QMessageBox::StandardButton button, int* asked) {
    QObject::connect(
        &w, &MainWindow::questionShown, &w,
        [button, asked](QMessageBox* box) {
            ++*asked;
            QMetaObject::invokeMethod(box, [box, button] { box->button(button)->click(); },
                                      Qt::QueuedConnection);
        },
        Qt::SingleShotConnection);
}

MetricsRecord record(long long iteration, double error, int start = 0) {
    MetricsRecord r;
    r.iteration = iteration;
    r.start = start;
    r.fourierError = float(error);
    return r;
}

QLabel* statusLabel(MainWindow& w, const char* name) {
    return w.findChild<QLabel*>(QLatin1String(name));
}

QAction* actionNamed(MainWindow& w, const QString& text) {
    for (QAction* a : w.findChildren<QAction*>())
        if (a->text().remove(QLatin1Char('&')) == text)
            return a;
    return nullptr;
}

/// Finishes a short run on the open data: the result is then unsaved.
void finishShortRun(MainWindow& w) {
    typeSchedule(w, QStringLiteral("ER:20"));
    QSignalSpy finished(&w.controller(), &RunController::finished);
    w.start();
    QTRY_VERIFY_WITH_TIMEOUT(!finished.isEmpty(), 60000);
    QVERIFY(w.hasUnsavedResult());
}

} // namespace

class TestWorkbench : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void longRunPlotStaysBounded();
    void saveDuringRunPausesFirst();
    void openingOverUnsavedResultAsks();
    void closingOverUnsavedResultAsks();
    void spaceAndSLeaveTextFieldsAlone();
    void stateIsReadable();
    void toolTipsAndLogLinesWrap();
    void defaultWindowFitsTheScreen();
    void fourierEstimateIsTheObjectsTransform();
    // Plots on their own come after the windows: Qt Charts 6.4 keeps a static
    // text item whose font engine, when a chart was laid out before any GL
    // view drew text, is released after QApplication at exit and crashes there.
    void plotHoldsBoundedPointsAndKeepsExtremes();
    void plotDrawsOncePerRefresh();
    void plotAxesAreReadable();

private:
    QTemporaryDir m_dir;
};

void TestWorkbench::initTestCase() {
    if (QGuiApplication::platformName() != QStringLiteral("xcb"))
        QSKIP("needs an X display with OpenGL: run under xvfb-run with QT_QPA_PLATFORM=xcb");
    QVERIFY(m_dir.isValid());
}

// A million iterations, two starts: the plotted lines stay within a bound set
// by the plot's width, and the largest and smallest errors are still drawn.
void TestWorkbench::plotHoldsBoundedPointsAndKeepsExtremes() {
    ErrorPlot plot;
    plot.resize(800, 300);
    constexpr long long kRun = 1'000'000;
    constexpr long long kSpikeAt = 777'777, kDipAt = 123'457;
    plot.reset(kRun);
    const auto error = [](long long i) { return 0.5 / std::sqrt(double(i)); };
    double lastValue = 0;
    for (long long first = 1; first <= kRun; first += 5000) {
        MetricsList batch;
        for (long long i = first; i < first + 5000; ++i) {
            double e = error(i);
            if (i == kSpikeAt)
                e = 5.0;
            if (i == kDipAt)
                e = 1e-9;
            batch.append(record(i, e, 0));
            batch.append(record(i, 2 * error(i), 1));
            lastValue = e;
        }
        plot.append(batch);
        if (first % 100'000 == 1) {
            QVERIFY(plot.pointCount(0) <= plot.maxPointCount());
            QVERIFY(plot.pointCount(1) <= plot.maxPointCount());
        }
    }
    QCOMPARE(plot.recordCount(0), kRun);
    QCOMPARE(plot.recordCount(1), kRun);
    QVERIFY2(plot.pointCount(0) <= plot.maxPointCount(),
             qPrintable(QStringLiteral("%1 points").arg(plot.pointCount(0))));
    QVERIFY(plot.pointCount(0) >= 100); // still a curve, not a few dots
    QVERIFY(plot.pointCount(1) <= plot.maxPointCount());
    QCOMPARE(float(plot.plottedMaximum(0)), 5.0f);
    QCOMPARE(float(plot.plottedMinimum(0)), 1e-9f);
    QCOMPARE(float(plot.lastError(0)), float(lastValue));
    QCOMPARE(float(plot.firstError(1)), float(2 * error(1)));
}

// Records that arrive between two refreshes are drawn together, once.
void TestWorkbench::plotDrawsOncePerRefresh() {
    ErrorPlot plot;
    plot.reset(100'000);
    QSignalSpy refreshed(&plot, &ErrorPlot::refreshed);
    for (long long b = 0; b < 100; ++b) {
        MetricsList batch;
        for (long long i = 1; i <= 1000; ++i)
            batch.append(record(b * 1000 + i, 1.0 / double(b * 1000 + i)));
        plot.append(batch); // no event processed in between: nothing drawn yet
    }
    QCOMPARE(refreshed.count(), 0);
    QTRY_COMPARE_WITH_TIMEOUT(refreshed.count(), 1, 10000);
    QCOMPARE(plot.recordCount(), 100'000LL);
    QVERIFY(plot.pointCount() <= plot.maxPointCount());
}

void TestWorkbench::plotAxesAreReadable() {
    // Round x ticks whatever the schedule's length.
    for (const auto& [span, step] : std::vector<std::pair<double, double>>{
             {250, 50}, {22000, 5000}, {1'000'000, 200'000}, {1500, 500}, {10, 2}, {50, 10}}) {
        QCOMPARE(roundTickStep(span, 6), step);
    }
    QCOMPARE(decadeLabel(-3), QStringLiteral("10⁻³"));
    QCOMPARE(decadeLabel(0), QStringLiteral("1"));
    QCOMPARE(decadeLabel(12), QStringLiteral("10¹²"));

    // Errors over twelve decades, in a tall and in a short plot: a few
    // distinct decade labels, each with room for itself (Qt Charts elides a
    // label taller than its share of the axis).
    ErrorPlot plot;
    plot.show();
    MetricsList records;
    for (long long i = 1; i <= 22000; ++i)
        records.append(record(i, std::pow(10.0, -12.0 * double(i) / 22000.0)));
    for (const int height : {400, 220, 130}) {
        plot.resize(600, height);
        plot.reset(22000);
        plot.append(records);
        plot.flush();
        QTRY_VERIFY_WITH_TIMEOUT(plot.yAxisHeight() < height, 5000); // laid out
        const QStringList labels = plot.yAxisLabels();
        QVERIFY2(labels.size() >= 2 && labels.size() <= 7, qPrintable(labels.join(QLatin1Char(' '))));
        QCOMPARE(QSet<QString>(labels.begin(), labels.end()).size(), labels.size());
        for (const QString& l : labels)
            QVERIFY2(l.startsWith(QStringLiteral("10")) || l == QStringLiteral("1"), qPrintable(l));
        // Qt Charts gives each label the axis height over the categories
        // (labels + 1), less some padding.
        const double share = plot.yAxisHeight() / double(labels.size() + 1);
        QVERIFY2(share >= 1.4 * plot.yLabelHeight(),
                 qPrintable(QStringLiteral("%1 labels on %2 px, each %3 px tall")
                                .arg(labels.size()).arg(plot.yAxisHeight()).arg(plot.yLabelHeight())));
        QCOMPARE(plot.xTickInterval(), 5000.0);
        QVERIFY(plot.grab().save(
            QDir(outputDir()).filePath(QStringLiteral("tst_workbench-plot-%1.png").arg(height))));
    }
    plot.resize(600, 220);
    QTRY_VERIFY_WITH_TIMEOUT(plot.yAxisHeight() < 220, 5000);
    QVERIFY(plot.grab().save(QDir(outputDir()).filePath(QStringLiteral("tst_workbench-plot.png"))));
}

// A long run through the real worker: every record reaches the plot, which
// still holds a bounded number of points.
void TestWorkbench::longRunPlotStaysBounded() {
    auto w = makeWindow(m_dir.filePath(QStringLiteral("long.ini")));
    w->openData(builtInSample(32));
    typeSchedule(*w, QStringLiteral("ER:30000"));
    QSignalSpy finished(&w->controller(), &RunController::finished);
    w->start();
    QTRY_VERIFY_WITH_TIMEOUT(!finished.isEmpty(), 120000);
    QCOMPARE(finished.last().at(0).toLongLong(), 30000LL);
    QTRY_COMPARE_WITH_TIMEOUT(w->errorPlot()->recordCount(), 30000LL, 10000);
    QVERIFY(w->errorPlot()->pointCount() <= w->errorPlot()->maxPointCount());
    QVERIFY(w->errorPlot()->pointCount() < 30000);
}

// Save while running: the run is paused first, and the file holds the
// iterate it was paused at; the run stays paused.
void TestWorkbench::saveDuringRunPausesFirst() {
    auto channel = std::make_shared<HandshakeEngine::Channel>();
    auto w = makeWindow(m_dir.filePath(QStringLiteral("savepause.ini")), true, [channel](EngineKind) {
        return std::make_unique<HandshakeEngine>(
            std::make_unique<FftwEngine>(1, FftwEngine::PlanEffort::Estimate), channel);
    });
    w->openData(builtInSample(64));
    typeSchedule(*w, QStringLiteral("HIO:1000000"));
    w->reset();
    QSignalSpy paused(&w->controller(), &RunController::paused);
    QSignalSpy saved(w.get(), &MainWindow::saved);
    channel->armed = true;
    w->start();
    QVERIFY(channel->batchDone.tryAcquire(1, 30000)); // a batch is in the engine
    const QString path = m_dir.filePath(QStringLiteral("paused.cxi"));
    QVERIFY(w->saveResultAs(path));
    QCOMPARE(w->controller().mode(), RunGate::Mode::Paused); // before anything is written
    QVERIFY(saved.isEmpty());
    channel->goOn.release();
    QTRY_VERIFY_WITH_TIMEOUT(!saved.isEmpty(), 30000);
    QCOMPARE(paused.count(), 1);
    const long long at = paused.last().at(0).toLongLong();
    QVERIFY(at > 0 && at < 1'000'000);
    QCOMPARE(w->savedIteration(), at);
    QCOMPARE(w->controller().mode(), RunGate::Mode::Paused);
    QCOMPARE(w->controller().completedIterations(), at);
    QVERIFY(!w->hasUnsavedResult());

    // Save under a new name from the menu: paused while the file dialog is
    // open, running again when it is cancelled.
    w->togglePause();
    QTRY_COMPARE_WITH_TIMEOUT(w->controller().mode(), RunGate::Mode::Running, 10000);
    int dialogs = 0;
    RunGate::Mode modeInDialog = RunGate::Mode::Running;
    QTimer poll;
    connect(&poll, &QTimer::timeout, this, [&] {
        if (auto* dialog = qobject_cast<QFileDialog*>(QApplication::activeModalWidget())) {
            ++dialogs;
            modeInDialog = w->controller().mode();
            poll.stop();
            dialog->reject();
        }
    });
    poll.start(10);
    QAction* saveAs = actionNamed(*w, QStringLiteral("Save As…"));
    QVERIFY(saveAs);
    saveAs->trigger();
    QCOMPARE(dialogs, 1);
    QCOMPARE(modeInDialog, RunGate::Mode::Paused);
    QCOMPARE(w->controller().mode(), RunGate::Mode::Running);
    w->stop();
}

void TestWorkbench::openingOverUnsavedResultAsks() {
    auto w = makeWindow(m_dir.filePath(QStringLiteral("ask.ini")));
    w->setAskBeforeDiscarding(true);
    w->openData(builtInSample(64));
    finishShortRun(*w);
    const ProblemPtr first = w->controller().problem();
    const QStringList samples = sampleFiles();
    const QString other = samples.isEmpty() ? QString() : samples.first();
    if (other.isEmpty())
        QSKIP("no bundled sample to open");

    // Cancel: nothing changes.
    int asked = 0;
    answerNextQuestion(*w, QMessageBox::Cancel, &asked);
    QVERIFY(!w->openFile(other));
    QCOMPARE(asked, 1);
    QCOMPARE(w->controller().problem(), first);
    QVERIFY(w->hasUnsavedResult());

    // A simulated sample from the menu asks too.
    QAction* blobs = actionNamed(*w, QStringLiteral("Simulated blobs, 256×256"));
    QVERIFY(blobs);
    answerNextQuestion(*w, QMessageBox::Cancel, &asked);
    blobs->trigger();
    QCOMPARE(asked, 2);
    QCOMPARE(w->controller().problem(), first);

    // Save (to the file it was saved to before): written, then opened.
    const QString path = m_dir.filePath(QStringLiteral("ask.cxi"));
    QSignalSpy saved(w.get(), &MainWindow::saved);
    QVERIFY(w->saveResultAs(path));
    QTRY_COMPARE_WITH_TIMEOUT(saved.count(), 1, 20000);
    typeSchedule(*w, QStringLiteral("ER:40")); // 20 more iterations: unsaved again
    QSignalSpy finished(&w->controller(), &RunController::finished);
    w->start();
    QTRY_VERIFY_WITH_TIMEOUT(!finished.isEmpty(), 60000);
    QVERIFY(w->hasUnsavedResult());
    long long savedAt = -1;
    connect(w.get(), &MainWindow::saved, this, [&w, &savedAt] { savedAt = w->savedIteration(); },
            Qt::SingleShotConnection);
    answerNextQuestion(*w, QMessageBox::Save, &asked);
    w->openFile(other);
    QCOMPARE(asked, 3);
    QTRY_COMPARE_WITH_TIMEOUT(saved.count(), 2, 20000);
    QCOMPARE(savedAt, 40LL);
    QTRY_VERIFY_WITH_TIMEOUT(w->controller().problem() != first, 20000);
    const ProblemPtr second = w->controller().problem();

    // Discard: opened at once. Nothing unsaved: no question.
    finishShortRun(*w);
    answerNextQuestion(*w, QMessageBox::Discard, &asked);
    QVERIFY(w->openFile(other));
    QCOMPARE(asked, 4);
    QVERIFY(w->controller().problem() != second);
    QVERIFY(!w->hasUnsavedResult());
    QVERIFY(w->openFile(other));
    QCOMPARE(asked, 4);
}

// Closing asks as opening does: Cancel keeps the window, Save writes the file
// and then closes, Discard closes.
void TestWorkbench::closingOverUnsavedResultAsks() {
    for (const auto answer : {QMessageBox::Cancel, QMessageBox::Save, QMessageBox::Discard}) {
        auto w = makeWindow(m_dir.filePath(QStringLiteral("close.ini")));
        w->setAskBeforeDiscarding(true);
        w->openData(builtInSample(64));
        finishShortRun(*w);
        const QString path = m_dir.filePath(QStringLiteral("close-%1.cxi").arg(int(answer)));
        if (answer == QMessageBox::Save) {
            // Saved once, so Save needs no file dialog; then 20 more iterations.
            QSignalSpy saved(w.get(), &MainWindow::saved);
            QVERIFY(w->saveResultAs(path));
            QTRY_COMPARE_WITH_TIMEOUT(saved.count(), 1, 20000);
            typeSchedule(*w, QStringLiteral("ER:40"));
            QSignalSpy finished(&w->controller(), &RunController::finished);
            w->start();
            QTRY_VERIFY_WITH_TIMEOUT(!finished.isEmpty(), 60000);
            QVERIFY(w->hasUnsavedResult());
        }
        int asked = 0;
        answerNextQuestion(*w, answer, &asked);
        QSignalSpy saved(w.get(), &MainWindow::saved);
        w->close();
        QCOMPARE(asked, 1);
        if (answer == QMessageBox::Cancel) {
            QVERIFY(w->isVisible());
            QVERIFY(w->hasUnsavedResult());
            continue;
        }
        QTRY_VERIFY_WITH_TIMEOUT(!w->isVisible(), 20000);
        QCOMPARE(saved.count(), answer == QMessageBox::Save ? 1 : 0);
        if (answer == QMessageBox::Save)
            QCOMPARE(w->savedIteration(), 40LL);
    }
}

void TestWorkbench::spaceAndSLeaveTextFieldsAlone() {
    auto w = makeWindow(m_dir.filePath(QStringLiteral("keys.ini")));
    w->openData(builtInSample(64));
    typeSchedule(*w, QStringLiteral("HIO:1000000"));
    w->reset();
    QSignalSpy paused(&w->controller(), &RunController::paused);
    auto* schedule = w->parameterPanel()->findChild<QLineEdit*>();
    schedule->setFocus();
    QTRY_VERIFY(schedule->hasFocus());

    // In a text field S and Space are text.
    QTest::keyClick(schedule, Qt::Key_End);
    QTest::keyClick(schedule, Qt::Key_S);
    QTest::keyClick(schedule, Qt::Key_Space);
    QCOMPARE(schedule->text(), QStringLiteral("HIO:1000000s "));
    QCOMPARE(w->controller().mode(), RunGate::Mode::Idle);
    QCOMPARE(w->controller().completedIterations(), 0LL);
    QTest::keyClick(schedule, Qt::Key_Backspace);
    QTest::keyClick(schedule, Qt::Key_Backspace);
    // The non-printing keys act there: F10 steps.
    QTest::keyClick(schedule, Qt::Key_F10);
    QTRY_COMPARE_WITH_TIMEOUT(paused.count(), 1, 20000);
    QCOMPARE(paused.last().at(0).toLongLong(), 1LL);
    QCOMPARE(schedule->text(), QStringLiteral("HIO:1000000"));

    // On a check box, Space runs instead of ticking it; S steps.
    QCheckBox* log = nullptr;
    for (QCheckBox* box : w->findChildren<QCheckBox*>())
        if (box->text() == QStringLiteral("Log"))
            log = box;
    QVERIFY(log);
    const bool logWas = log->isChecked();
    log->setFocus();
    QTRY_VERIFY(log->hasFocus());
    QTest::keyClick(log, Qt::Key_S);
    QTRY_COMPARE_WITH_TIMEOUT(paused.count(), 2, 20000);
    QCOMPARE(paused.last().at(0).toLongLong(), 2LL);
    QTest::keyClick(log, Qt::Key_Space); // resume
    QCOMPARE(w->controller().mode(), RunGate::Mode::Running);
    QTest::keyClick(log, Qt::Key_Space); // pause
    QCOMPARE(w->controller().mode(), RunGate::Mode::Paused);
    QCOMPARE(log->isChecked(), logWas);

    // Space starts an idle run.
    w->stop();
    QTRY_COMPARE_WITH_TIMEOUT(w->controller().mode(), RunGate::Mode::Idle, 20000);
    QTest::keyClick(log, Qt::Key_Space);
    QCOMPARE(w->controller().mode(), RunGate::Mode::Running);
    QCOMPARE(log->isChecked(), logWas);
    w->stop();
}

void TestWorkbench::stateIsReadable() {
    auto w = makeWindow(m_dir.filePath(QStringLiteral("state.ini")));
    w->openData(builtInSample(64));
    typeSchedule(*w, QStringLiteral("HIO:1000000"));
    w->reset();
    QAction* start = actionNamed(*w, QStringLiteral("Start"));
    QAction* pause = actionNamed(*w, QStringLiteral("Pause"));
    QVERIFY(start && pause);
    QLabel* state = statusLabel(*w, "runState");
    QLabel* rate = statusLabel(*w, "rate");
    QVERIFY(state && rate);
    QVERIFY(start->isEnabled() && !pause->isEnabled());

    QSignalSpy progress(&w->controller(), &RunController::progress);
    QSignalSpy paused(&w->controller(), &RunController::paused);
    w->start();
    QTRY_VERIFY_WITH_TIMEOUT(progress.count() >= 3, 20000);
    QVERIFY(!start->isEnabled() && pause->isEnabled());
    QTRY_VERIFY_WITH_TIMEOUT(state->text().contains(QStringLiteral("Running")), 5000);
    QTRY_VERIFY_WITH_TIMEOUT(rate->text().contains(QStringLiteral("it/s")) &&
                                 !rate->text().contains(QStringLiteral("—")), 5000);

    w->togglePause();
    QTRY_VERIFY_WITH_TIMEOUT(!paused.isEmpty(), 20000);
    QVERIFY(state->text().contains(QStringLiteral("Paused")));
    QVERIFY(rate->text().contains(QStringLiteral("—"))); // no stale rate
    QCOMPARE(pause->text().remove(QLatin1Char('&')), QStringLiteral("Resume"));
    QVERIFY(!start->isEnabled()); // never Start and Resume at once
    QVERIFY(statusLabel(*w, "iteration")->text().contains(
        QString::number(paused.last().at(0).toLongLong())));
    w->stop();
    QTRY_VERIFY_WITH_TIMEOUT(start->isEnabled() && !pause->isEnabled(), 20000);
    QCOMPARE(w->controller().mode(), RunGate::Mode::Idle);
    QVERIFY(state->text().contains(QStringLiteral("Stopped")));
}

void TestWorkbench::toolTipsAndLogLinesWrap() {
    auto w = makeWindow(m_dir.filePath(QStringLiteral("tips.ini")));
    // Every long tooltip is rich text, which Qt wraps.
    QString longest;
    const auto check = [&longest](const QString& tip, const QString& owner) {
        if (tip.size() > 60)
            QVERIFY2(Qt::mightBeRichText(tip), qPrintable(owner + QStringLiteral(": ") + tip));
        if (tip.size() > longest.size())
            longest = tip;
    };
    for (QWidget* child : w->findChildren<QWidget*>())
        check(child->toolTip(), child->metaObject()->className());
    for (QAction* a : w->findChildren<QAction*>())
        check(a->toolTip(), a->text());
    QVERIFY(longest.size() > 150);
    // Shown, it fits a 1024-pixel screen with room to spare.
    QToolTip::showText(w->mapToGlobal(QPoint(100, 100)), longest, w.get());
    QWidget* tip = nullptr;
    QTRY_VERIFY_WITH_TIMEOUT(
        (tip = [] {
             for (QWidget* top : QApplication::topLevelWidgets())
                 if (top->inherits("QTipLabel") && top->isVisible())
                     return top;
             return static_cast<QWidget*>(nullptr);
         }()) != nullptr,
        5000);
    QVERIFY2(tip->width() <= 700, qPrintable(QStringLiteral("tooltip %1 px wide").arg(tip->width())));
    QToolTip::hideText();

    // A long log line wraps in the dock instead of being cut off.
    const QString line = QStringLiteral("/a/very/long/path/without/spaces/") + QString(300, QLatin1Char('x'));
    QMetaObject::invokeMethod(w->logPane(), "addLine", Q_ARG(int, 1), Q_ARG(QString, line));
    QTRY_VERIFY_WITH_TIMEOUT(w->logPane()->toPlainText().contains(line), 5000);
    const QTextBlock last = w->logPane()->document()->lastBlock();
    QTRY_VERIFY_WITH_TIMEOUT(last.layout() && last.layout()->lineCount() > 1, 5000);
}

// A window with no remembered geometry fits the screen it opens on, also at
// QT_SCALE_FACTOR=2 (ctest runs this test once more with it).
void TestWorkbench::defaultWindowFitsTheScreen() {
    auto w = makeWindow(m_dir.filePath(QStringLiteral("fit-%1.ini").arg(qApp->devicePixelRatio())),
                        false);
    QVERIFY(QTest::qWaitForWindowExposed(w.get()));
    const QRect available = w->screen()->availableGeometry();
    QVERIFY2(available.contains(w->frameGeometry()),
             qPrintable(QStringLiteral("window %1×%2 at (%3, %4) on a screen of %5×%6 (scale %7)")
                            .arg(w->frameGeometry().width()).arg(w->frameGeometry().height())
                            .arg(w->frameGeometry().x()).arg(w->frameGeometry().y())
                            .arg(available.width()).arg(available.height())
                            .arg(qApp->devicePixelRatio())));
    QVERIFY(w->grab().save(QDir(outputDir()).filePath(
        QStringLiteral("tst_workbench-window-scale%1.png").arg(qApp->devicePixelRatio()))));
}

// Ticking "Estimate" shows |F x| of the object estimate beside the measured
// pattern: at every pause it equals a double-precision DFT of the object the
// run stands at, centred like the measured magnitudes.
void TestWorkbench::fourierEstimateIsTheObjectsTransform() {
    auto w = makeWindow(m_dir.filePath(QStringLiteral("fourier.ini")));
    w->openData(builtInSample(48));
    // One start: the result's object is then the shown start's own (centred,
    // which |F| does not see). With the recipe's many starts it is the mean
    // of the best ones, whose |F| is no single start's.
    QSpinBox* starts = nullptr;
    for (QSpinBox* box : w->parameterPanel()->findChildren<QSpinBox*>())
        if (box->toolTip().contains(QStringLiteral("Independent random starts")))
            starts = box;
    QVERIFY(starts);
    starts->setValue(1);
    typeSchedule(*w, QStringLiteral("HIO:1000"));
    w->reset();
    QCheckBox* estimate = nullptr;
    for (QCheckBox* box : w->findChildren<QCheckBox*>())
        if (box->text() == QStringLiteral("Estimate"))
            estimate = box;
    QVERIFY(estimate && !estimate->isChecked());
    QVERIFY(!w->fourierView()->isVisible());
    QSignalSpy fourier(&w->controller(), &RunController::fourierReady);
    estimate->click();
    QVERIFY(w->fourierView()->isVisible());
    QTRY_VERIFY_WITH_TIMEOUT(!fourier.isEmpty(), 20000); // the estimate at iteration 0
    QCOMPARE(fourier.last().at(1).toLongLong(), 0LL);

    QSignalSpy paused(&w->controller(), &RunController::paused);
    for (long long k = 1; k <= 3; ++k) {
        w->step();
        QTRY_VERIFY_WITH_TIMEOUT(fourier.last().at(1).toLongLong() == k, 20000);
    }
    QTRY_VERIFY_WITH_TIMEOUT(w->controller().lastResult() &&
                                 w->controller().lastResult()->iterations == 3, 20000);
    const ImageF& object = w->controller().lastResult()->object;
    const auto shown = w->fourierView()->currentValues();
    QVERIFY(shown);
    QCOMPARE(shown->shape, object.shape);

    const Shape s = object.shape;
    std::vector<std::complex<double>> x(object.data.begin(), object.data.end());
    const auto f = pftest::fft2(x, s);
    double diff = 0, scale = 0;
    for (int r = 0; r < s.rows; ++r)
        for (int c = 0; c < s.cols; ++c) {
            const double expected = std::abs(f[std::size_t(r) * std::size_t(s.cols) + std::size_t(c)]);
            // Zero frequency at (rows/2, cols/2), as fftshift puts it.
            const double got = shown->at((r + s.rows / 2) % s.rows, (c + s.cols / 2) % s.cols);
            diff = std::max(diff, std::abs(got - expected));
            scale = std::max(scale, expected);
        }
    QVERIFY2(scale > 0 && diff <= 1e-4 * scale,
             qPrintable(QStringLiteral("|F x| differs by %1 of %2").arg(diff).arg(scale)));

    // Unticked: hidden, and no more estimates are sent.
    estimate->click();
    QVERIFY(!w->fourierView()->isVisible());
    const int before = fourier.count();
    w->step();
    QTRY_VERIFY_WITH_TIMEOUT(!paused.isEmpty() && paused.last().at(0).toLongLong() == 4, 20000);
    QTRY_VERIFY_WITH_TIMEOUT(w->controller().lastResult()->iterations == 4, 20000);
    QCOMPARE(fourier.count(), before);
    w->stop();
}

int main(int argc, char** argv) {
    // Without an X display the xcb platform cannot start at all; run on the
    // offscreen platform instead, where initTestCase() skips with a message.
    if (qEnvironmentVariableIsEmpty("DISPLAY") &&
        qEnvironmentVariable("QT_QPA_PLATFORM") == QStringLiteral("xcb"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    QApplication app(argc, argv);
    TestWorkbench test;
    QTEST_SET_MAIN_SOURCE_PATH
    return QTest::qExec(&test, argc, argv);
}

#include "tst_workbench.moc"
