// CUDA-OpenGL interop for the live view: the engine publishes the object
// estimate into a double-buffered device display buffer; the GUI thread then
// colours the newest frame straight into a GL texture, with no host copy.
//
// No CUDA type and no GL header appears here: the texture is a plain GL name
// (unsigned int) and the stream an opaque handle, so the ui layer can include
// this header.
#pragma once

#include <phaseforge/gpu/device_display.h>

#include <cstdint>
#include <memory>
#include <span>

namespace pf::gpu {

/// A DeviceDisplayTarget backed by two device buffers and one registered GL
/// texture.
///
/// Threads: acceptDeviceFrame() runs on the engine's thread; the texture
/// methods run on the GUI thread with the texture's GL context current. A
/// mutex guards only the choice of buffer and the enqueueing of work; all
/// waiting happens on the device through CUDA events:
///  - publishing copies into the buffer the GUI is not showing, after the
///    GUI's last read of it (event readDone), then records event ready;
///  - drawing waits for ready in the GUI's own stream, maps the texture, runs
///    the colour-map kernel, records readDone and unmaps before GL draws.
/// Nothing touches CUDA until the first device frame or registration, so a
/// machine without a GPU can construct and destroy one freely.
class GlInteropDisplay final : public DeviceDisplayTarget {
public:
    /// Host frames (engines without device memory) are forwarded to `hostTarget`,
    /// which must outlive this object.
    explicit GlInteropDisplay(DisplayTarget& hostTarget);
    /// Waits for pending work and frees the buffers. Call unregisterTexture()
    /// first, with the GL context current; a registration left is released
    /// here as well as it can be.
    ~GlInteropDisplay() override;
    GlInteropDisplay(const GlInteropDisplay&) = delete;
    GlInteropDisplay& operator=(const GlInteropDisplay&) = delete;

    /// Engine thread: enqueues a copy of `object` (device memory, shape.size()
    /// floats, valid for work on `stream`) into the back buffer on `stream`.
    void acceptDeviceFrame(const float* object, Shape shape, void* stream) override;
    /// Engine thread: forwarded to the host target.
    void acceptHostFrame(std::span<const float> object, Shape shape) override;

    /// Any thread: grows with every device frame; 0 before the first.
    std::uint64_t deviceSerial() const;
    /// Any thread: the shape of the newest device frame.
    Shape deviceShape() const;

    /// GUI thread, context current: registers a GL_TEXTURE_2D of internal
    /// format GL_RGBA8 and size shape.cols × shape.rows for surface writes.
    /// Throws pf::EngineError when CUDA refuses (no device, a GL context of
    /// another vendor, …).
    void registerTexture(unsigned int texture, Shape shape);
    /// GUI thread, context current. Safe to call when nothing is registered.
    void unregisterTexture() noexcept;
    bool textureRegistered() const;

    /// GUI thread, context current: colours the newest device frame into the
    /// registered texture with a 256-entry table (RGBA8, bytes R, G, B, A),
    /// scaled from the frame's finite minimum to its maximum exactly as the
    /// host path does. Returns false when there is no device frame of the
    /// texture's shape. The texture is unmapped again before this returns.
    bool drawLatest(const std::uint32_t* colors256);

    /// Copies the newest device frame to the host (waits). Returns false when
    /// there is none or `out` has the wrong size; `shape` receives its shape.
    bool copyLatest(std::span<float> out, Shape& shape);

private:
    struct State;
    std::unique_ptr<State> m;
    DisplayTarget& m_host;
};

} // namespace pf::gpu
