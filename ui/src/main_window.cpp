// Building the main window: actions, menus, views, docks, status bar, and the
// wiring to the run controller. What the actions do is in main_window_actions.cpp.
#include "phaseforge/ui/main_window.h"

#include "phaseforge/ui/app_settings.h"
#include "phaseforge/ui/continued_run.h"
#include "phaseforge/ui/error_plot.h"
#include "phaseforge/ui/fourier_estimate.h"
#include "phaseforge/ui/frame_bridge.h"
#include "phaseforge/ui/image_view.h"
#include "phaseforge/ui/log_pane.h"
#include "phaseforge/ui/parameter_panel.h"
#include "phaseforge/ui/tool_tips.h"
#include "phaseforge/ui/workbench_docks.h"

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
#include <QGuiApplication>
#include <QScreen>
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
    updateStatus();
    wrapToolTips(this);

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

    // Every action has a key that types nothing (F-keys, Ctrl+…). Space and S
    // act only outside text fields: a line edit or spin box with the focus
    // takes them as text (Qt offers it the key first), anywhere else they run.
    m_startAction = make(st->standardIcon(QStyle::SP_MediaPlay), tr("S&tart"), QKeySequence(Qt::Key_F5),
                         tr("Start the reconstruction, or continue after Stop"), &MainWindow::start);
    m_pauseAction = make(st->standardIcon(QStyle::SP_MediaPause), tr("&Pause"), QKeySequence(Qt::Key_F6),
                         tr("Pause or resume the running reconstruction (also Space outside text fields)"),
                         &MainWindow::togglePause);
    m_stepAction = make(st->standardIcon(QStyle::SP_MediaSkipForward), tr("Ste&p"), QKeySequence(Qt::Key_F10),
                        tr("Run exactly one iteration, then pause (also S outside text fields)"),
                        &MainWindow::step);
    m_stopAction = make(st->standardIcon(QStyle::SP_MediaStop), tr("St&op"), QKeySequence(Qt::SHIFT | Qt::Key_F5),
                        tr("Stop after the current batch; the estimate is kept"), &MainWindow::stop);
    m_resetAction = make(st->standardIcon(QStyle::SP_BrowserReload), tr("&Reset"), QKeySequence(tr("Ctrl+R")),
                         tr("Back to iteration 0 with the current parameters (seed, starts, engine, support)"),
                         &MainWindow::reset);
    // Space and S as window-wide keys, enabled whenever there is data, so that
    // they never fall through to a focused check box or combo box.
    m_spaceKey = make(QIcon(), tr("Start, Pause or Resume"), QKeySequence(Qt::Key_Space),
                      tr("Start an idle run, pause a running one, resume a paused one"),
                      &MainWindow::togglePause);
    m_stepKey = make(QIcon(), tr("Step"), QKeySequence(Qt::Key_S),
                     tr("Run exactly one iteration, then pause"), &MainWindow::step);
    addAction(m_spaceKey);
    addAction(m_stepKey);

    m_fitAction = make(QIcon(), tr("&Fit"), QKeySequence(tr("Ctrl+0")),
                       tr("Fit the images to their views (also F outside text fields)"),
                       [this] { m_diffView->fit(); m_reconView->fit(); });
    m_fitAction->setShortcuts({QKeySequence(tr("Ctrl+0")), QKeySequence(Qt::Key_F)});
    m_oneToOneAction = make(QIcon(), tr("&1:1"), QKeySequence(tr("Ctrl+1")),
                            tr("One image pixel per screen pixel (also 1 outside text fields)"),
                            [this] { m_diffView->oneToOne(); m_reconView->oneToOne(); });
    m_oneToOneAction->setShortcuts({QKeySequence(tr("Ctrl+1")), QKeySequence(Qt::Key_1)});
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
                                [this, size] { openBuiltInSample(size); });
    }
    file->addAction(m_simulateAction);
    file->addAction(m_workbench->loadTruthAction());
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
    // The title gives way first when the window is narrow (a small screen, a
    // large scale factor): the controls beside it stay whole.
    label->setMinimumWidth(1); // below its text's width, down to nothing
    // Headers line up whether or not they hold a combo box.
    label->setMinimumHeight(QComboBox().sizeHint().height());
    label->setToolTip(title);
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
    m_diffEstimate = new QCheckBox(tr("Estimate"));
    m_diffEstimate->setToolTip(tr("Show |F x|, the Fourier transform of the object estimate, "
                                  "beside the measured magnitudes, with the same scale and colour "
                                  "map (updated a few times a second while running, and at "
                                  "every pause)"));
    m_fourierView = new ImageView;
    m_fourierView->setObjectName(QStringLiteral("fourierView"));
    m_fourierView->setToolTip(tr("|F x| of the object estimate (the displayed start), centred "
                                 "like the measured pattern"));
    m_fourierView->setPlaceholder(tr("The Fourier-space estimate appears here\nonce a run has "
                                     "started or paused."));
    m_fourierView->setLogScale(true);
    m_fourierView->setColormap(Colormap::Magma);
    connect(m_diffColormap, &QComboBox::currentIndexChanged, this, [this](int i) {
        m_diffView->setColormap(Colormap(i));
        m_fourierView->setColormap(Colormap(i));
    });
    connect(m_diffLog, &QCheckBox::toggled, m_diffView, &ImageView::setLogScale);
    connect(m_diffLog, &QCheckBox::toggled, m_fourierView, &ImageView::setLogScale);
    connect(m_diffEstimate, &QCheckBox::toggled, this, &MainWindow::showFourierEstimate);
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
                                   {m_diffEstimate, m_diffLog, m_diffMask, m_diffColormap}));
    m_fourierBox = framedView(tr("Estimate |F x|"), m_fourierView, {});
    m_fourierBox->hide();
    splitter->addWidget(m_fourierBox);
    splitter->addWidget(framedView(tr("Reconstruction"), m_reconView,
                                   {m_reconSupport, m_reconColormap}));
    splitter->setChildrenCollapsible(false);
    setCentralWidget(splitter);

    const auto showPixel = [this](int row, int col, float value) {
        m_pixelLabel->setText(row < 0 ? QString()
                                      : tr("(%1, %2) = %3").arg(row).arg(col).arg(double(value), 0, 'g', 5));
    };
    connect(m_diffView, &ImageView::hovered, this, showPixel);
    connect(m_fourierView, &ImageView::hovered, this, showPixel);
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
    m_continued = new ContinuedRun(m_params, m_errorPlot, statusBar(), this);

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
    m_workbench = new WorkbenchDocks(this, m_controller, m_reconView,
                                     [this](const QString& t, const QString& m) { showError(t, m); });

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
        m_controller->setPendingSettings(runSettings());
        statusBar()->showMessage(tr("The new setting applies on Reset (Ctrl+R)"), 4000);
    });
}

