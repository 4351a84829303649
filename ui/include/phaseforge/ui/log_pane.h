// The log pane, fed by pf::setLogSink. Lines may come from any thread; they
// reach the pane through a queued call.
#pragma once

#include <phaseforge/log.h>

#include <QPlainTextEdit>

namespace pf::ui {

class LogPane : public QPlainTextEdit {
    Q_OBJECT
public:
    explicit LogPane(QWidget* parent = nullptr);
    /// Stops receiving lines; the pane captured before it (if any) receives
    /// them again. Panes may be destroyed in any order.
    ~LogPane() override;

    /// Sends pf::log lines to this pane (the newest capturing pane gets them;
    /// warnings and errors also still go to stderr).
    void captureLibraryLog();

public slots:
    void addLine(int level, const QString& text);

private:
    bool m_capturing = false;
};

} // namespace pf::ui
