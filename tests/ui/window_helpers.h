// The main window as the widget tests open it: fresh settings, quiet errors,
// the FFTW engine, shown and active.
#pragma once

#include <phaseforge/ui/data_source.h>
#include <phaseforge/ui/main_window.h>
#include <phaseforge/ui/parameter_panel.h>

#include <QDir>
#include <QLineEdit>
#include <QTest>

#include <memory>

namespace pf::ui {

inline QString outputDir() {
    const QString dir = qEnvironmentVariable("PF_TEST_OUTPUT", QDir::tempPath());
    QDir().mkpath(dir);
    return dir;
}

/// A window on a fresh settings file, errors reported by signal only.
inline std::unique_ptr<MainWindow> makeWindow(const QString& settingsFile, bool resize = true,
                                              EngineMaker engines = {}) {
    MainWindowOptions o;
    o.engineMaker = std::move(engines);
    o.settingsFile = settingsFile;
    o.quietErrors = true;
    o.engine = pf::EngineKind::Cpu;
    auto w = std::make_unique<MainWindow>(o);
    w->setAskBeforeDiscarding(false);
    if (resize)
        w->resize(1280, 800);
    w->show();
    // Shortcuts go to the active window; without a window manager it has to
    // be made active by hand.
    w->activateWindow();
    if (!QTest::qWaitForWindowActive(w.get()))
        qWarning("the window did not become active: shortcuts may not reach it");
    return w;
}

/// Opens the first bundled sample, or a simulated one when none is installed.
inline void openSample(MainWindow& w) {
    const QStringList samples = sampleFiles();
    if (samples.isEmpty() || !w.openFile(samples.first()))
        w.openData(builtInSample(128));
}

/// Types a schedule into the parameter panel as a user would.
inline void typeSchedule(MainWindow& w, const QString& text) {
    auto* edit = w.parameterPanel()->findChild<QLineEdit*>();
    QVERIFY(edit);
    edit->selectAll();
    QTest::keyClicks(edit, text);
}

} // namespace pf::ui