void MainWindow::buildStatusBar() {
    const auto label = [this](const QString& tip, int minWidth, const char* name) {
        auto* l = new QLabel;
        l->setObjectName(QLatin1String(name));
        l->setToolTip(tip);
        l->setMinimumWidth(minWidth);
        statusBar()->addPermanentWidget(l);
        return l;
    };
    m_stateLabel = label(tr("What the run is doing: idle, running, paused, stopped or finished"), 90, "runState");
    m_pixelLabel = label(tr("Value under the cursor: (row, column) = value"), 0, "pixelValue");
    m_engineLabel = label(tr("Engine, device and how frames reach the screen"), 160, "engine");
    m_iterationLabel = label(tr("Iterations done / in the schedule"), 110, "iteration");
    m_rateLabel = label(tr("Iterations per second"), 80, "rate");
    m_fpsLabel = label(tr("Frames drawn per second in the reconstruction view"), 60, "fps");
    m_errorLabel = label(tr("Current Fourier error of the displayed start"), 100, "error");
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
        m_progressNs = steadyNowNs();
        m_resultDirty = true;
    });
    connect(c, &RunController::metricsArrived, m_errorPlot, &ErrorPlot::append);
    connect(c, &RunController::frameReady, m_reconView, &ImageView::frameReady);
    connect(c, &RunController::supportReady, this, [this](MaskPtr mask) {
        if (mask)
            m_reconView->setOverlay(*mask, 0, packRgba(48, 120, 255, 110)); // outside: blue tint
    });
    connect(c, &RunController::fourierReady, this, [this](ImagePtr magnitude, long long) {
        if (m_diffEstimate->isChecked())
            m_fourierView->setImage(std::move(magnitude));
    });
    connect(c, &RunController::modeChanged, this, [this] {
        updateRunActions();
        updateStatus();
    });
    connect(c, &RunController::paused, this, [this](long long it) {
        m_progress.iteration = it;
        updateStatus();
    });
    connect(c, &RunController::stopped, this, [this](long long it) {
        m_progress.iteration = it;
        updateStatus();
    });
    connect(c, &RunController::finished, this, [this](long long it) {
        statusBar()->showMessage(tr("Finished after %1 iterations").arg(it), 5000);
        pf::log(pf::LogLevel::Info, "finished after " + std::to_string(it) + " iterations");
        updateRunActions();
        updateStatus();
    });
    connect(c, &RunController::failed, this,
            [this](QString message) { showError(tr("Reconstruction"), message); });
    connect(c, &RunController::resultReady, this, [this](ResultPtr r) {
        if (!r)
            return;
        // A pending Save takes the result of the iteration the run stands at
        // (the one read back at the pause it asked for), not an older one.
        if (!m_pendingSave.isEmpty() && m_controller->mode() != RunGate::Mode::Running &&
            r->iterations == m_controller->completedIterations())
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
    const RunGate::Mode mode = m_controller->mode();
    QString state;
    if (!m_controller->hasData())
        state = tr("no data");
    else if (mode == RunGate::Mode::Running)
        state = tr("Running");
    else if (mode == RunGate::Mode::Paused)
        state = tr("Paused");
    else if (m_controller->isFinished())
        state = tr("Finished");
    else
        state = m_controller->completedIterations() > 0 ? tr("Stopped") : tr("Ready");
    m_stateLabel->setText(QStringLiteral("<b>%1</b>").arg(state));
    m_iterationLabel->setText(tr("it %1 / %2")
                                  .arg(std::max(m_progress.iteration, m_controller->completedIterations()))
                                  .arg(m_progress.total));
    // A rate is shown only while it is current: running, and measured in the
    // last second.
    const bool fresh = mode == RunGate::Mode::Running && m_progressNs > 0 &&
                       steadyNowNs() - m_progressNs < 1'000'000'000LL;
    m_rateLabel->setText(fresh ? tr("%1 it/s").arg(m_progress.iterationsPerSecond, 0, 'f', 1)
                               : tr("— it/s"));
    m_fpsLabel->setText(fresh ? tr("%1 fps").arg(m_reconView->displayFps(), 0, 'f', 0)
                              : tr("— fps"));
    m_errorLabel->setText(std::isfinite(m_progress.error)
                              ? tr("error %1").arg(double(m_progress.error), 0, 'e', 3)
                              : tr("error —"));
}

void MainWindow::updateRunActions() {
    const RunGate::Mode mode = m_controller->mode();
    const bool data = m_controller->hasData();
    const bool idle = mode == RunGate::Mode::Idle;
    // One of Start and Resume at a time: Start from idle, Resume when paused.
    m_startAction->setEnabled(data && idle);
    m_pauseAction->setEnabled(data && !idle);
    m_pauseAction->setText(mode == RunGate::Mode::Paused ? tr("&Resume") : tr("&Pause"));
    m_pauseAction->setIcon(style()->standardIcon(mode == RunGate::Mode::Paused ? QStyle::SP_MediaPlay
                                                                                : QStyle::SP_MediaPause));
    m_stepAction->setEnabled(data && mode != RunGate::Mode::Running);
    m_stopAction->setEnabled(data && !idle);
    m_resetAction->setEnabled(data);
    m_spaceKey->setEnabled(data);
    m_stepKey->setEnabled(data);
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
    const bool restored = restoreGeometry(s.value(QStringLiteral("window/geometry")).toByteArray());
    restoreState(s.value(QStringLiteral("window/state")).toByteArray());
    if (!restored)
        resize(1280, 800);
    fitToScreen();
    const QString diffMap = s.value(QStringLiteral("view/diffractionColormap")).toString();
    const QString reconMap = s.value(QStringLiteral("view/reconstructionColormap")).toString();
    if (!diffMap.isEmpty())
        m_diffColormap->setCurrentIndex(int(colormapFromName(diffMap)));
    if (!reconMap.isEmpty())
        m_reconColormap->setCurrentIndex(int(colormapFromName(reconMap)));
    m_diffLog->setChecked(s.value(QStringLiteral("view/diffractionLog"), true).toBool());
}

void MainWindow::setFourierEstimateShown(bool on) { m_diffEstimate->setChecked(on); }

void MainWindow::showFourierEstimate(bool on) {
    m_fourierBox->setVisible(on);
    if (auto* splitter = qobject_cast<QSplitter*>(centralWidget())) {
        // Measured and estimated pattern at the same size, for comparison.
        const QList<int> sizes = splitter->sizes();
        int total = 0;
        for (int s : sizes)
            total += s;
        // The diffraction column keeps room for its header's title and boxes.
        const int diff = std::min(std::max(total / 3, splitter->widget(0)->sizeHint().width()),
                                  total / 2);
        if (on && sizes.size() == 3 && total > 0)
            splitter->setSizes({diff, (total - diff) / 2, total - diff - (total - diff) / 2});
    }
    m_controller->setFourierUpdates(on);
    if (!on) {
        m_fourierView->setImage(nullptr);
        return;
    }
    // A paused worker reads no commands until it goes on: show the estimate
    // read back at the pause meanwhile.
    const ResultPtr r = m_controller->lastResult();
    if (m_controller->mode() == RunGate::Mode::Paused && r &&
        r->iterations == m_controller->completedIterations())
        m_fourierView->setImage(centredFourierMagnitude(r->object));
}

void MainWindow::fitToScreen() {
    // The default size, or a remembered one from a larger screen or a smaller
    // scale factor, must not exceed the screen the window opens on.
    const QScreen* screen = this->screen() ? this->screen() : QGuiApplication::primaryScreen();
    if (!screen)
        return;
    const QRect available = screen->availableGeometry();
    const QSize frame = frameGeometry().size() - geometry().size(); // title bar, borders
    const QSize most = (available.size() * 0.95).shrunkBy(QMargins(0, 0, frame.width(), frame.height()));
    const QSize size = this->size().boundedTo(most);
    if (size != this->size())
        resize(size);
    if (!available.contains(frameGeometry()))
        move(available.topLeft() + QPoint((available.width() - size.width()) / 2,
                                          (available.height() - size.height()) / 2));
}

void MainWindow::storeSettings() {
    QSettings& s = *m_settings;
    saveRunSettings(s, m_continued->settingsToRemember(m_params->settings()));
    s.setValue(QStringLiteral("window/geometry"), saveGeometry());
    s.setValue(QStringLiteral("window/state"), saveState());
    s.setValue(QStringLiteral("view/diffractionColormap"), colormapName(m_diffView->colormap()));
    s.setValue(QStringLiteral("view/reconstructionColormap"), colormapName(m_reconView->colormap()));
    s.setValue(QStringLiteral("view/diffractionLog"), m_diffLog->isChecked());
    s.sync();
}

} // namespace pf::ui
