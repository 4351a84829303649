// What the main window's actions do: opening, simulating, saving, exporting,
// driving the run, and closing.
#include "phaseforge/ui/main_window.h"

#include "phaseforge/ui/app_settings.h"
#include "phaseforge/ui/continued_run.h"
#include "phaseforge/ui/error_plot.h"
#include "phaseforge/ui/image_view.h"
#include "phaseforge/ui/parameter_panel.h"
#include "phaseforge/ui/workbench_docks.h"

#include <phaseforge/algorithm.h>
#include <phaseforge/io/formats.h>
#include <phaseforge/io/write.h>
#include <phaseforge/log.h>
#include <phaseforge/version.h>

#include <QApplication>
#include <QCheckBox>
#include <QCloseEvent>
#include <QComboBox>
#include <QDialog>
#include <QDialogButtonBox>
#include <QDoubleSpinBox>
#include <QDropEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QMenu>
#include <QMessageBox>
#include <QMimeData>
#include <QSaveFile>
#include <QSettings>
#include <QSpinBox>
#include <QStatusBar>

namespace pf::ui {

void MainWindow::showError(const QString& title, const QString& message) {
    pf::log(pf::LogLevel::Error, message.toStdString());
    emit errorShown(message);
    if (m_options.quietErrors)
        return;
    // Window-modal and asynchronous: the worker and the views keep running.
    auto* box = new QMessageBox(QMessageBox::Warning, title, message, QMessageBox::Ok, this);
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->open();
}

// --- opening -----------------------------------------------------------------

void MainWindow::openDialog() {
    const QString dir = m_settings->value(QStringLiteral("files/lastDir")).toString();
    const QString path = QFileDialog::getOpenFileName(this, tr("Open Diffraction Pattern"), dir,
                                                      openFileFilter());
    if (!path.isEmpty())
        openFile(path);
}

void MainWindow::whenResultMayGo(const QString& question, std::function<void()> proceed) {
    if (!m_askBeforeDiscarding || !hasUnsavedResult()) {
        proceed();
        return;
    }
    QMessageBox box(QMessageBox::Question, tr("Unsaved Reconstruction"), question,
                    QMessageBox::Save | QMessageBox::Discard | QMessageBox::Cancel, this);
    box.setDefaultButton(QMessageBox::Save);
    emit questionShown(&box);
    switch (box.exec()) {
    case QMessageBox::Save:
        m_afterSave = std::move(proceed); // runs once the file is written
        saveResult();
        break;
    case QMessageBox::Discard:
        proceed();
        break;
    default:
        break;
    }
}

bool MainWindow::openFile(const QString& path) {
    // Shared: after a Save the file opens later, from writeResult().
    auto opened = std::make_shared<bool>(false);
    whenResultMayGo(tr("The reconstruction has not been saved. Save it before opening %1?")
                        .arg(QFileInfo(path).fileName()),
                    [this, path, opened] { *opened = openFileNow(path); });
    return *opened;
}

bool MainWindow::openFileNow(const QString& path) {
    QApplication::setOverrideCursor(Qt::WaitCursor);
    try {
        LoadedData data = loadDataFile(path);
        QApplication::restoreOverrideCursor();
        addRecentFile(*m_settings, path);
        m_settings->setValue(QStringLiteral("files/lastDir"), QFileInfo(path).absolutePath());
        updateRecentMenu();
        openData(std::move(data));
        return true;
    } catch (const std::exception& e) {
        QApplication::restoreOverrideCursor();
        showError(tr("Open"), QString::fromUtf8(e.what()));
        return false;
    }
}

void MainWindow::openSampleFile(const QString& path) { openFile(path); }

void MainWindow::openBuiltInSample(int size) {
    whenResultMayGo(tr("The reconstruction has not been saved. Save it before opening a "
                       "simulated sample?"),
                    [this, size] { openData(builtInSample(size)); });
}

void MainWindow::openData(LoadedData data) {
    if (!data.problem)
        return;
    for (const QString& notice : data.notices)
        pf::log(pf::LogLevel::Info, (data.title + QStringLiteral(": ") + notice).toStdString());
    pf::log(pf::LogLevel::Info, QStringLiteral("opened %1 (%2 × %3)")
                                    .arg(data.title)
                                    .arg(data.problem->shape().rows)
                                    .arg(data.problem->shape().cols)
                                    .toStdString());
    // A saved result brings its support, parameters and history (and its
    // problem gains the saved support), before the run is prepared.
    m_continued->dataOpening(data);
    m_diffView->setImage(centredMagnitude(*data.problem));
    m_fourierView->setImage(nullptr); // the new run's estimate follows
    m_diffView->setOverlay(centredMeasured(*data.problem), 0, packRgba(255, 40, 40, 150));
    m_data = std::move(data);
    m_workbench->dataOpened(m_data);
    m_savePath.clear();
    m_savedIteration = -1;
    m_resultDirty = false;
    setWindowTitle(QStringLiteral("PhaseForge — %1").arg(m_data.title));
    const RunSettings settings = runSettings();
    m_errorPlot->reset(settings.parameters.schedule.totalIterations());
    m_controller->load(m_data.problem, settings);
    updateRunActions();
}

void MainWindow::updateRecentMenu() {
    m_recentMenu->clear();
    const QStringList files = recentFiles(*m_settings);
    for (const QString& f : files)
        m_recentMenu->addAction(QFileInfo(f).fileName(), this, [this, f] { openFile(f); })
            ->setToolTip(f);
    m_recentMenu->setToolTipsVisible(true);
    m_recentMenu->setEnabled(!files.isEmpty());
}

void MainWindow::simulateFromImageDialog() {
    const QString dir = m_settings->value(QStringLiteral("files/lastImageDir")).toString();
    const QString path = QFileDialog::getOpenFileName(
        this, tr("Simulate From Image"), dir,
        tr("Pictures (%1 *.jpg *.jpeg *.bmp *.gif);;All files (*)")
            .arg(QString::fromStdString(pf::io::filePatterns())));
    if (path.isEmpty())
        return;
    m_settings->setValue(QStringLiteral("files/lastImageDir"), QFileInfo(path).absolutePath());

    QDialog dialog(this);
    dialog.setWindowTitle(tr("Simulate From Image"));
    auto* form = new QFormLayout(&dialog);
    auto* size = new QSpinBox;
    size->setRange(16, 2048);
    size->setValue(256);
    size->setToolTip(tr("Larger pictures are scaled down to this many pixels on their long side"));
    auto* oversampling = new QDoubleSpinBox;
    oversampling->setRange(1.0, 8.0);
    oversampling->setValue(2.0);
    oversampling->setSingleStep(0.5);
    oversampling->setToolTip(tr("Field size over object size per axis; 2 or more makes the "
                                "phase recoverable"));
    auto* photons = new QComboBox;
    photons->addItems({tr("Noiseless"), QStringLiteral("10⁹"), QStringLiteral("10⁷"),
                       QStringLiteral("10⁵")});
    photons->setToolTip(tr("Total photons for Poisson noise; fewer photons, more noise"));
    auto* beamstop = new QDoubleSpinBox;
    beamstop->setRange(0, 64);
    beamstop->setToolTip(tr("Radius, in pixels, of the unmeasured disc around the zero frequency"));
    auto* invert = new QCheckBox(tr("Dark features are the object"));
    invert->setToolTip(tr("Invert the picture's brightness before using it as the object"));
    form->addRow(tr("Object size"), size);
    form->addRow(tr("Oversampling"), oversampling);
    form->addRow(tr("Photons"), photons);
    form->addRow(tr("Beamstop radius"), beamstop);
    form->addRow(invert);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel);
    form->addRow(buttons);
    connect(buttons, &QDialogButtonBox::accepted, &dialog, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, &dialog, &QDialog::reject);
    if (dialog.exec() != QDialog::Accepted)
        return;

