// The display-lag part of --bench: the whole main window over a long run, and
// how far what the GUI thread shows trails what the worker has done.
#include "phaseforge/ui/scripted_runs.h"

#include "phaseforge/ui/data_source.h"
#include "phaseforge/ui/error_plot.h"
#include "phaseforge/ui/image_view.h"
#include "phaseforge/ui/main_window.h"
#include "phaseforge/ui/parameter_panel.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QThread>

#include <algorithm>
#include <stdexcept>
#include <vector>

namespace pf::ui {

namespace {

double quantile(std::vector<double> v, double q) {
    if (v.empty())
        return 0;
    std::sort(v.begin(), v.end());
    return v[std::min(v.size() - 1, std::size_t(q * double(v.size())))];
}

} // namespace

QJsonObject measureDisplayLag(const BenchOptions& o) {
    QTemporaryDir dir;
    MainWindowOptions options;
    options.settingsFile = dir.filePath(QStringLiteral("bench.ini"));
    options.quietErrors = true;
    options.engine = o.engine;
    MainWindow window(options);
    window.setAskBeforeDiscarding(false);
    window.show();
    RunController& c = window.controller();

    QString failure;
    QObject::connect(&window, &MainWindow::errorShown, [&](const QString& m) { failure = m; });
    int loaded = 0;
    bool finished = false, paused = false;
    QObject::connect(&c, &RunController::loaded, [&] { ++loaded; });
    QObject::connect(&c, &RunController::finished, [&] { finished = true; });
    QObject::connect(&c, &RunController::paused, [&] { paused = true; });

    // Every progress report the GUI thread handles: how long after the worker
    // sent it, and how many iterations the worker had done beyond it by then.
    std::vector<double> lagMs;
    long long behindMax = 0, reports = 0;
    QObject::connect(&c, &RunController::progress, [&](const Progress& p) {
        lagMs.push_back(double(steadyNowNs() - p.sentNs) * 1e-6);
        behindMax = std::max(behindMax, c.completedIterations() - p.iteration);
        ++reports;
    });
    long long frames = 0;
    QObject::connect(window.reconstructionView(), &ImageView::frameDrawn, [&] { ++frames; });

    window.openData(builtInSample(o.lagSize));
    RunSettings settings = window.parameterPanel()->settings();
    settings.parameters.schedule = pf::Schedule::parse(
        "HIO:" + std::to_string(o.lagIterations * 9 / 10) + ",ER:" +
        std::to_string(o.lagIterations - o.lagIterations * 9 / 10));
    window.parameterPanel()->setSettings(settings);
    window.reset();

    const auto waitFor = [&](auto done, double seconds) {
        QElapsedTimer t;
        t.start();
        while (!done() && failure.isEmpty() && t.elapsed() < qint64(seconds * 1000)) {
            QCoreApplication::processEvents(QEventLoop::AllEvents, 5);
            QThread::usleep(200);
        }
        if (!failure.isEmpty())
            throw std::runtime_error(failure.toStdString());
        return done();
    };
    if (!waitFor([&] { return loaded >= 2; }, 120)) // opened, then Reset
        throw std::runtime_error("the window did not load the lag problem");

    QElapsedTimer run;
    run.start();
    window.start();
    // Half way, Pause from the GUI thread, as a click does: it must act while
    // the run is going, not after it.
    if (!waitFor([&] { return c.completedIterations() >= o.lagIterations / 2 || finished; }, 3600))
        throw std::runtime_error("the lag run did not reach half way");
    const long long pauseClickNs = steadyNowNs();
    const long long clickedAt = c.completedIterations();
    window.togglePause();
    if (!waitFor([&] { return paused || finished; }, 60))
        throw std::runtime_error("Pause did not act");
    QJsonObject out;
    out[QStringLiteral("pause_clicked_at_iteration")] = clickedAt;
    out[QStringLiteral("paused_at_iteration")] = c.completedIterations();
    out[QStringLiteral("pause_ms")] = paused ? double(c.pausedSinceNs() - pauseClickNs) * 1e-6 : -1.0;
    if (paused)
        window.togglePause(); // resume (a run that ended first is not started again)
    if (!waitFor([&] { return finished; }, 3600))
        throw std::runtime_error("the lag run did not finish");
    const double seconds = double(run.nsecsElapsed()) * 1e-9;
    window.errorPlot()->flush();

    out[QStringLiteral("size")] = o.lagSize;
    out[QStringLiteral("iterations")] = c.completedIterations();
    out[QStringLiteral("seconds")] = seconds;
    out[QStringLiteral("it_per_s")] = double(c.completedIterations()) / seconds;
    out[QStringLiteral("progress_reports")] = reports;
    out[QStringLiteral("lag_ms_median")] = quantile(lagMs, 0.5);
    out[QStringLiteral("lag_ms_p99")] = quantile(lagMs, 0.99);
    out[QStringLiteral("lag_ms_max")] = lagMs.empty() ? 0.0 : *std::max_element(lagMs.begin(), lagMs.end());
    out[QStringLiteral("frame_ms")] = 1000.0 * kDefaultFrameSeconds;
    out[QStringLiteral("iterations_behind_max")] = behindMax;
    out[QStringLiteral("frames_drawn")] = frames;
    out[QStringLiteral("plot_records")] = window.errorPlot()->recordCount();
    out[QStringLiteral("plot_points")] = window.errorPlot()->pointCount();
    c.shutdown();
    return out;
}

} // namespace pf::ui
