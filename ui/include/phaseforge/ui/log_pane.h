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
    /// Restores the sink that was in place before this pane took over.
    ~LogPane() override;

    /// Makes this pane the process-wide pf::log sink (warnings and errors are
    /// also still written to stderr).
    void captureLibraryLog();

public slots:
    void addLine(int level, const QString& text);

private:
    pf::LogSink m_previous;
    bool m_capturing = false;
};

} // namespace pf::ui
