#include "phaseforge/ui/image_view.h"

#include <phaseforge/log.h>

#include <QMouseEvent>
#include <QOpenGLBuffer>
#include <QOpenGLContext>
#include <QOpenGLShaderProgram>
#include <QOpenGLVertexArrayObject>
#include <QPainter>
#include <QWheelEvent>

#include <algorithm>
#include <cmath>

namespace pf::ui {

namespace {

// GLSL 1.10 / ES 1.00: runs on Mesa's llvmpipe, NVIDIA and compatibility contexts.
const char* kVertexShader = R"(
attribute vec2 corner;      // (0,0) top-left .. (1,1) bottom-right of the image
uniform vec4 rect;          // x0, y0, x1, y1 in normalised device coordinates
varying vec2 uv;
void main() {
    uv = corner;
    gl_Position = vec4(mix(rect.x, rect.z, corner.x), mix(rect.y, rect.w, corner.y), 0.0, 1.0);
}
)";

const char* kFragmentShader = R"(
#ifdef GL_ES
precision mediump float;
#endif
uniform sampler2D image;
uniform float opacity;
varying vec2 uv;
void main() {
    vec4 c = texture2D(image, uv);
    gl_FragColor = vec4(c.rgb, c.a * opacity);
}
)";

constexpr double kMinScale = 1.0 / 64.0;
constexpr double kMaxScale = 256.0;

} // namespace

ImageView::ImageView(QWidget* parent) : QOpenGLWidget(parent), m_table(colorTable(m_colormap)) {
    setMouseTracking(true);
    setFocusPolicy(Qt::ClickFocus);
    setMinimumSize(160, 160);
    m_fpsClock.start();
}

// Qt's hellogl2 pattern: the GL objects go while the context still exists.
ImageView::~ImageView() {
    // QOpenGLWidget's destructor, which runs after this one, destroys the
    // context and so emits aboutToBeDestroyed: without this disconnect that
    // signal would call releaseGl() on an object that is no longer an
    // ImageView (UBSan reports the downcast). Release here instead.
    if (QOpenGLContext* ctx = context())
        disconnect(ctx, &QOpenGLContext::aboutToBeDestroyed, this, &ImageView::releaseGl);
    releaseGl();
}

void ImageView::setBridge(std::shared_ptr<FrameBridge> bridge) {
    m_bridge = std::move(bridge);
    m_static.reset();
    m_dirty = true;
    update();
}

void ImageView::setImage(std::shared_ptr<const ImageF> image) {
    m_static = std::move(image);
    m_hostCache = m_static;
    m_dirty = true;
    if (m_static && m_static->shape != m_textureShape)
        m_fitMode = true;
    update();
}

void ImageView::setColormap(Colormap map) {
    m_colormap = map;
    m_table = colorTable(map);
    m_dirty = true;
    update();
}

void ImageView::setLogScale(bool on) {
    m_logScale = on;
    m_dirty = true;
    update();
}

void ImageView::setOverlay(const Mask& mask, std::uint8_t where, std::uint32_t rgba) {
    m_overlayMask = mask;
    m_overlayWhere = where;
    m_overlayColour = rgba;
    m_overlayDirty = true;
    update();
}

void ImageView::setOverlayVisible(bool on) {
    m_overlayVisible = on;
    update();
}

void ImageView::setPlaceholder(const QString& text) {
    m_placeholder = text;
    update();
}

void ImageView::frameReady() { update(); }

