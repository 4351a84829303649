// The CUDA-OpenGL interop module on its own, with a headless EGL context on
// the GPU (no display, no Qt GUI): a device frame published into
// GlInteropDisplay and coloured into a GL texture by the kernel must read back
// exactly as an independent host implementation of the same colour rule.
// Needs a CUDA device; skips cleanly without one.
#include <phaseforge/engine_factory.h>
#include <phaseforge/gpu/gl_interop.h>
#include <phaseforge/gpu/memory.h>

#include <EGL/egl.h>
#include <EGL/eglext.h>
#include <GL/gl.h>

#include <QTest>

#include <cmath>
#include <cstring>
#include <random>
#include <vector>

using namespace pf;

namespace {

/// Receives host frames (the interop forwards them here).
class HostSink final : public DisplayTarget {
public:
    void acceptHostFrame(std::span<const float> object, Shape shape) override {
        frame.assign(object.begin(), object.end());
        this->shape = shape;
    }
    std::vector<float> frame;
    Shape shape;
};

/// A colour table where every entry is different in every channel order.
std::vector<std::uint32_t> testColors() {
    std::vector<std::uint32_t> t(256);
    for (int i = 0; i < 256; ++i) {
        const std::uint8_t b[4] = {std::uint8_t(i), std::uint8_t(255 - i), std::uint8_t((i * 7) & 255), 200};
        std::memcpy(&t[std::size_t(i)], b, 4);
    }
    return t;
}

/// The colour rule written out independently: index = round((v - lo) · 255 /
/// (hi - lo)) over the finite values, in float; non-finite pixels are 0.
std::vector<int> referenceIndex(const std::vector<float>& v) {
    float lo = INFINITY, hi = -INFINITY;
    for (float x : v)
        if (std::isfinite(x)) {
            lo = std::min(lo, x);
            hi = std::max(hi, x);
        }
    const float scale = hi > lo ? 255.0f / (hi - lo) : 0.0f;
    std::vector<int> out(v.size());
    for (std::size_t i = 0; i < v.size(); ++i)
        out[i] = std::isfinite(v[i]) ? std::clamp(int((v[i] - lo) * scale + 0.5f), 0, 255) : -1;
    return out;
}

std::vector<float> randomFrame(Shape s, unsigned seed) {
    std::mt19937 rng(seed);
    std::normal_distribution<float> n(0.3f, 2.0f);
    std::vector<float> v(s.size());
    for (float& x : v)
        x = n(rng);
    v[3] = NAN;
    v[v.size() / 2] = INFINITY;
    v[v.size() - 2] = -INFINITY;
    return v;
}

/// A texture of the view's kind: GL_RGBA8, poisoned so unwritten pixels show.
GLuint makeTexture(Shape s) {
    GLuint t = 0;
    glGenTextures(1, &t);
    glBindTexture(GL_TEXTURE_2D, t);
    std::vector<std::uint32_t> poison(s.size(), 0xdeadbeefu);
    glTexImage2D(GL_TEXTURE_2D, 0, GL_RGBA8, s.cols, s.rows, 0, GL_RGBA, GL_UNSIGNED_BYTE, poison.data());
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, GL_NEAREST);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, GL_NEAREST);
    return t;
}

std::vector<std::uint32_t> readTexture(GLuint t, Shape s) {
    std::vector<std::uint32_t> px(s.size());
    glBindTexture(GL_TEXTURE_2D, t);
    glPixelStorei(GL_PACK_ALIGNMENT, 4);
    glGetTexImage(GL_TEXTURE_2D, 0, GL_RGBA, GL_UNSIGNED_BYTE, px.data());
    return px;
}

/// Compares a read-back texture with the reference. Returns the number of
/// pixels off by one table entry (rounding at a boundary); fails on anything else.
int compareTexture(const std::vector<std::uint32_t>& px, const std::vector<float>& values,
                   const std::vector<std::uint32_t>& colors) {
    const std::vector<int> ref = referenceIndex(values);
    int offByOne = 0;
    for (std::size_t i = 0; i < px.size(); ++i) {
        if (ref[i] < 0) {
            if (px[i] != 0u)
                qFatal("pixel %zu: non-finite value not transparent black", i);
            continue;
        }
        if (px[i] == colors[std::size_t(ref[i])])
            continue;
        const bool below = ref[i] > 0 && px[i] == colors[std::size_t(ref[i] - 1)];
        const bool above = ref[i] < 255 && px[i] == colors[std::size_t(ref[i] + 1)];
        if (!below && !above)
            return -1 - int(i);
        ++offByOne;
    }
    return offByOne;
}

} // namespace