    ImageSimulation options;
    options.maxObjectSize = size->value();
    options.simulation.oversampling = oversampling->value();
    static const double photonChoices[] = {0, 1e9, 1e7, 1e5};
    options.simulation.photons = photonChoices[std::clamp(photons->currentIndex(), 0, 3)];
    options.simulation.beamstopRadius = beamstop->value();
    options.invert = invert->isChecked();
    whenResultMayGo(
        tr("The reconstruction has not been saved. Save it before simulating a new pattern?"),
        [this, path, options] {
            QApplication::setOverrideCursor(Qt::WaitCursor);
            try {
                LoadedData data = simulateFromImage(path, options);
                QApplication::restoreOverrideCursor();
                openData(std::move(data));
            } catch (const std::exception& e) {
                QApplication::restoreOverrideCursor();
                showError(tr("Simulate From Image"), QString::fromUtf8(e.what()));
            }
        });
}

// --- saving and exporting ----------------------------------------------------

bool MainWindow::hasUnsavedResult() const {
    return m_controller->hasData() && m_resultDirty &&
           m_controller->completedIterations() != m_savedIteration;
}

void MainWindow::saveResult() {
    if (m_savePath.isEmpty())
        saveResultAsDialog();
    else
        saveResultAs(m_savePath);
}