void ImageView::initializeGL() {
    initializeOpenGLFunctions();
    // The context can go away before the widget does (re-parenting, app exit):
    // release GL objects then, while it is still current-able.
    connect(context(), &QOpenGLContext::aboutToBeDestroyed, this, &ImageView::releaseGl,
            Qt::UniqueConnection);
    m_glDescription = QStringLiteral("OpenGL %1 on %2")
                          .arg(QString::fromLatin1(reinterpret_cast<const char*>(glGetString(GL_VERSION))),
                               QString::fromLatin1(reinterpret_cast<const char*>(glGetString(GL_RENDERER))));
    pf::log(pf::LogLevel::Info, ("display: " + m_glDescription).toStdString());
    m_program = std::make_unique<QOpenGLShaderProgram>();
    m_program->addShaderFromSourceCode(QOpenGLShader::Vertex, kVertexShader);
    m_program->addShaderFromSourceCode(QOpenGLShader::Fragment, kFragmentShader);
    m_program->bindAttributeLocation("corner", 0);
    if (!m_program->link())
        qWarning("image view: shader link failed: %s", qPrintable(m_program->log()));
    m_vao = std::make_unique<QOpenGLVertexArrayObject>();
    m_vao->create(); // fails harmlessly where VAOs do not exist
    static const GLfloat corners[] = {0, 0, 1, 0, 0, 1, 1, 1};
    m_corners = std::make_unique<QOpenGLBuffer>(QOpenGLBuffer::VertexBuffer);
    m_corners->create();
    m_corners->bind();
    m_corners->allocate(corners, sizeof corners);
    m_corners->release();
    m_textureShape = {};
    m_interop = Interop::Unknown;
    m_dirty = true;
    m_overlayDirty = true;
}

void ImageView::releaseGl() {
    if (!m_program && !m_texture && !m_overlayTexture)
        return;
    makeCurrent();
    if (m_interop == Interop::Attached && m_bridge)
        m_bridge->detachTexture(); // unregister before GL deletes the texture
    m_interop = Interop::Unknown;
    if (m_texture)
        glDeleteTextures(1, &m_texture);
    if (m_overlayTexture)
        glDeleteTextures(1, &m_overlayTexture);
    m_texture = m_overlayTexture = 0;
    m_textureShape = {};
    if (m_corners)
        m_corners->destroy();
    m_corners.reset();
    m_vao.reset();
    m_program.reset();
    doneCurrent();
}

void ImageView::ensureTexture(Shape shape) {
    if (m_texture && shape == m_textureShape)
        return;
    if (m_interop == Interop::Attached && m_bridge)
        m_bridge->detachTexture();
    m_interop = Interop::Unknown;
    if (m_texture)
        glDeleteTextures(1, &m_texture);
    glGenTextures(1, &m_texture);
    glBindTexture(GL_TEXTURE_2D, m_texture);
    glTexImage2D(GL_TEXTURE_2D, 0, GL_RGBA8, shape.cols, shape.rows, 0, GL_RGBA, GL_UNSIGNED_BYTE,
                 nullptr);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_S, GL_CLAMP_TO_EDGE);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_T, GL_CLAMP_TO_EDGE);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, GL_LINEAR);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, GL_NEAREST);
    const bool newShape = shape != m_textureShape;
    m_textureShape = shape;
    m_overlayDirty = true;
    if (newShape && m_fitMode)
        applyFit();
}

void ImageView::uploadHost(const ImageF& image) {
    ensureTexture(image.shape);
    m_rgba.resize(image.shape.size());
    colourize(image.data, m_table, m_logScale, m_rgba);
    glBindTexture(GL_TEXTURE_2D, m_texture);
    glPixelStorei(GL_UNPACK_ALIGNMENT, 4);
    glTexSubImage2D(GL_TEXTURE_2D, 0, 0, 0, image.shape.cols, image.shape.rows, GL_RGBA,
                    GL_UNSIGNED_BYTE, m_rgba.data());
}

bool ImageView::updateTexture() {
    if (!m_bridge) {
        if (!m_static) {
            if (m_texture)
                glDeleteTextures(1, &m_texture);
            m_texture = 0;
            m_textureShape = {};
            return false;
        }
        if (!m_dirty)
            return false;
        uploadHost(*m_static);
        m_dirty = false;
        return true;
    }
    std::uint64_t serial = 0;
    const FrameBridge::Source source = m_bridge->latest(serial);
    if (source == FrameBridge::Source::None || (serial == m_drawnSerial && !m_dirty))
        return false;
    if (source == FrameBridge::Source::Device) {
        const Shape shape = m_bridge->latestShape();
        if (shape.empty())
            return false;
        ensureTexture(shape);
        if (m_interop == Interop::Unknown)
            m_interop = m_bridge->attachTexture(m_texture, shape) ? Interop::Attached
                                                                  : Interop::Unavailable;
        if (m_interop == Interop::Attached) {
            if (!m_bridge->drawDeviceFrame(m_table))
                return false;
            m_drawnSerial = serial;
            m_dirty = false;
            return true;
        }
    }
    // Host frames, and device frames when interop is unavailable.
    auto host = m_bridge->hostFrame();
    if (!host)
        return false;
    uploadHost(*host);
    m_hostCache = host;
    m_cacheSerial = serial;
    m_drawnSerial = serial;
    m_dirty = false;
    return true;
}