class TestInterop : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void cleanupTestCase();
    void kernelWrittenTextureReadsBack();
    void newestOfSeveralFramesIsShown();
    void shapeChangeNeedsNewRegistration();
    void hostFramesAreForwarded();

private:
    EGLDisplay m_display = EGL_NO_DISPLAY;
    EGLContext m_context = EGL_NO_CONTEXT;
    EGLSurface m_surface = EGL_NO_SURFACE;
};

void TestInterop::initTestCase() {
    const std::string why = pf::cudaUnavailableReason();
    if (!why.empty())
        QSKIP(qPrintable(QStringLiteral("no usable CUDA device: %1").arg(QString::fromStdString(why))));
    // EGL's device platform: an OpenGL context on the GPU with no display.
    auto queryDevices = reinterpret_cast<PFNEGLQUERYDEVICESEXTPROC>(eglGetProcAddress("eglQueryDevicesEXT"));
    auto platformDisplay = reinterpret_cast<PFNEGLGETPLATFORMDISPLAYEXTPROC>(eglGetProcAddress("eglGetPlatformDisplayEXT"));
    QVERIFY2(queryDevices && platformDisplay, "EGL has no device platform (EGL_EXT_device_enumeration)");
    EGLDeviceEXT devices[8];
    EGLint count = 0;
    QVERIFY(queryDevices(8, devices, &count) && count > 0);
    for (EGLint i = 0; i < count && m_display == EGL_NO_DISPLAY; ++i) {
        EGLDisplay d = platformDisplay(EGL_PLATFORM_DEVICE_EXT, devices[i], nullptr);
        EGLint major = 0, minor = 0;
        if (d != EGL_NO_DISPLAY && eglInitialize(d, &major, &minor))
            m_display = d;
    }
    QVERIFY2(m_display != EGL_NO_DISPLAY, "no EGL device display could be initialised");
    QVERIFY(eglBindAPI(EGL_OPENGL_API));
    const EGLint configAttributes[] = {EGL_SURFACE_TYPE, EGL_PBUFFER_BIT, EGL_RENDERABLE_TYPE, EGL_OPENGL_BIT,
                                       EGL_RED_SIZE, 8, EGL_GREEN_SIZE, 8, EGL_BLUE_SIZE, 8, EGL_NONE};
    EGLConfig config;
    EGLint configs = 0;
    QVERIFY(eglChooseConfig(m_display, configAttributes, &config, 1, &configs) && configs == 1);
    const EGLint pbuffer[] = {EGL_WIDTH, 16, EGL_HEIGHT, 16, EGL_NONE};
    m_surface = eglCreatePbufferSurface(m_display, config, pbuffer);
    m_context = eglCreateContext(m_display, config, EGL_NO_CONTEXT, nullptr);
    QVERIFY(m_surface != EGL_NO_SURFACE && m_context != EGL_NO_CONTEXT);
    QVERIFY(eglMakeCurrent(m_display, m_surface, m_surface, m_context));
    qInfo("GL %s on %s", reinterpret_cast<const char*>(glGetString(GL_VERSION)),
          reinterpret_cast<const char*>(glGetString(GL_RENDERER)));
}

void TestInterop::cleanupTestCase() {
    if (m_display == EGL_NO_DISPLAY)
        return;
    eglMakeCurrent(m_display, EGL_NO_SURFACE, EGL_NO_SURFACE, EGL_NO_CONTEXT);
    if (m_context != EGL_NO_CONTEXT)
        eglDestroyContext(m_display, m_context);
    if (m_surface != EGL_NO_SURFACE)
        eglDestroySurface(m_display, m_surface);
    eglTerminate(m_display);
}