void MainWindow::saveResultAsDialog() {
    if (!m_controller->hasData()) {
        m_afterSave = nullptr;
        return;
    }
    // Pause before asking for the name: the file holds the iterate the run
    // stood at when Save was chosen, and nothing runs behind the dialog.
    const bool pausedHere = m_controller->mode() == RunGate::Mode::Running;
    if (pausedHere)
        m_controller->pause();
    QString suggestion = m_settings->value(QStringLiteral("files/lastSaveDir")).toString();
    if (!suggestion.isEmpty())
        suggestion += QLatin1Char('/');
    suggestion += QFileInfo(m_data.title).completeBaseName() + QStringLiteral("-reconstruction.cxi");
    const QString path = QFileDialog::getSaveFileName(this, tr("Save Reconstruction"), suggestion,
                                                      tr("CXI (*.cxi)"));
    if (path.isEmpty()) {
        m_afterSave = nullptr; // nothing saved: what waited for it does not happen
        if (pausedHere && m_controller->mode() == RunGate::Mode::Paused)
            m_controller->resume();
        return;
    }
    m_settings->setValue(QStringLiteral("files/lastSaveDir"), QFileInfo(path).absolutePath());
    saveResultAs(path);
}

bool MainWindow::saveResultAs(const QString& path) {
    if (!m_controller->hasData()) {
        m_afterSave = nullptr;
        showError(tr("Save"), tr("Nothing to save: open data and run a reconstruction first."));
        return false;
    }
    // The file must hold one consistent iterate: take the result read back at
    // a pause; pause a running reconstruction first.
    const RunGate::Mode mode = m_controller->mode();
    if (mode == RunGate::Mode::Running) {
        m_pendingSave = path;
        m_controller->pause();
        statusBar()->showMessage(tr("Pausing to save…"), 3000);
        return true;
    }
    const ResultPtr result = m_controller->lastResult();
    if (result && result->iterations == m_controller->completedIterations()) {
        writeResult(path, *result);
    } else {
        m_pendingSave = path;
        // Paused: the worker reads the result back as it pauses, and that
        // result is on its way. Idle: ask for it.
        if (mode == RunGate::Mode::Idle)
            m_controller->requestResult();
    }
    return true;
}

void MainWindow::writeResult(const QString& path, const pf::Result& result) {
    try {
        pf::io::Provenance provenance;
        provenance.inputPath = m_data.path.toStdString();
        if (!m_data.path.isEmpty() && QFileInfo(m_data.path).isFile())
            provenance.inputSha256 = pf::io::sha256File(m_data.path.toStdString());
        provenance.commandLine = QApplication::arguments().join(QLatin1Char(' ')).toStdString();
        if (const pf::Continuation* continued = m_continued->continuation())
            provenance.continuedFrom = continued->source;
        pf::io::writeResultCxi(path.toStdString(), result, m_controller->settings().parameters,
                               *m_data.problem, provenance);
    } catch (const std::exception& e) {
        m_afterSave = nullptr;
        showError(tr("Save"), QString::fromUtf8(e.what()));
        return;
    }
    m_savePath = path;
    m_savedIteration = result.iterations;
    m_resultDirty = false;
    pf::log(pf::LogLevel::Info, QStringLiteral("saved %1 (iteration %2)")
                                    .arg(path).arg(result.iterations).toStdString());
    statusBar()->showMessage(tr("Saved %1").arg(QFileInfo(path).fileName()), 5000);
    emit saved(path);
    if (auto next = std::exchange(m_afterSave, nullptr))
        next();
}

void MainWindow::exportView(ImageView* view, const QString& what) {
    const QImage image = view->renderImage();
    if (image.isNull()) {
        showError(tr("Export"), tr("The %1 view is empty.").arg(what));
        return;
    }
    QString suggestion = m_settings->value(QStringLiteral("files/lastExportDir")).toString();
    if (!suggestion.isEmpty())
        suggestion += QLatin1Char('/');
    suggestion += QFileInfo(m_data.title).completeBaseName() + QLatin1Char('-') + what +
                  QStringLiteral(".png");
    const QString path =
        QFileDialog::getSaveFileName(this, tr("Export PNG"), suggestion, tr("PNG (*.png)"));
    if (path.isEmpty())
        return;
    m_settings->setValue(QStringLiteral("files/lastExportDir"), QFileInfo(path).absolutePath());
    QSaveFile file(path); // written to a temporary, renamed on commit
    if (!file.open(QIODevice::WriteOnly) || !image.save(&file, "PNG") || !file.commit()) {
        showError(tr("Export"), tr("%1: %2").arg(path, file.errorString()));
        return;
    }
    pf::log(pf::LogLevel::Info, QStringLiteral("exported %1").arg(path).toStdString());
}