void ImageView::uploadOverlay() {
    m_overlayDirty = false;
    if (m_overlayTexture)
        glDeleteTextures(1, &m_overlayTexture);
    m_overlayTexture = 0;
    if (m_overlayMask.empty() || m_overlayMask.shape != m_textureShape)
        return;
    std::vector<std::uint32_t> rgba(m_overlayMask.data.size());
    for (std::size_t i = 0; i < rgba.size(); ++i)
        rgba[i] = m_overlayMask.data[i] == m_overlayWhere ? m_overlayColour : 0u;
    glGenTextures(1, &m_overlayTexture);
    glBindTexture(GL_TEXTURE_2D, m_overlayTexture);
    glPixelStorei(GL_UNPACK_ALIGNMENT, 4);
    glTexImage2D(GL_TEXTURE_2D, 0, GL_RGBA8, m_textureShape.cols, m_textureShape.rows, 0, GL_RGBA,
                 GL_UNSIGNED_BYTE, rgba.data());
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_S, GL_CLAMP_TO_EDGE);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_T, GL_CLAMP_TO_EDGE);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, GL_LINEAR);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, GL_NEAREST);
}

void ImageView::paintGL() {
    glClearColor(0.11f, 0.11f, 0.12f, 1.0f);
    glClear(GL_COLOR_BUFFER_BIT);
    if (!m_program)
        return;
    QElapsedTimer updateClock;
    updateClock.start();
    const bool fresh = updateTexture();
    if (fresh) {
        m_updateNs += updateClock.nsecsElapsed();
        ++m_updates;
    }
    if (m_textureShape.empty()) {
        if (!m_placeholder.isEmpty()) {
            QPainter painter(this);
            painter.setPen(QColor(190, 190, 195));
            painter.drawText(rect().adjusted(16, 16, -16, -16), Qt::AlignCenter | Qt::TextWordWrap,
                             m_placeholder);
        }
        return;
    }
    if (m_overlayDirty)
        uploadOverlay();
    glEnable(GL_BLEND);
    glBlendFunc(GL_SRC_ALPHA, GL_ONE_MINUS_SRC_ALPHA);
    drawQuad(m_texture, 1.0f);
    if (m_overlayTexture && m_overlayVisible)
        drawQuad(m_overlayTexture, 1.0f);
    glDisable(GL_BLEND);
    if (fresh) {
        countFrame();
        emit frameDrawn();
    }
}

void ImageView::drawQuad(unsigned int texture, float opacity) {
    const double dpr = devicePixelRatioF();
    const double w = width() * dpr, h = height() * dpr;
    const auto ndcX = [&](double col) { return float(2.0 * (w / 2 + (col - m_centre.x()) * m_scale) / w - 1.0); };
    const auto ndcY = [&](double row) { return float(1.0 - 2.0 * (h / 2 + (row - m_centre.y()) * m_scale) / h); };

    QOpenGLVertexArrayObject::Binder binder(m_vao.get()); // core profiles need one bound
    m_program->bind();
    m_program->setUniformValue("rect", ndcX(0), ndcY(0), ndcX(m_textureShape.cols),
                               ndcY(m_textureShape.rows));
    m_program->setUniformValue("opacity", opacity);
    m_program->setUniformValue("image", 0);
    glActiveTexture(GL_TEXTURE0);
    glBindTexture(GL_TEXTURE_2D, texture);
    // Magnified pixels stay sharp; minified ones are averaged.
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, m_scale < 1.0 ? GL_LINEAR : GL_NEAREST);
    m_corners->bind();
    m_program->enableAttributeArray(0);
    m_program->setAttributeBuffer(0, GL_FLOAT, 0, 2);
    glDrawArrays(GL_TRIANGLE_STRIP, 0, 4);
    m_program->disableAttributeArray(0);
    m_corners->release();
    m_program->release();
}

void ImageView::resizeGL(int, int) {
    if (m_fitMode)
        applyFit();
}

