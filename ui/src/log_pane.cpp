#include "phaseforge/ui/log_pane.h"

#include <QDateTime>
#include <QMetaObject>
#include <algorithm>
#include <mutex>
#include <vector>

#include <cstdio>
#include <string>

namespace pf::ui {

LogPane::LogPane(QWidget* parent) : QPlainTextEdit(parent) {
    setReadOnly(true);
    setMaximumBlockCount(5000);
    // Long lines (paths, errors) wrap instead of running off the dock.
    setLineWrapMode(QPlainTextEdit::WidgetWidth);
    setWordWrapMode(QTextOption::WrapAtWordBoundaryOrAnywhere);
    setToolTip(tr("Messages from the engine, the file readers and the app"));
    QFont mono(QStringLiteral("monospace"));
    mono.setStyleHint(QFont::TypeWriter);
    setFont(mono);
    setStyleSheet(QStringLiteral("QPlainTextEdit { background: #1c1c1f; color: #d0d0d0; }"));
}

namespace {

// The panes that capture the library log, newest last. The process-wide sink
// is installed once and forwards to the newest; a pane leaves the list in its
// destructor, under the same mutex the sink holds while it posts the line, so
// no line is ever posted to a destroyed pane.
std::mutex& panesMutex() {
    static std::mutex m;
    return m;
}
std::vector<LogPane*>& panes() {
    static std::vector<LogPane*> p;
    return p;
}

void forward(pf::LogLevel level, std::string_view message) {
    {
        std::lock_guard lock(panesMutex());
        if (!panes().empty()) {
            const QString text = QString::fromUtf8(message.data(), qsizetype(message.size()));
            QMetaObject::invokeMethod(panes().back(), "addLine", Qt::QueuedConnection,
                                      Q_ARG(int, int(level)), Q_ARG(QString, text));
        }
    }
    if (level >= pf::LogLevel::Warning)
        std::fprintf(stderr, "phaseforge: %.*s\n", int(message.size()), message.data());
}

} // namespace

LogPane::~LogPane() {
    std::lock_guard lock(panesMutex());
    auto& list = panes();
    list.erase(std::remove(list.begin(), list.end(), this), list.end());
}

void LogPane::captureLibraryLog() {
    if (m_capturing)
        return;
    m_capturing = true;
    // Installed outside panesMutex: the core calls the sink under its own
    // mutex, so taking the two in the other order here could deadlock.
    static std::once_flag installed;
    std::call_once(installed, [] { pf::setLogSink(&forward); });
    std::lock_guard lock(panesMutex());
    panes().push_back(this);
}

void LogPane::addLine(int level, const QString& text) {
    static const char* const tags[] = {"debug", "info", "warning", "error"};
    static const char* const colours[] = {"#808080", "#d0d0d0", "#e0b040", "#ff6060"};
    const int l = std::clamp(level, 0, 3);
    const QString time = QDateTime::currentDateTime().toString(QStringLiteral("HH:mm:ss"));
    appendHtml(QStringLiteral("<span style='color:#808080'>%1</span> "
                              "<span style='color:%2'>%3: %4</span>")
                   .arg(time, QLatin1String(colours[l]), QLatin1String(tags[l]),
                        text.toHtmlEscaped()));
}

} // namespace pf::ui
