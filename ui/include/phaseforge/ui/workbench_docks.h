// The workbench's teaching docks beside the main window's views: the
// multi-start runs panel, the truth view and the step-through view, with
// File › Load Truth…. Wired to the RunController; the main window only
// creates this and tells it about new data.
#pragma once

#include "phaseforge/ui/data_source.h"
#include "phaseforge/ui/run_types.h"

#include <QObject>
#include <QString>

#include <functional>

class QAction;
class QDockWidget;
class QMainWindow;

namespace pf::ui {

class ImageView;
class RunController;
class StartsPanel;
class StepThroughPanel;
class TruthPanel;

class WorkbenchDocks : public QObject {
    Q_OBJECT
  public:
    /// Adds the docks to `window` (hidden until chosen in the View menu).
    /// `reconstruction` is the live view the truth is compared with;
    /// `showError(title, message)` reports a failure to the user.
    WorkbenchDocks(QMainWindow* window, RunController* controller, ImageView* reconstruction,
                   std::function<void(const QString&, const QString&)> showError);

    QAction* loadTruthAction() const { return m_loadTruth; }
    QDockWidget* startsDock() const { return m_startsDock; }
    QDockWidget* truthDock() const { return m_truthDock; }
    QDockWidget* stepThroughDock() const { return m_stepDock; }
    StartsPanel* startsPanel() const { return m_starts; }
    TruthPanel* truthPanel() const { return m_truth; }
    StepThroughPanel* stepThroughPanel() const { return m_step; }

    /// New data: the truth view takes its field, and a simulated pattern's
    /// own object as the truth.
    void dataOpened(const LoadedData& data);
    /// Reads a truth image through the core's loaders and shows the truth
    /// view. Returns false (and reports why) when it cannot be used.
    bool loadTruth(const QString& path);

  private:
    void loadTruthDialog();
    void compareShown();
    void updateObjectRequests();

    QMainWindow* m_window;
    RunController* m_controller;
    ImageView* m_reconstruction;
    std::function<void(const QString&, const QString&)> m_showError;
    QAction* m_loadTruth;
    StartsPanel* m_starts;
    TruthPanel* m_truth;
    StepThroughPanel* m_step;
    QDockWidget* m_startsDock;
    QDockWidget* m_truthDock;
    QDockWidget* m_stepDock;
};

} // namespace pf::ui
