// Building the main window: actions, menus, views, docks, status bar, and the
// wiring to the run controller. What the actions do is in main_window_actions.cpp.
#include "phaseforge/ui/main_window.h"

#include "phaseforge/ui/app_settings.h"
#include "phaseforge/ui/error_plot.h"
#include "phaseforge/ui/frame_bridge.h"
#include "phaseforge/ui/image_view.h"
#include "phaseforge/ui/log_pane.h"
#include "phaseforge/ui/parameter_panel.h"

#include <phaseforge/engine_factory.h>
#include <phaseforge/log.h>

#include <QAction>
#include <QApplication>
#include <QCheckBox>
#include <QComboBox>
#include <QDockWidget>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QLabel>
#include <QMenuBar>
#include <QScrollArea>
#include <QSettings>
#include <QSplitter>
#include <QStatusBar>
#include <QStyle>
#include <QTimer>
#include <QToolBar>
#include <QToolButton>
#include <QVBoxLayout>

#include <cmath>

namespace pf::ui {

MainWindow::MainWindow(MainWindowOptions options, QWidget* parent)
    : QMainWindow(parent), m_options(std::move(options)) {
    setWindowTitle(QStringLiteral("PhaseForge"));
    setWindowIcon(QIcon(QStringLiteral(":/phaseforge/phaseforge.png")));
    setAcceptDrops(true);
    m_settings = m_options.settingsFile.isEmpty()
                     ? std::make_unique<QSettings>()
                     : std::make_unique<QSettings>(m_options.settingsFile, QSettings::IniFormat);
    m_controller = new RunController(m_options.engineMaker, this);

    buildActions();
    buildCentre();
    buildDocks();
    buildMenus();
    buildStatusBar();
    connectController();
    restoreSettings();
    updateRunActions();
    updateRecentMenu();

    auto* statusTimer = new QTimer(this);
    connect(statusTimer, &QTimer::timeout, this, &MainWindow::updateStatus);
    statusTimer->start(500);
    pf::log(pf::LogLevel::Info, "PhaseForge ready: open a file, a sample (File › Open Sample) "
                                "or simulate one from any picture");
}

MainWindow::~MainWindow() {
    // Join the worker before the views go: nothing publishes into a bridge
    // whose texture is being released.
    m_controller->shutdown();
}

void MainWindow::buildActions() {
    QStyle* st = style();
    const auto make = [this](const QIcon& icon, const QString& text, const QKeySequence& key,
                             const QString& tip, auto slot) {
        auto* a = new QAction(icon, text, this);
        if (!key.isEmpty())
            a->setShortcut(key);
        a->setToolTip(key.isEmpty() ? tip
                                    : tip + QStringLiteral(" (") +
                                          key.toString(QKeySequence::NativeText) +
                                          QStringLiteral(")"));
        a->setStatusTip(tip);
        connect(a, &QAction::triggered, this, slot);
        return a;
    };
    m_openAction = make(st->standardIcon(QStyle::SP_DialogOpenButton), tr("&Open…"),
                        QKeySequence::Open, tr("Open a diffraction pattern (CXI, HDF5, NPY, TIFF, PNG)"),
                        &MainWindow::openDialog);
    m_simulateAction = make(QIcon(), tr("Simulate From &Image…"), QKeySequence(tr("Ctrl+I")),
                            tr("Use any picture as the object and compute its diffraction pattern"),
                            &MainWindow::simulateFromImageDialog);
    m_saveAction = make(st->standardIcon(QStyle::SP_DialogSaveButton), tr("&Save"),
                        QKeySequence::Save, tr("Save the reconstruction as CXI"),
                        &MainWindow::saveResult);
    m_saveAsAction = make(QIcon(), tr("Save &As…"), QKeySequence::SaveAs,
                          tr("Save the reconstruction as CXI under a new name"),
                          &MainWindow::saveResultAsDialog);
    m_exportReconAction = make(QIcon(), tr("Export &Reconstruction as PNG…"), QKeySequence(tr("Ctrl+E")),
                               tr("Write the reconstruction view, at its own resolution, as PNG"),
                               [this] { exportView(m_reconView, tr("reconstruction")); });
    m_exportDiffAction = make(QIcon(), tr("Export &Diffraction as PNG…"), QKeySequence(tr("Ctrl+Shift+E")),
                              tr("Write the diffraction view, at its own resolution, as PNG"),
                              [this] { exportView(m_diffView, tr("diffraction")); });
    m_quitAction = make(QIcon(), tr("&Quit"), QKeySequence::Quit, tr("Quit PhaseForge"),
                        &QWidget::close);

    m_startAction = make(st->standardIcon(QStyle::SP_MediaPlay), tr("S&tart"), QKeySequence(Qt::Key_F5),
                         tr("Start the reconstruction, or continue after Stop"), &MainWindow::start);
    m_pauseAction = make(st->standardIcon(QStyle::SP_MediaPause), tr("&Pause"), QKeySequence(Qt::Key_Space),
                         tr("Pause or resume the running reconstruction"), &MainWindow::togglePause);
    m_stepAction = make(st->standardIcon(QStyle::SP_MediaSkipForward), tr("Ste&p"), QKeySequence(Qt::Key_S),
                        tr("Run exactly one iteration, then pause"), &MainWindow::step);
    m_stopAction = make(st->standardIcon(QStyle::SP_MediaStop), tr("St&op"), QKeySequence(Qt::SHIFT | Qt::Key_F5),
                        tr("Stop after the current batch; the estimate is kept"), &MainWindow::stop);
    m_resetAction = make(st->standardIcon(QStyle::SP_BrowserReload), tr("&Reset"), QKeySequence(tr("Ctrl+R")),
                         tr("Back to iteration 0 with the current parameters (seed, starts, engine, support)"),
                         &MainWindow::reset);

    m_fitAction = make(QIcon(), tr("&Fit"), QKeySequence(Qt::Key_F), tr("Fit the images to their views"),
                       [this] { m_diffView->fit(); m_reconView->fit(); });
    m_oneToOneAction = make(QIcon(), tr("&1:1"), QKeySequence(Qt::Key_1),
                            tr("One image pixel per screen pixel"),
                            [this] { m_diffView->oneToOne(); m_reconView->oneToOne(); });
    m_zoomInAction = make(QIcon(), tr("Zoom &In"), QKeySequence::ZoomIn, tr("Zoom in"),
                          [this] { m_diffView->zoomIn(); m_reconView->zoomIn(); });
    m_zoomOutAction = make(QIcon(), tr("Zoom &Out"), QKeySequence::ZoomOut, tr("Zoom out"),
                           [this] { m_diffView->zoomOut(); m_reconView->zoomOut(); });
}

void MainWindow::buildMenus() {
    QMenu* file = menuBar()->addMenu(tr("&File"));
    file->addAction(m_openAction);
    m_sampleMenu = file->addMenu(tr("Open Sa&mple"));
    m_sampleMenu->setToolTipsVisible(true);
    for (const QString& path : sampleFiles()) {
        QAction* a = m_sampleMenu->addAction(QFileInfo(path).completeBaseName(),
                                             this, [this, path] { openSampleFile(path); });
        a->setToolTip(path);
    }
    if (!m_sampleMenu->isEmpty())
        m_sampleMenu->addSeparator();
    for (int size : {256, 512}) {
        m_sampleMenu->addAction(tr("Simulated blobs, %1×%1").arg(size), this,
                                [this, size] { openData(builtInSample(size)); });
    }
    file->addAction(m_simulateAction);
    m_recentMenu = file->addMenu(tr("Open &Recent"));
    file->addSeparator();
    file->addAction(m_saveAction);
    file->addAction(m_saveAsAction);
    file->addAction(m_exportReconAction);
    file->addAction(m_exportDiffAction);
    file->addSeparator();
    file->addAction(m_quitAction);

    QMenu* run = menuBar()->addMenu(tr("&Run"));
    for (QAction* a : {m_startAction, m_pauseAction, m_stepAction, m_stopAction, m_resetAction})
        run->addAction(a);

    m_viewMenu = menuBar()->addMenu(tr("&View"));
    for (QAction* a : {m_fitAction, m_oneToOneAction, m_zoomInAction, m_zoomOutAction})
        m_viewMenu->addAction(a);
    m_viewMenu->addSeparator();
    for (QDockWidget* dock : findChildren<QDockWidget*>())
        m_viewMenu->addAction(dock->toggleViewAction());

    QMenu* help = menuBar()->addMenu(tr("&Help"));
    help->addAction(tr("&Keyboard Shortcuts"), QKeySequence::HelpContents, this,
                    &MainWindow::showShortcuts);
    help->addAction(tr("&About PhaseForge"), this, &MainWindow::showAbout);

    QToolBar* bar = addToolBar(tr("Main"));
    bar->setObjectName(QStringLiteral("mainToolBar"));
    bar->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    bar->addAction(m_openAction);
    auto* sampleButton = new QToolButton;
    sampleButton->setText(tr("Sample"));
    sampleButton->setToolTip(tr("Open a bundled sample"));
    sampleButton->setMenu(m_sampleMenu);
    sampleButton->setPopupMode(QToolButton::InstantPopup);
    bar->addWidget(sampleButton);
    bar->addAction(m_saveAction);
    bar->addSeparator();
    for (QAction* a : {m_startAction, m_pauseAction, m_stepAction, m_stopAction, m_resetAction})
        bar->addAction(a);
}

namespace {

/// A view with its own small toolbar above it.
QWidget* framedView(const QString& title, ImageView* view, const QList<QWidget*>& controls) {
    auto* box = new QWidget;
    auto* layout = new QVBoxLayout(box);
    layout->setContentsMargins(2, 2, 2, 2);
    layout->setSpacing(2);
    auto* header = new QHBoxLayout;
    auto* label = new QLabel(QStringLiteral("<b>%1</b>").arg(title));
    header->addWidget(label);
    header->addStretch(1);
    for (QWidget* w : controls)
        header->addWidget(w);
    layout->addLayout(header);
    layout->addWidget(view, 1);
    return box;
}

QComboBox* colormapBox(const QString& tip) {
    auto* box = new QComboBox;
    box->addItems(colormapNames());
    box->setToolTip(tip);
    return box;
}

} // namespace

void MainWindow::buildCentre() {
    m_diffView = new ImageView;
    m_diffView->setObjectName(QStringLiteral("diffractionView"));
    m_diffView->setToolTip(tr("The measured diffraction magnitudes, centred. Wheel: zoom, "
                              "drag: pan, double-click: fit."));
    m_diffView->setPlaceholder(tr("No data.\nFile › Open (Ctrl+O), File › Open Sample, or drop a "
                                  "file here."));
    m_diffView->setLogScale(true);
    m_diffView->setColormap(Colormap::Magma);
    m_diffColormap = colormapBox(tr("Colour map of the diffraction view"));
    m_diffColormap->setCurrentIndex(int(Colormap::Magma));
    m_diffLog = new QCheckBox(tr("Log"));
    m_diffLog->setChecked(true);
    m_diffLog->setToolTip(tr("Show log10(1 + magnitude): the weak high frequencies become visible"));
    m_diffMask = new QCheckBox(tr("Mask"));
    m_diffMask->setChecked(true);
    m_diffMask->setToolTip(tr("Mark unmeasured pixels (beamstop, gaps, bad pixels) in red"));
    connect(m_diffColormap, &QComboBox::currentIndexChanged, this,
            [this](int i) { m_diffView->setColormap(Colormap(i)); });
    connect(m_diffLog, &QCheckBox::toggled, m_diffView, &ImageView::setLogScale);
    connect(m_diffMask, &QCheckBox::toggled, m_diffView, &ImageView::setOverlayVisible);

    m_reconView = new ImageView;
    m_reconView->setObjectName(QStringLiteral("reconstructionView"));
    m_reconView->setToolTip(tr("The live object estimate (best start). Wheel: zoom, drag: pan, "
                               "double-click: fit."));
    m_reconView->setPlaceholder(tr("The reconstruction appears here.\nPress Start (F5) or Step (S)."));
    m_reconView->setBridge(m_controller->bridge());
    m_reconView->setColormap(Colormap::Grey);
    m_reconColormap = colormapBox(tr("Colour map of the reconstruction view"));
    m_reconColormap->setCurrentIndex(int(Colormap::Grey));
    m_reconSupport = new QCheckBox(tr("Support"));
    m_reconSupport->setToolTip(tr("Tint the pixels outside the support in force (read back a few "
                                  "times a second)"));
    connect(m_reconColormap, &QComboBox::currentIndexChanged, this,
            [this](int i) { m_reconView->setColormap(Colormap(i)); });
    connect(m_reconSupport, &QCheckBox::toggled, this, [this](bool on) {
        m_controller->setSupportUpdates(on);
        m_reconView->setOverlayVisible(on);
    });
    m_reconView->setOverlayVisible(false);

    auto* splitter = new QSplitter(Qt::Horizontal);
    splitter->setObjectName(QStringLiteral("viewSplitter"));
    splitter->addWidget(framedView(tr("Diffraction pattern"), m_diffView,
                                   {m_diffLog, m_diffMask, m_diffColormap}));
    splitter->addWidget(framedView(tr("Reconstruction"), m_reconView,
                                   {m_reconSupport, m_reconColormap}));
    splitter->setChildrenCollapsible(false);
    setCentralWidget(splitter);

    const auto showPixel = [this](int row, int col, float value) {
        m_pixelLabel->setText(row < 0 ? QString()
                                      : tr("(%1, %2) = %3").arg(row).arg(col).arg(double(value), 0, 'g', 5));
    };
    connect(m_diffView, &ImageView::hovered, this, showPixel);
    connect(m_reconView, &ImageView::hovered, this, showPixel);
}

void MainWindow::buildDocks() {
    m_params = new ParameterPanel;
    const QString reason = QString::fromStdString(pf::cudaUnavailableReason());
    m_params->setCudaAvailable(reason.isEmpty(), reason);
    auto* scroll = new QScrollArea;
    scroll->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    m_params->setMinimumWidth(m_params->sizeHint().width());
    scroll->setMinimumWidth(m_params->sizeHint().width() + 16);
    scroll->setWidget(m_params);
    scroll->setWidgetResizable(true);
    scroll->setFrameShape(QFrame::NoFrame);
    auto* paramDock = new QDockWidget(tr("Parameters"), this);
    paramDock->setObjectName(QStringLiteral("parametersDock"));
    paramDock->setWidget(scroll);
    addDockWidget(Qt::LeftDockWidgetArea, paramDock);

    m_errorPlot = new ErrorPlot;
    auto* plotDock = new QDockWidget(tr("Error"), this);
    plotDock->setObjectName(QStringLiteral("errorDock"));
    plotDock->setWidget(m_errorPlot);
    addDockWidget(Qt::BottomDockWidgetArea, plotDock);

    m_log = new LogPane;
    m_log->captureLibraryLog();
    auto* logDock = new QDockWidget(tr("Log"), this);
    logDock->setObjectName(QStringLiteral("logDock"));
    logDock->setWidget(m_log);
    addDockWidget(Qt::BottomDockWidgetArea, logDock);
    splitDockWidget(plotDock, logDock, Qt::Horizontal);
    // The parameter panel takes the whole left side; the plot and the log share the bottom.
    setCorner(Qt::BottomLeftCorner, Qt::LeftDockWidgetArea);
    resizeDocks({plotDock}, {220}, Qt::Vertical);
    resizeDocks({plotDock, logDock}, {600, 400}, Qt::Horizontal);

    connect(m_params, &ParameterPanel::betaChanged, this, [this](float beta) {
        m_controller->setBeta(beta);
    });
    connect(m_params, &ParameterPanel::scheduleChanged, this, [this](const pf::Schedule& s) {
        m_controller->setSchedule(s);
        m_errorPlot->setTotalIterations(s.totalIterations());
    });
    connect(m_params, &ParameterPanel::supportRulesChanged, this, [this](const SupportRules& r) {
        m_controller->setSupportRules(r);
    });
    connect(m_params, &ParameterPanel::resetSettingsChanged, this, [this] {
        m_controller->setPendingSettings(m_params->settings());
        statusBar()->showMessage(tr("The new setting applies on Reset (Ctrl+R)"), 4000);
    });
}

void MainWindow::buildStatusBar() {
    const auto label = [this](const QString& tip, int minWidth) {
        auto* l = new QLabel;
        l->setToolTip(tip);
        l->setMinimumWidth(minWidth);
        statusBar()->addPermanentWidget(l);
        return l;
    };
    m_pixelLabel = label(tr("Value under the cursor: (row, column) = value"), 140);
    m_engineLabel = label(tr("Engine, device and how frames reach the screen"), 160);
    m_iterationLabel = label(tr("Iterations done / in the schedule"), 110);
    m_rateLabel = label(tr("Iterations per second"), 80);
    m_fpsLabel = label(tr("Frames drawn per second in the reconstruction view"), 60);
    m_errorLabel = label(tr("Current Fourier error of the displayed start"), 100);
}

void MainWindow::connectController() {
    RunController* c = m_controller;
    connect(c, &RunController::loaded, this, [this](QString engine, QString device, long long total) {
        m_engineText = engine.toUpper() + QStringLiteral(" · ") + device;
        m_errorPlot->reset(total);
        m_progress = Progress{};
        m_progress.total = total;
        m_resultDirty = false;
        updateStatus();
        pf::log(pf::LogLevel::Info, QStringLiteral("engine: %1").arg(m_engineText).toStdString());
    });
    connect(c, &RunController::progress, this, [this](const Progress& p) {
        m_progress = p;
        m_resultDirty = true;
    });
    connect(c, &RunController::metricsArrived, m_errorPlot, &ErrorPlot::append);
    connect(c, &RunController::frameReady, m_reconView, &ImageView::frameReady);
    connect(c, &RunController::supportReady, this, [this](MaskPtr mask) {
        if (mask)
            m_reconView->setOverlay(*mask, 0, packRgba(48, 120, 255, 110)); // outside: blue tint
    });
    connect(c, &RunController::modeChanged, this, &MainWindow::updateRunActions);
    connect(c, &RunController::finished, this, [this](long long it) {
        statusBar()->showMessage(tr("Finished after %1 iterations").arg(it), 5000);
        pf::log(pf::LogLevel::Info, "finished after " + std::to_string(it) + " iterations");
    });
    connect(c, &RunController::failed, this,
            [this](QString message) { showError(tr("Reconstruction"), message); });
    connect(c, &RunController::resultReady, this, [this](ResultPtr r) {
        if (!r)
            return;
        if (!m_pendingSave.isEmpty())
            writeResult(std::exchange(m_pendingSave, QString()), *r);
        if (m_controller->mode() != RunGate::Mode::Idle)
            return;
        // The finished run: the recipe's answer (averaged, centred), and its verdict.
        m_reconView->setImage(std::make_shared<const ImageF>(r->object));
        for (const auto& w : r->quality.warnings)
            pf::log(pf::LogLevel::Warning, "do not trust this result without checking: " + w);
        if (r->quality.trusted)
            pf::log(pf::LogLevel::Info,
                    std::to_string(r->kept.size()) + " starts agree; PRTF resolution " +
                        std::to_string(r->prtf.resolutionFrequency) + " cycles per pixel");
    });
}

void MainWindow::updateStatus() {
    const QString path = m_reconView->usesInterop() ? tr("interop") : tr("host upload");
    m_engineLabel->setText(m_engineText.isEmpty() ? tr("no engine yet")
                                                  : m_engineText + QStringLiteral(" · ") + path);
    m_iterationLabel->setText(tr("it %1 / %2").arg(m_progress.iteration).arg(m_progress.total));
    const bool running = m_controller->mode() == RunGate::Mode::Running;
    m_rateLabel->setText(running ? tr("%1 it/s").arg(m_progress.iterationsPerSecond, 0, 'f', 1)
                                 : tr("— it/s"));
    m_fpsLabel->setText(running ? tr("%1 fps").arg(m_reconView->displayFps(), 0, 'f', 0)
                                : tr("— fps"));
    m_errorLabel->setText(std::isfinite(m_progress.error)
                              ? tr("error %1").arg(double(m_progress.error), 0, 'e', 3)
                              : tr("error —"));
}

void MainWindow::updateRunActions() {
    const RunGate::Mode mode = m_controller->mode();
    const bool data = m_controller->hasData();
    m_startAction->setEnabled(data && mode != RunGate::Mode::Running);
    m_pauseAction->setEnabled(data && mode != RunGate::Mode::Idle);
    m_pauseAction->setText(mode == RunGate::Mode::Paused ? tr("&Resume") : tr("&Pause"));
    m_pauseAction->setIcon(style()->standardIcon(mode == RunGate::Mode::Paused ? QStyle::SP_MediaPlay
                                                                                : QStyle::SP_MediaPause));
    m_stepAction->setEnabled(data && mode != RunGate::Mode::Running);
    m_stopAction->setEnabled(data && mode != RunGate::Mode::Idle);
    m_resetAction->setEnabled(data);
    m_saveAction->setEnabled(data);
    m_saveAsAction->setEnabled(data);
    m_exportReconAction->setEnabled(data);
    m_exportDiffAction->setEnabled(data);
}

void MainWindow::restoreSettings() {
    QSettings& s = *m_settings;
    RunSettings run = loadRunSettings(s);
    if (m_options.engine)
        run.engine = *m_options.engine;
    m_params->setSettings(run);
    m_controller->setPendingSettings(m_params->settings());
    if (!restoreGeometry(s.value(QStringLiteral("window/geometry")).toByteArray()))
        resize(1280, 800);
    restoreState(s.value(QStringLiteral("window/state")).toByteArray());
    const QString diffMap = s.value(QStringLiteral("view/diffractionColormap")).toString();
    const QString reconMap = s.value(QStringLiteral("view/reconstructionColormap")).toString();
    if (!diffMap.isEmpty())
        m_diffColormap->setCurrentIndex(int(colormapFromName(diffMap)));
    if (!reconMap.isEmpty())
        m_reconColormap->setCurrentIndex(int(colormapFromName(reconMap)));
    m_diffLog->setChecked(s.value(QStringLiteral("view/diffractionLog"), true).toBool());
}

void MainWindow::storeSettings() {
    QSettings& s = *m_settings;
    saveRunSettings(s, m_params->settings());
    s.setValue(QStringLiteral("window/geometry"), saveGeometry());
    s.setValue(QStringLiteral("window/state"), saveState());
    s.setValue(QStringLiteral("view/diffractionColormap"), colormapName(m_diffView->colormap()));
    s.setValue(QStringLiteral("view/reconstructionColormap"), colormapName(m_reconView->colormap()));
    s.setValue(QStringLiteral("view/diffractionLog"), m_diffLog->isChecked());
    s.sync();
}

} // namespace pf::ui