void TestInterop::kernelWrittenTextureReadsBack() {
    const Shape shape{61, 97}; // odd sizes: partial blocks in both directions
    const std::vector<float> values = randomFrame(shape, 1);
    const std::vector<std::uint32_t> colors = testColors();
    HostSink sink;
    pf::gpu::GlInteropDisplay display(sink);
    pf::gpu::Stream stream;
    pf::gpu::DeviceBuffer<float> frame(shape.size());
    pf::gpu::upload(frame.data(), values.data(), shape.size() * sizeof(float), stream.handle());
    display.acceptDeviceFrame(frame.data(), shape, stream.handle());
    QCOMPARE(display.deviceSerial(), std::uint64_t(1));
    QCOMPARE(display.deviceShape(), shape);

    const GLuint texture = makeTexture(shape);
    display.registerTexture(texture, shape);
    QVERIFY(display.textureRegistered());
    QVERIFY(display.drawLatest(colors.data()));
    const int offByOne = compareTexture(readTexture(texture, shape), values, colors);
    QVERIFY2(offByOne >= 0, qPrintable(QStringLiteral("pixel %1 has a wrong colour").arg(-1 - offByOne)));
    QVERIFY2(offByOne <= int(shape.size() / 1000), qPrintable(QStringLiteral("%1 pixels off by one").arg(offByOne)));

    // The frame itself travels unchanged.
    std::vector<float> back(shape.size());
    Shape backShape;
    QVERIFY(display.copyLatest(back, backShape));
    QCOMPARE(backShape, shape);
    QVERIFY(std::memcmp(back.data(), values.data(), back.size() * sizeof(float)) == 0);
    display.unregisterTexture();
    QVERIFY(!display.textureRegistered());
    glDeleteTextures(1, &texture);
}

void TestInterop::newestOfSeveralFramesIsShown() {
    const Shape shape{128, 128};
    const std::vector<std::uint32_t> colors = testColors();
    HostSink sink;
    pf::gpu::GlInteropDisplay display(sink);
    pf::gpu::Stream stream;
    pf::gpu::DeviceBuffer<float> frame(shape.size());
    const GLuint texture = makeTexture(shape);
    std::vector<float> values;
    for (unsigned k = 0; k < 5; ++k) {
        // The engine reuses its scratch for every publish: the display must
        // have taken its own copy each time.
        values = randomFrame(shape, 10 + k);
        pf::gpu::upload(frame.data(), values.data(), shape.size() * sizeof(float), stream.handle());
        display.acceptDeviceFrame(frame.data(), shape, stream.handle());
        if (k == 0)
            display.registerTexture(texture, shape);
        if (k % 2 == 0) {
            QVERIFY(display.drawLatest(colors.data()));
            QVERIFY(compareTexture(readTexture(texture, shape), values, colors) >= 0);
        }
    }
    QCOMPARE(display.deviceSerial(), std::uint64_t(5));
    std::vector<float> back(shape.size());
    Shape backShape;
    QVERIFY(display.copyLatest(back, backShape));
    QVERIFY(std::memcmp(back.data(), values.data(), back.size() * sizeof(float)) == 0);
    display.unregisterTexture();
    glDeleteTextures(1, &texture);
}

void TestInterop::shapeChangeNeedsNewRegistration() {
    const std::vector<std::uint32_t> colors = testColors();
    HostSink sink;
    pf::gpu::GlInteropDisplay display(sink);
    pf::gpu::Stream stream;
    const Shape a{32, 48}, b{50, 40};
    pf::gpu::DeviceBuffer<float> fa(a.size()), fb(b.size());
    const std::vector<float> va = randomFrame(a, 3), vb = randomFrame(b, 4);
    pf::gpu::upload(fa.data(), va.data(), a.size() * sizeof(float), stream.handle());
    pf::gpu::upload(fb.data(), vb.data(), b.size() * sizeof(float), stream.handle());
    const GLuint ta = makeTexture(a);
    display.acceptDeviceFrame(fa.data(), a, stream.handle());
    display.registerTexture(ta, a);
    QVERIFY(display.drawLatest(colors.data()));
    display.acceptDeviceFrame(fb.data(), b, stream.handle());
    QVERIFY2(!display.drawLatest(colors.data()), "a frame of another shape must not be drawn");
    const GLuint tb = makeTexture(b);
    display.registerTexture(tb, b);
    QVERIFY(display.drawLatest(colors.data()));
    QVERIFY(compareTexture(readTexture(tb, b), vb, colors) >= 0);
    display.unregisterTexture();
    glDeleteTextures(1, &ta);
    glDeleteTextures(1, &tb);
}

void TestInterop::hostFramesAreForwarded() {
    HostSink sink;
    pf::gpu::GlInteropDisplay display(sink);
    const std::vector<float> v = {1, 2, 3, 4, 5, 6};
    display.acceptHostFrame(v, Shape{2, 3});
    QCOMPARE(sink.frame, v);
    QCOMPARE(sink.shape, (Shape{2, 3}));
    QCOMPARE(display.deviceSerial(), std::uint64_t(0));
    std::vector<float> out(6);
    Shape s;
    QVERIFY(!display.copyLatest(out, s)); // no device frame yet
}

QTEST_GUILESS_MAIN(TestInterop)
#include "tst_interop.moc"
