#include "phaseforge/ui/log_pane.h"

#include <QDateTime>
#include <QMetaObject>
#include <algorithm>

#include <cstdio>
#include <string>

namespace pf::ui {

LogPane::LogPane(QWidget* parent) : QPlainTextEdit(parent) {
    setReadOnly(true);
    setMaximumBlockCount(5000);
    setLineWrapMode(QPlainTextEdit::NoWrap);
    setToolTip(tr("Messages from the engine, the file readers and the app"));
    QFont mono(QStringLiteral("monospace"));
    mono.setStyleHint(QFont::TypeWriter);
    setFont(mono);
    setStyleSheet(QStringLiteral("QPlainTextEdit { background: #1c1c1f; color: #d0d0d0; }"));
}

LogPane::~LogPane() {
    if (m_capturing)
        pf::setLogSink(std::move(m_previous)); // no line may reach a destroyed pane
}

void LogPane::captureLibraryLog() {
    if (m_capturing)
        return;
    m_capturing = true;
    // The sink runs on whichever thread logs, under the core's sink mutex; it
    // only posts a queued call. The pane outlives the sink (see destructor).
    m_previous = pf::setLogSink([this](pf::LogLevel level, std::string_view message) {
        const QString text = QString::fromUtf8(message.data(), qsizetype(message.size()));
        QMetaObject::invokeMethod(this, "addLine", Qt::QueuedConnection, Q_ARG(int, int(level)),
                                  Q_ARG(QString, text));
        if (level >= pf::LogLevel::Warning)
            std::fprintf(stderr, "phaseforge: %.*s\n", int(message.size()), message.data());
    });
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
