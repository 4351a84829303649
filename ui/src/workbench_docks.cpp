#include "phaseforge/ui/workbench_docks.h"

#include "phaseforge/ui/image_view.h"
#include "phaseforge/ui/run_controller.h"
#include "phaseforge/ui/starts_panel.h"
#include "phaseforge/ui/step_through_panel.h"
#include "phaseforge/ui/truth_panel.h"

#include <phaseforge/io/formats.h>
#include <phaseforge/io/load.h>
#include <phaseforge/log.h>

#include <QAction>
#include <QDockWidget>
#include <QFileDialog>
#include <QFileInfo>
#include <QMainWindow>

namespace pf::ui {

WorkbenchDocks::WorkbenchDocks(QMainWindow* window, RunController* controller,
                               ImageView* reconstruction,
                               std::function<void(const QString&, const QString&)> showError)
    : QObject(window), m_window(window), m_controller(controller), m_reconstruction(reconstruction),
      m_showError(std::move(showError)), m_loadTruth(new QAction(tr("Load &Truth…"), this)),
      m_starts(new StartsPanel), m_truth(new TruthPanel), m_step(new StepThroughPanel),
      m_startsDock(new QDockWidget(tr("Starts and PRTF"), window)),
      m_truthDock(new QDockWidget(tr("Truth"), window)),
      m_stepDock(new QDockWidget(tr("Step Through"), window)) {
    m_loadTruth->setStatusTip(tr("Load a known object to compare the reconstruction with"));
    m_loadTruth->setToolTip(m_loadTruth->statusTip());
    connect(m_loadTruth, &QAction::triggered, this, &WorkbenchDocks::loadTruthDialog);

    const auto dock = [window](QDockWidget* d, const char* name, QWidget* panel,
                               Qt::DockWidgetArea area) {
        d->setObjectName(QLatin1String(name));
        d->setWidget(panel);
        window->addDockWidget(area, d);
        d->hide(); // teaching views: opened from the View menu (the layout is remembered)
    };
    dock(m_startsDock, "startsDock", m_starts, Qt::RightDockWidgetArea);
    dock(m_truthDock, "truthDock", m_truth, Qt::RightDockWidgetArea);
    window->tabifyDockWidget(m_startsDock, m_truthDock);
    // Five pictures in a row: the wide bottom area.
    dock(m_stepDock, "stepThroughDock", m_step, Qt::BottomDockWidgetArea);

    // Each view asks the worker for what it shows only while it is visible.
    connect(m_startsDock, &QDockWidget::visibilityChanged, controller,
            &RunController::setStartUpdates);
    connect(m_truthDock, &QDockWidget::visibilityChanged, this,
            &WorkbenchDocks::updateObjectRequests);
    connect(m_stepDock, &QDockWidget::visibilityChanged, this, [this](bool on) {
        m_controller->setStepThrough(on);
        if (on && m_controller->mode() == RunGate::Mode::Running)
            m_step->clear(tr("Running: pause (Space) or Step (S) to see the stages of the next "
                             "iteration."));
    });

    RunController* c = controller;
    connect(c, &RunController::loaded, this, [this] {
        m_starts->clear(m_controller->settings().parameters.starts);
        if (m_controller->problem())
            m_truth->setField(m_controller->problem()->shape()); // a new run: nothing compared yet
        m_step->clear(tr("Step (S): the stages of the next iteration appear here."));
    });
    connect(c, &RunController::finished, this, [this] {
        if (m_controller->settings().parameters.starts > 1 && !m_startsDock->isVisible())
            pf::log(pf::LogLevel::Info, "View › Starts and PRTF shows every start, the kept ones "
                                        "and the resolution");
    });
    connect(c, &RunController::metricsArrived, m_starts, &StartsPanel::appendMetrics);
    connect(c, &RunController::startsReady, m_starts, &StartsPanel::setStarts);
    connect(c, &RunController::stagesReady, m_step, &StepThroughPanel::setStages);
    connect(c, &RunController::objectReady, this, [this](ImagePtr object, long long iteration) {
        m_truth->compare(std::move(object), iteration);
    });
    connect(c, &RunController::resultReady, this, [this](ResultPtr r) {
        // A run loop that ended shows the recipe's answer (MainWindow): compare that.
        if (r && m_controller->mode() == RunGate::Mode::Idle && m_truthDock->isVisible())
            m_truth->compare(std::make_shared<const ImageF>(r->object), r->iterations);
    });
}

void WorkbenchDocks::dataOpened(const LoadedData& data) {
    if (!data.problem)
        return;
    m_truth->setField(data.problem->shape());
    if (data.groundTruth) {
        try {
            m_truth->setTruth(*data.groundTruth, tr("the simulated object"));
        } catch (const std::exception& e) {
            pf::log(pf::LogLevel::Warning, std::string("the simulated object is not shown as the "
                                                       "truth: ") +
                                               e.what());
        }
    }
    updateObjectRequests();
}

void WorkbenchDocks::loadTruthDialog() {
    const QString path = QFileDialog::getOpenFileName(
        m_window, tr("Load Truth"), QString(),
        tr("Images (%1);;All files (*)").arg(QString::fromStdString(pf::io::filePatterns())));
    if (!path.isEmpty())
        loadTruth(path);
}

bool WorkbenchDocks::loadTruth(const QString& path) {
    if (!m_controller->hasData()) {
        m_showError(tr("Load Truth"), tr("Open data first: the truth is compared with its "
                                         "reconstruction."));
        return false;
    }
    try {
        const pf::io::LoadedImage image = pf::io::loadImage(path.toStdString());
        m_truth->setTruth(image.image, QFileInfo(path).fileName());
    } catch (const std::exception& e) {
        m_showError(tr("Load Truth"), QString::fromUtf8(e.what()));
        return false;
    }
    pf::log(pf::LogLevel::Info, QStringLiteral("truth: %1").arg(path).toStdString());
    m_truthDock->show();
    m_truthDock->raise();
    updateObjectRequests();
    return true;
}

void WorkbenchDocks::updateObjectRequests() {
    const bool on = m_truthDock->isVisible() && m_truth->hasTruth();
    m_controller->setObjectUpdates(on);
    if (on)
        compareShown();
}

void WorkbenchDocks::compareShown() {
    // A paused or idle worker sends nothing until it goes on: compare what the
    // reconstruction view shows now. An ended run shows the result's average.
    const RunGate::Mode mode = m_controller->mode();
    if (mode == RunGate::Mode::Running)
        return; // the next object arrives within a quarter of a second
    const long long done = m_controller->completedIterations();
    const ResultPtr r = m_controller->lastResult();
    if (mode == RunGate::Mode::Idle && r && done > 0 && r->iterations == done) {
        m_truth->compare(std::make_shared<const ImageF>(r->object), done);
        return;
    }
    if (ImagePtr shown = m_reconstruction->currentValues())
        m_truth->compare(std::move(shown), done);
}

} // namespace pf::ui
