// Reopening a result saved by PhaseForge so that the user can go on from it:
// the saved object, support, parameters and history come back with the
// magnitudes, and the run on them starts from the saved iterate
// (pf::continuationOf, as `phaseforge-cli reconstruct --continue` does).
#pragma once

#include "phaseforge/ui/data_source.h"
#include "phaseforge/ui/run_types.h"

#include <phaseforge/continuation.h>

#include <QObject>

#include <optional>

class QStatusBar;

namespace pf::ui {

class ErrorPlot;
class ParameterPanel;

/// The main window's memory of a continued run. It changes the data, the
/// parameter panel and the error plot when a saved result is opened, and
/// gives the settings a run on that data starts from; for any other data it
/// steps aside and the window behaves as it always did.
class ContinuedRun : public QObject {
    Q_OBJECT
public:
    /// The panel, plot and status bar belong to the window and outlive this.
    ContinuedRun(ParameterPanel* panel, ErrorPlot* plot, QStatusBar* statusBar, QObject* parent);

    /// Called with every new data before it is shown. For a saved result
    /// (LoadedData::savedResult): reads its object, support, parameters and
    /// history; puts the saved support into the data's problem; shows the
    /// saved parameters in the panel and the saved history in the plot; logs
    /// its notices and "continuing <file> after its N iterations". A saved
    /// result that cannot be continued keeps only its magnitudes and says why
    /// in one log line. Any other data ends a continuation, and the panel gets
    /// back the settings it had before it.
    void dataOpening(LoadedData& data);

    /// The continuation in force, or null when the data open is not a
    /// continued saved result.
    const pf::Continuation* continuation() const { return m_continuation ? &*m_continuation : nullptr; }

    /// The settings a run on the open data starts from (load, Reset): those
    /// `entered` in the panel, or for a continued result the continuation's
    /// parameters (the saved object as the initial guess, the saved support,
    /// one start) with the panel's values where the user changed them after
    /// the file was opened.
    RunSettings runSettings(const RunSettings& entered) const;

    /// The settings to remember for the next session: those the panel had
    /// before a continued result replaced them (its one start is no default).
    RunSettings settingsToRemember(const RunSettings& entered) const;

private:
    /// Ends a continuation, giving the panel back the settings from before it.
    void end();

    ParameterPanel* m_panel;
    ErrorPlot* m_plot;
    QStatusBar* m_statusBar;
    std::optional<pf::Continuation> m_continuation;
    RunSettings m_shownAtOpen;                 // the panel just after it showed the saved parameters
    std::optional<RunSettings> m_settingsBefore; // the panel before the first continued result
};

} // namespace pf::ui
