// The PhaseForge main window: the diffraction pattern and the live
// reconstruction side by side, the parameter panel, the error plot and the
// log. It owns a RunController (the worker thread) and talks to it only
// through the controller's methods and signals.
#pragma once

#include "phaseforge/ui/data_source.h"
#include "phaseforge/ui/run_controller.h"

#include <QMainWindow>
#include <QString>

#include <functional>
#include <memory>
#include <optional>

class QAction;
class QCheckBox;
class QComboBox;
class QLabel;
class QMenu;
class QMessageBox;
class QSettings;

namespace pf::ui {

class ContinuedRun;
class ErrorPlot;
class ImageView;
class LogPane;
class ParameterPanel;
class WorkbenchDocks;

struct MainWindowOptions {
    /// An INI file to keep settings in; empty: the platform's default place.
    QString settingsFile;
    /// Engines for the worker; empty: pf::makeEngine.
    EngineMaker engineMaker;
    /// Overrides the remembered engine choice (the command line's --engine).
    std::optional<pf::EngineKind> engine;
    /// Error dialogs are not shown (tests and scripted runs); errors still
    /// reach the log and errorShown().
    bool quietErrors = false;
};

class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    explicit MainWindow(MainWindowOptions options = {}, QWidget* parent = nullptr);
    ~MainWindow() override;

    /// Opens a diffraction file; on failure shows the error and keeps the
    /// current data. An unsaved result is not replaced without asking (Save,
    /// Discard or Cancel). Returns whether it loaded now.
    bool openFile(const QString& path);
    /// Shows new data and prepares a run on it (not started).
    void openData(LoadedData data);
    /// Saves the current reconstruction as CXI (pausing a running one first:
    /// the file holds a consistent iterate). Returns false on an immediate
    /// failure; completion is reported by saved().
    bool saveResultAs(const QString& path);
    /// Whether to ask before closing, or before opening other data, while a
    /// result is unsaved (off: scripted runs).
    void setAskBeforeDiscarding(bool ask) { m_askBeforeDiscarding = ask; }
    bool hasUnsavedResult() const;
    /// The iteration of the result last saved (-1: none).
    long long savedIteration() const { return m_savedIteration; }

    RunController& controller() { return *m_controller; }
    ImageView* reconstructionView() const { return m_reconView; }
    ImageView* diffractionView() const { return m_diffView; }
    /// |FFT| of the object estimate beside the measured pattern (hidden until
    /// the diffraction view's "Estimate" box is ticked).
    ImageView* fourierView() const { return m_fourierView; }
    /// Ticks or unticks the "Estimate" box.
    void setFourierEstimateShown(bool on);
    ErrorPlot* errorPlot() const { return m_errorPlot; }
    LogPane* logPane() const { return m_log; }
    ParameterPanel* parameterPanel() const { return m_params; }
    /// The starts, truth and step-through docks.
    WorkbenchDocks* workbench() const { return m_workbench; }
    /// What a reopened saved result continues (null continuation otherwise).
    ContinuedRun* continuedRun() const { return m_continued; }
    /// Latest progress seen (iteration, rate, error).
    const Progress& lastProgress() const { return m_progress; }

public slots:
    void start();
    void togglePause();
    void step();
    void stop();
    void reset();

signals:
    void errorShown(QString message);
    void saved(QString path);
    /// A question about an unsaved result is about to be asked (the box is
    /// modal; it has Save, Discard and Cancel).
    void questionShown(QMessageBox* box);

protected:
    void closeEvent(QCloseEvent* event) override;
    void dragEnterEvent(QDragEnterEvent* event) override;
    void dropEvent(QDropEvent* event) override;

private:
    void buildActions();
    void buildMenus();
    void buildCentre();
    void buildDocks();
    void buildStatusBar();
    void connectController();
    void restoreSettings();
    void storeSettings();
    void updateRunActions();
    void updateRecentMenu();
    void updateStatus();
    void showError(const QString& title, const QString& message);
    /// Runs `proceed` now when nothing unsaved would be lost; otherwise asks:
    /// Save runs it once the file is written, Discard runs it now, Cancel never.
    void whenResultMayGo(const QString& question, std::function<void()> proceed);
    void fitToScreen();
    void showFourierEstimate(bool on);
    /// The settings a run on the open data starts from: the panel's, or a
    /// continued result's (ContinuedRun::runSettings).
    RunSettings runSettings() const;

    void openDialog();
    void openSampleFile(const QString& path);
    bool openFileNow(const QString& path);
    void openBuiltInSample(int size);
    void simulateFromImageDialog();
    void saveResult();
    void saveResultAsDialog();
    void writeResult(const QString& path, const pf::Result& result);
    void exportView(ImageView* view, const QString& what);
    void showShortcuts();
    void showAbout();

    MainWindowOptions m_options;
    std::unique_ptr<QSettings> m_settings;
    RunController* m_controller; // child QObject
    LoadedData m_data;

    ImageView* m_diffView = nullptr;
    ImageView* m_reconView = nullptr;
    ImageView* m_fourierView = nullptr;
    QWidget* m_fourierBox = nullptr;   // the view with its header
    QCheckBox* m_diffEstimate = nullptr;
    QComboBox* m_diffColormap = nullptr;
    QComboBox* m_reconColormap = nullptr;
    QCheckBox* m_diffLog = nullptr;
    QCheckBox* m_diffMask = nullptr;
    QCheckBox* m_reconSupport = nullptr;
    ParameterPanel* m_params = nullptr;
    ErrorPlot* m_errorPlot = nullptr;
    LogPane* m_log = nullptr;
    WorkbenchDocks* m_workbench = nullptr;
    ContinuedRun* m_continued = nullptr;

    QLabel* m_stateLabel = nullptr;
    QLabel* m_engineLabel = nullptr;
    QLabel* m_iterationLabel = nullptr;
    QLabel* m_rateLabel = nullptr;
    QLabel* m_fpsLabel = nullptr;
    QLabel* m_errorLabel = nullptr;
    QLabel* m_pixelLabel = nullptr;

    QAction* m_openAction = nullptr;
    QAction* m_simulateAction = nullptr;
    QAction* m_saveAction = nullptr;
    QAction* m_saveAsAction = nullptr;
    QAction* m_exportReconAction = nullptr;
    QAction* m_exportDiffAction = nullptr;
    QAction* m_quitAction = nullptr;
    QAction* m_startAction = nullptr;
    QAction* m_pauseAction = nullptr;
    QAction* m_stepAction = nullptr;
    QAction* m_stopAction = nullptr;
    QAction* m_resetAction = nullptr;
    QAction* m_spaceKey = nullptr; // Space outside text fields: start, pause or resume
    QAction* m_stepKey = nullptr;  // S outside text fields: one step
    QAction* m_fitAction = nullptr;
    QAction* m_oneToOneAction = nullptr;
    QAction* m_zoomInAction = nullptr;
    QAction* m_zoomOutAction = nullptr;
    QMenu* m_sampleMenu = nullptr;
    QMenu* m_recentMenu = nullptr;
    QMenu* m_viewMenu = nullptr;

    Progress m_progress;
    QString m_engineText;
    QString m_savePath;
    QString m_pendingSave;       // a Save waiting for the paused result
    std::function<void()> m_afterSave; // what waits for the pending Save (open, close)
    long long m_savedIteration = -1;
    long long m_progressNs = 0;  // when the last progress arrived (steadyNowNs)
    bool m_resultDirty = false;  // iterations ran since the last save
    bool m_askBeforeDiscarding = true;
    bool m_closing = false;      // the close was agreed to: ask nothing more
};

} // namespace pf::ui
