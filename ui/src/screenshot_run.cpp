#include "phaseforge/ui/scripted_runs.h"

#include "phaseforge/ui/error_plot.h"
#include "phaseforge/ui/image_view.h"
#include "phaseforge/ui/main_window.h"

#include <QApplication>
#include <QChartView>
#include <QDir>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTimer>

#include <cstdio>
#include <memory>
#include <utility>

namespace pf::ui {

void runScreenshots(MainWindow& window, const QString& directory, long long iterations,
                    double timeoutSeconds) {
    window.setAskBeforeDiscarding(false);
    auto state = std::make_shared<QJsonObject>();
    const auto finish = [state](int code, const QString& error) {
        if (!error.isEmpty())
            (*state)[QStringLiteral("error")] = error;
        std::printf("%s\n", QJsonDocument(*state).toJson(QJsonDocument::Compact).constData());
        std::fflush(stdout);
        QCoreApplication::exit(code);
    };
    QTimer::singleShot(int(timeoutSeconds * 1000), &window, [finish] {
        finish(1, QStringLiteral("timed out"));
    });
    QObject::connect(&window, &MainWindow::errorShown, &window,
                     [finish](const QString& message) { finish(1, message); });

    RunController& c = window.controller();
    // Started once: a second start() would resume the run after its pause.
    auto started = std::make_shared<bool>(false);
    const auto startOnce = [&c, started] {
        if (!std::exchange(*started, true))
            c.start();
    };
    QObject::connect(&c, &RunController::loaded, &window,
                     [state, startOnce](QString engine, QString device) {
                         (*state)[QStringLiteral("engine")] = engine;
                         (*state)[QStringLiteral("device")] = device;
                         startOnce();
                     });
    // The whole workbench: the Fourier-space estimate beside the measured pattern.
    window.setFourierEstimateShown(true);
    // The worker itself pauses at that iteration, however fast it runs: the
    // picture is meant to be mid-run.
    c.setPauseAt(iterations);
    auto captured = std::make_shared<bool>(false);
    const auto capture = [&window, state, directory, finish, captured](long long iteration) {
        if (*captured)
            return;
        *captured = true;
        (*state)[QStringLiteral("iteration")] = iteration;
        // Let the last frame and the plot reach the screen first.
        QTimer::singleShot(500, &window, [&window, state, directory, finish] {
            QDir().mkpath(directory);
            const QDir dir(directory);
            const bool ok =
                window.grab().save(dir.filePath(QStringLiteral("window.png"))) &&
                window.diffractionView()->grabFramebuffer().save(dir.filePath(QStringLiteral("diffraction.png"))) &&
                window.reconstructionView()->grabFramebuffer().save(dir.filePath(QStringLiteral("reconstruction.png"))) &&
                window.fourierView()->grabFramebuffer().save(dir.filePath(QStringLiteral("estimate.png"))) &&
                window.errorPlot()->grab().save(dir.filePath(QStringLiteral("error.png")));
            (*state)[QStringLiteral("display_path")] =
                window.reconstructionView()->usesInterop() ? QStringLiteral("interop")
                                                           : QStringLiteral("host upload");
            (*state)[QStringLiteral("gl")] = window.reconstructionView()->glDescription();
            (*state)[QStringLiteral("error_first")] = window.errorPlot()->firstError();
            (*state)[QStringLiteral("error_last")] = window.errorPlot()->lastError();
            (*state)[QStringLiteral("directory")] = dir.absolutePath();
            finish(ok ? 0 : 1, ok ? QString() : QStringLiteral("could not write the screenshots"));
        });
    };
    QObject::connect(&c, &RunController::paused, &window, capture);
    // A schedule shorter than `iterations` ends first: take the end state.
    QObject::connect(&c, &RunController::finished, &window, capture);

    if (!c.hasData()) {
        const QStringList samples = sampleFiles();
        if (samples.isEmpty() || !window.openFile(samples.first()))
            window.openData(builtInSample(256));
    } else {
        startOnce();
    }
}

} // namespace pf::ui
