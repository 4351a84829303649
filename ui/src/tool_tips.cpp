#include "phaseforge/ui/tool_tips.h"

#include <QAction>
#include <QTextDocument>
#include <QWidget>

namespace pf::ui {

namespace {
constexpr int kShortToolTip = 60; // characters that fit on one line anywhere
} // namespace

QString wrappingToolTip(const QString& text) {
    if (text.size() <= kShortToolTip || Qt::mightBeRichText(text))
        return text;
    QString html = text.toHtmlEscaped();
    html.replace(QLatin1Char('\n'), QStringLiteral("<br>"));
    return QStringLiteral("<p>") + html + QStringLiteral("</p>");
}

void wrapToolTips(QObject* root) {
    const auto wrap = [](auto* o) {
        const QString tip = o->toolTip();
        const QString wrapped = wrappingToolTip(tip);
        if (wrapped != tip)
            o->setToolTip(wrapped);
    };
    if (auto* w = qobject_cast<QWidget*>(root))
        wrap(w);
    for (QWidget* w : root->findChildren<QWidget*>())
        wrap(w);
    for (QAction* a : root->findChildren<QAction*>())
        wrap(a);
}

} // namespace pf::ui
