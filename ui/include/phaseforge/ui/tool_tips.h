// Tooltips that wrap: Qt shows a plain-text tooltip as one line however long
// it is, but wraps a rich-text one at about 80 characters.
#pragma once

#include <QString>

class QObject;

namespace pf::ui {

/// The tooltip text as rich text that wraps (line breaks kept); short texts
/// and texts that already are rich text are returned as they are.
QString wrappingToolTip(const QString& text);
/// Applies wrappingToolTip() to the tooltips of `root`, its child widgets and
/// their actions.
void wrapToolTips(QObject* root);

} // namespace pf::ui
