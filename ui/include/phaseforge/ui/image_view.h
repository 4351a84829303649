// An OpenGL image view with zoom, pan, fit, 1:1, an overlay and the value
// under the cursor. It shows either a static host image (the diffraction
// pattern) or the live frames of a FrameBridge (the reconstruction): device
// frames are coloured straight into the GL texture by the bridge, host frames
// are coloured on the host and uploaded with glTexSubImage2D.
#pragma once

#include "phaseforge/ui/colormap.h"

#include <QElapsedTimer>
#include <QOpenGLFunctions>
#include <QOpenGLWidget>
#include <QPointF>

#include <memory>
#include <vector>

class QOpenGLShaderProgram;
class QOpenGLBuffer;
class QOpenGLVertexArrayObject;

namespace pf::ui {

class ImageView : public QOpenGLWidget, protected QOpenGLFunctions {
    Q_OBJECT
public:
    explicit ImageView(QWidget* parent = nullptr);
    ~ImageView() override;

    /// Live mode: frames come from the bridge; call frameReady() when one was published.
    void setBridge(std::shared_ptr<FrameBridge> bridge);
    /// Static mode: shows this image (null clears the view).
    void setImage(std::shared_ptr<const ImageF> image);
    void setColormap(Colormap map);
    Colormap colormap() const { return m_colormap; }
    /// Show log10(1 + v) instead of v (host images only).
    void setLogScale(bool on);
    bool logScale() const { return m_logScale; }
    /// A mask drawn over the image: pixels where mask == `where` get `rgba`
    /// (bytes R, G, B, A). An empty mask removes the overlay.
    void setOverlay(const Mask& mask, std::uint8_t where, std::uint32_t rgba);
    /// The overlay's mask as last set (empty: none).
    const Mask& overlayMask() const { return m_overlayMask; }
    void setOverlayVisible(bool on);
    /// Text shown while there is nothing to draw.
    void setPlaceholder(const QString& text);

    /// The image's values as shown (the newest frame in live mode), or null.
    std::shared_ptr<const ImageF> currentValues();
    /// The image coloured at its own resolution, for export.
    QImage renderImage();
    bool hasImage() const { return !m_textureShape.empty(); }
    /// True when device frames go straight into the texture.
    bool usesInterop() const { return m_interop == Interop::Attached; }
    /// Frames drawn per second, over the last second.
    double displayFps() const { return m_fps; }
    /// Screen pixels per image pixel.
    double zoom() const { return m_scale; }
    /// Mean time, in ms, the GUI thread spent putting a new frame into the
    /// texture (interop: wait, map, kernels, unmap; host: colour and upload)
    /// since the last resetTimings().
    double meanTextureUpdateMs() const {
        return m_updates > 0 ? double(m_updateNs) * 1e-6 / double(m_updates) : 0.0;
    }
    void resetTimings() { m_updateNs = 0; m_updates = 0; }
    /// "OpenGL <version> on <renderer>" once the context exists.
    QString glDescription() const { return m_glDescription; }

public slots:
    /// A new frame was published into the bridge.
    void frameReady();
    void fit();
    void oneToOne();
    void zoomIn();
    void zoomOut();

signals:
    /// The cursor is over (row, col) holding `value`; row < 0 when it left the image.
    void hovered(int row, int col, float value);
    void frameDrawn();

protected:
    void initializeGL() override;
    void paintGL() override;
    void resizeGL(int w, int h) override;
    void wheelEvent(QWheelEvent* event) override;
    void mousePressEvent(QMouseEvent* event) override;
    void mouseMoveEvent(QMouseEvent* event) override;
    void mouseReleaseEvent(QMouseEvent* event) override;
    void mouseDoubleClickEvent(QMouseEvent* event) override;
    void leaveEvent(QEvent* event) override;

private:
    enum class Interop { Unknown, Attached, Unavailable };

    void releaseGl();
    bool updateTexture();
    void ensureTexture(Shape shape);
    void uploadHost(const ImageF& image);
    void uploadOverlay();
    void drawQuad(unsigned int texture, float opacity);
    void zoomAround(QPointF widgetPos, double factor);
    QPointF toImage(QPointF widgetPos) const;
    void applyFit();
    void countFrame();

    std::shared_ptr<FrameBridge> m_bridge;
    std::shared_ptr<const ImageF> m_static;
    std::shared_ptr<const ImageF> m_hostCache; // values of the frame on screen, when known
    std::uint64_t m_cacheSerial = 0;
    bool m_dirty = true;
    std::uint64_t m_drawnSerial = 0;

    Colormap m_colormap = Colormap::Viridis;
    ColorTable m_table;
    bool m_logScale = false;
    QString m_placeholder;

    Mask m_overlayMask;
    std::uint8_t m_overlayWhere = 1;
    std::uint32_t m_overlayColour = 0;
    bool m_overlayVisible = true;
    bool m_overlayDirty = false;

    // GL state: valid between initializeGL() and releaseGl().
    std::unique_ptr<QOpenGLShaderProgram> m_program;
    std::unique_ptr<QOpenGLBuffer> m_corners;
    std::unique_ptr<QOpenGLVertexArrayObject> m_vao;
    unsigned int m_texture = 0;
    unsigned int m_overlayTexture = 0;
    Shape m_textureShape;
    Interop m_interop = Interop::Unknown;
    std::vector<std::uint32_t> m_rgba; // host colouring scratch

    // View: image coordinates at the widget's centre, device pixels per image pixel.
    QPointF m_centre;
    double m_scale = 1.0;
    bool m_fitMode = true;
    bool m_dragging = false;
    QPointF m_dragStart;
    QPointF m_dragCentre;

    QString m_glDescription;
    qint64 m_updateNs = 0;
    long long m_updates = 0;
    QElapsedTimer m_fpsClock;
    int m_fpsFrames = 0;
    double m_fps = 0;
};

} // namespace pf::ui
