// The PhaseForge main window: the diffraction pattern and the live
// reconstruction side by side, the parameter panel, the error plot and the
// log. It owns a RunController (the worker thread) and talks to it only
// through the controller's methods and signals.
#pragma once

#include "phaseforge/ui/data_source.h"
#include "phaseforge/ui/run_controller.h"

#include <QMainWindow>
#include <QString>

#include <memory>
#include <optional>

class QAction;
class QCheckBox;
class QComboBox;
class QLabel;
class QMenu;
class QSettings;

namespace pf::ui {

class ErrorPlot;
class ImageView;
class LogPane;
class ParameterPanel;

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
    /// current data. Returns whether it loaded.
    bool openFile(const QString& path);
    /// Shows new data and prepares a run on it (not started).
    void openData(LoadedData data);
    /// Saves the current reconstruction as CXI (pausing a running one first:
    /// the file holds a consistent iterate). Returns false on an immediate
    /// failure; completion is reported by saved().
    bool saveResultAs(const QString& path);
    /// Asks nothing before closing (scripted runs).
    void setAskBeforeClosing(bool ask) { m_askBeforeClosing = ask; }
    bool hasUnsavedResult() const;

    RunController& controller() { return *m_controller; }
    ImageView* reconstructionView() const { return m_reconView; }
    ImageView* diffractionView() const { return m_diffView; }
    ErrorPlot* errorPlot() const { return m_errorPlot; }
    LogPane* logPane() const { return m_log; }
    ParameterPanel* parameterPanel() const { return m_params; }
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

    void openDialog();
    void openSampleFile(const QString& path);
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
    QComboBox* m_diffColormap = nullptr;
    QComboBox* m_reconColormap = nullptr;
    QCheckBox* m_diffLog = nullptr;
    QCheckBox* m_diffMask = nullptr;
    QCheckBox* m_reconSupport = nullptr;
    ParameterPanel* m_params = nullptr;
    ErrorPlot* m_errorPlot = nullptr;
    LogPane* m_log = nullptr;

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
    long long m_savedIteration = -1;
    bool m_resultDirty = false;  // iterations ran since the last save
    bool m_askBeforeClosing = true;
};

} // namespace pf::ui
