#include "phaseforge/ui/image_tile.h"

#include <QLabel>
#include <QPainter>
#include <QVBoxLayout>

namespace pf::ui {

/// Draws the coloured image scaled to fit, pixels kept square and sharp.
class ImageTile::Picture : public QWidget {
  public:
    explicit Picture(QWidget* parent) : QWidget(parent) {
        setMinimumSize(64, 64);
        setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Expanding);
    }
    QImage coloured;
    QString placeholder;
    QColor highlight; // drawn around the picture when valid

  protected:
    void paintEvent(QPaintEvent*) override {
        QPainter p(this);
        p.fillRect(rect(), palette().color(QPalette::Base));
        if (coloured.isNull()) {
            p.setPen(palette().color(QPalette::PlaceholderText));
            p.drawText(rect().adjusted(4, 4, -4, -4), Qt::AlignCenter | Qt::TextWordWrap,
                       placeholder);
            return;
        }
        const QSize fitted = coloured.size().scaled(size(), Qt::KeepAspectRatio);
        const QRect target(QPoint((width() - fitted.width()) / 2, (height() - fitted.height()) / 2),
                           fitted);
        p.setRenderHint(QPainter::SmoothPixmapTransform, false);
        p.drawImage(target.adjusted(3, 3, -3, -3), coloured);
        if (highlight.isValid()) {
            p.setPen(QPen(highlight, 3));
            p.drawRect(QRectF(target).adjusted(1.5, 1.5, -1.5, -1.5));
        }
    }
};

ImageTile::ImageTile(QWidget* parent)
    : QFrame(parent), m_picture(new Picture(this)), m_caption(new QLabel(this)) {
    setFrameShape(QFrame::StyledPanel);
    m_caption->setAlignment(Qt::AlignCenter);
    m_caption->setWordWrap(true);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(3, 3, 3, 3);
    layout->setSpacing(2);
    layout->addWidget(m_picture, 1);
    layout->addWidget(m_caption);
}

void ImageTile::setImage(std::shared_ptr<const ImageF> image, bool logScale) {
    m_image = std::move(image);
    m_logScale = logScale;
    m_picture->coloured = m_image && !m_image->empty()
                              ? colourizedImage(*m_image, colorTable(m_colormap), logScale)
                              : QImage();
    m_picture->update();
}

void ImageTile::setColormap(Colormap map) {
    m_colormap = map;
    setImage(m_image, m_logScale);
}

void ImageTile::setCaption(const QString& text) {
    m_caption->setText(text);
}
QString ImageTile::caption() const {
    return m_caption->text();
}

void ImageTile::setPlaceholder(const QString& text) {
    m_picture->placeholder = text;
    m_picture->update();
}

void ImageTile::setHighlight(const QColor& colour) {
    m_highlight = colour;
    m_picture->highlight = colour;
    m_picture->update();
}

} // namespace pf::ui
