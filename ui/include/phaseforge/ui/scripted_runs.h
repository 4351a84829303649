// Non-interactive modes of the app: the --bench measurement and the
// --screenshot run used for documentation and for checking a machine.
#pragma once

#include <phaseforge/engine_factory.h>

#include <QJsonObject>
#include <QString>

namespace pf::ui {

class MainWindow;

struct BenchOptions {
    int size = 2048;                           ///< the problem is size × size
    double seconds = 3.0;                      ///< length of each timed phase
    pf::EngineKind engine = pf::EngineKind::Auto;
    /// The display-lag run: iterations (0: skipped) on a lagSize² simulated problem.
    long long lagIterations = 1'000'000;
    int lagSize = 64;
};

/// Runs `lagIterations` in the whole main window (error plot, views, status
/// bar) and reports how far the GUI thread trails the worker: for every
/// progress report, the time from the worker sending it to the GUI thread
/// handling it (median, 99th percentile, maximum, against one frame), and how
/// long a Pause clicked half way takes to act. Throws on failure.
QJsonObject measureDisplayLag(const BenchOptions& options);

/// Measures, on one problem: iterations per second headless (Reconstruction
/// driven directly, no publishing) and with the live view on (the app's worker
/// and a visible ImageView), the cost of one publish, and how long Pause takes
/// to take effect. Prints one JSON object to stdout. Needs a display for the
/// live-view phase. Returns the process exit code.
int runBench(const BenchOptions& options);

/// Opens data if none is open (the first bundled sample, else a simulated
/// one), shows the Fourier-space estimate, starts, pauses at `iterations`,
/// writes window.png, diffraction.png, estimate.png, reconstruction.png and
/// error.png into `directory`, prints
/// a JSON line describing the run, and quits the application (exit code 0, or
/// 1 on a failure or after `timeoutSeconds`).
void runScreenshots(MainWindow& window, const QString& directory, long long iterations,
                    double timeoutSeconds = 300);

} // namespace pf::ui