// --- running -------------------------------------------------------------------

RunSettings MainWindow::runSettings() const { return m_continued->runSettings(m_params->settings()); }

void MainWindow::start() {
    if (!m_controller->hasData()) {
        showError(tr("Start"), tr("No data loaded: open a file or a sample first."));
        return;
    }
    if (!m_params->scheduleValid()) {
        showError(tr("Start"), tr("The schedule is not valid; the last valid one is used."));
    }
    if (m_controller->isFinished())
        m_errorPlot->reset(m_params->settings().parameters.schedule.totalIterations());
    m_controller->start();
}

void MainWindow::togglePause() {
    if (!m_controller->hasData())
        return;
    if (m_controller->mode() == RunGate::Mode::Idle)
        start(); // Space on an idle run starts it
    else
        m_controller->togglePause();
}

void MainWindow::step() {
    if (m_controller->hasData())
        m_controller->step();
}

void MainWindow::stop() { m_controller->stop(); }

void MainWindow::reset() {
    if (!m_controller->hasData())
        return;
    const RunSettings settings = runSettings();
    m_errorPlot->reset(settings.parameters.schedule.totalIterations());
    m_progress = Progress{};
    m_controller->reset(settings);
}

// --- closing, drag and drop, help ----------------------------------------------

void MainWindow::closeEvent(QCloseEvent* event) {
    if (m_askBeforeDiscarding && hasUnsavedResult() && !m_closing) {
        // Asked here, closed again (with nothing left to ask) once it may go.
        event->ignore();
        whenResultMayGo(tr("The reconstruction has not been saved. Save it before closing?"),
                        [this] {
                            m_closing = true;
                            QMetaObject::invokeMethod(this, &QWidget::close, Qt::QueuedConnection);
                        });
        return;
    }
    m_controller->stop();
    storeSettings();
    event->accept();
}

void MainWindow::dragEnterEvent(QDragEnterEvent* event) {
    if (event->mimeData()->hasUrls() && event->mimeData()->urls().first().isLocalFile())
        event->acceptProposedAction();
}

void MainWindow::dropEvent(QDropEvent* event) {
    const QList<QUrl> urls = event->mimeData()->urls();
    if (!urls.isEmpty() && urls.first().isLocalFile()) {
        event->acceptProposedAction();
        openFile(urls.first().toLocalFile());
    }
}

void MainWindow::showShortcuts() {
    QString rows;
    for (QAction* a : {m_openAction, m_saveAction, m_saveAsAction, m_exportReconAction,
                       m_startAction, m_pauseAction, m_spaceKey, m_stepAction, m_stepKey,
                       m_stopAction, m_resetAction, m_fitAction, m_oneToOneAction, m_zoomInAction,
                       m_zoomOutAction, m_simulateAction, m_quitAction}) {
        QStringList keys;
        for (const QKeySequence& k : a->shortcuts())
            keys << k.toString(QKeySequence::NativeText);
        rows += QStringLiteral("<tr><td><b>%1</b></td><td>%2</td></tr>")
                    .arg(keys.join(QStringLiteral(", ")).toHtmlEscaped(), a->statusTip().toHtmlEscaped());
    }
    rows += tr("<tr><td></td><td>Space, S, F and 1 act when the focus is not in a text field; "
               "the F-keys and Ctrl keys act everywhere.</td></tr>");
    QMessageBox::information(this, tr("Keyboard Shortcuts"),
                             QStringLiteral("<table cellspacing=6>%1</table>"
                                            "<p>Mouse: wheel zooms, drag pans, double-click fits.</p>")
                                 .arg(rows));
}

void MainWindow::showAbout() {
    QMessageBox::about(this, tr("About PhaseForge"),
                       tr("<h3>PhaseForge %1</h3><p>Phase retrieval for coherent diffractive "
                          "imaging: %2 with shrink-wrap, on CUDA or FFTW, shown live.</p>")
                           .arg(QString::fromLatin1(pf::version()),
                                QString::fromStdString(pf::algorithmNameList())));
}

} // namespace pf::ui
