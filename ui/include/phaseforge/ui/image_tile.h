// A small host-drawn picture of an image with a caption: the thumbnails of
// the starts panel, the truth view and the step-through view. No GL: a dock
// may hold many of them.
#pragma once

#include "phaseforge/ui/colormap.h"

#include <QFrame>
#include <QImage>

#include <memory>

class QLabel;

namespace pf::ui {

class ImageTile : public QFrame {
    Q_OBJECT
  public:
    explicit ImageTile(QWidget* parent = nullptr);

    /// Shows `image` (null: the placeholder text instead), coloured with the
    /// tile's colour map, log10(1 + v) when `logScale`.
    void setImage(std::shared_ptr<const ImageF> image, bool logScale = false);
    std::shared_ptr<const ImageF> image() const { return m_image; }
    bool logScale() const { return m_logScale; }
    void setColormap(Colormap map);
    void setCaption(const QString& text);
    QString caption() const;
    void setPlaceholder(const QString& text);
    /// A coloured frame around the picture (an invalid colour: none).
    void setHighlight(const QColor& colour);
    QColor highlight() const { return m_highlight; }

  private:
    class Picture;
    Picture* m_picture;
    QLabel* m_caption;
    std::shared_ptr<const ImageF> m_image;
    bool m_logScale = false;
    Colormap m_colormap = Colormap::Grey;
    QColor m_highlight;
};

} // namespace pf::ui