void ImageView::applyFit() {
    if (m_textureShape.empty())
        return;
    const double dpr = devicePixelRatioF();
    const double w = std::max(1.0, width() * dpr), h = std::max(1.0, height() * dpr);
    m_scale = std::clamp(std::min(w / m_textureShape.cols, h / m_textureShape.rows), kMinScale,
                         kMaxScale);
    m_centre = QPointF(m_textureShape.cols / 2.0, m_textureShape.rows / 2.0);
}

void ImageView::fit() {
    m_fitMode = true;
    applyFit();
    update();
}

void ImageView::oneToOne() {
    m_fitMode = false;
    m_scale = 1.0;
    update();
}

void ImageView::zoomIn() { zoomAround(QPointF(width() / 2.0, height() / 2.0), 1.25); }
void ImageView::zoomOut() { zoomAround(QPointF(width() / 2.0, height() / 2.0), 0.8); }

QPointF ImageView::toImage(QPointF p) const {
    const double dpr = devicePixelRatioF();
    return QPointF((p.x() * dpr - width() * dpr / 2) / m_scale + m_centre.x(),
                   (p.y() * dpr - height() * dpr / 2) / m_scale + m_centre.y());
}

void ImageView::zoomAround(QPointF pos, double factor) {
    if (m_textureShape.empty())
        return;
    const QPointF anchor = toImage(pos);
    m_scale = std::clamp(m_scale * factor, kMinScale, kMaxScale);
    const double dpr = devicePixelRatioF();
    m_centre = QPointF(anchor.x() - (pos.x() * dpr - width() * dpr / 2) / m_scale,
                       anchor.y() - (pos.y() * dpr - height() * dpr / 2) / m_scale);
    m_fitMode = false;
    update();
}

void ImageView::wheelEvent(QWheelEvent* event) {
    const double steps = event->angleDelta().y() / 120.0;
    if (steps != 0)
        zoomAround(event->position(), std::pow(1.25, steps));
    event->accept();
}

void ImageView::mousePressEvent(QMouseEvent* event) {
    if (event->button() == Qt::LeftButton || event->button() == Qt::MiddleButton) {
        m_dragging = true;
        m_dragStart = event->position();
        m_dragCentre = m_centre;
        setCursor(Qt::ClosedHandCursor);
    }
}

void ImageView::mouseMoveEvent(QMouseEvent* event) {
    if (m_dragging) {
        const QPointF d = (event->position() - m_dragStart) * devicePixelRatioF() / m_scale;
        m_centre = m_dragCentre - d;
        m_fitMode = false;
        update();
    }
    const QPointF p = toImage(event->position());
    const int row = int(std::floor(p.y())), col = int(std::floor(p.x()));
    const auto values = currentValues();
    if (values && row >= 0 && col >= 0 && row < values->shape.rows && col < values->shape.cols)
        emit hovered(row, col, values->at(row, col));
    else
        emit hovered(-1, -1, 0.0f);
}

void ImageView::mouseReleaseEvent(QMouseEvent*) {
    m_dragging = false;
    unsetCursor();
}

void ImageView::mouseDoubleClickEvent(QMouseEvent*) { fit(); }

void ImageView::leaveEvent(QEvent*) { emit hovered(-1, -1, 0.0f); }

std::shared_ptr<const ImageF> ImageView::currentValues() {
    if (!m_bridge)
        return m_static;
    std::uint64_t serial = 0;
    if (m_bridge->latest(serial) == FrameBridge::Source::None)
        return nullptr;
    if (!m_hostCache || m_cacheSerial != serial) {
        m_hostCache = m_bridge->hostFrame(); // device frames: one copy back per frame
        m_cacheSerial = serial;
    }
    return m_hostCache;
}

QImage ImageView::renderImage() {
    const auto values = currentValues();
    return values ? colourizedImage(*values, m_table, m_logScale) : QImage();
}

void ImageView::countFrame() {
    ++m_fpsFrames;
    const qint64 ms = m_fpsClock.elapsed();
    if (ms >= 1000) {
        m_fps = m_fpsFrames * 1000.0 / double(ms);
        m_fpsFrames = 0;
        m_fpsClock.restart();
    }
}

} // namespace pf::ui
