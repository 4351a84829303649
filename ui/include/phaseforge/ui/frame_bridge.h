// The path of a published frame from the worker to a GL texture.
//
// The worker hands target() to Engine::publish(). An engine that can write
// device memory (the CUDA engine) recognises the device target behind it; the
// FFTW engine hands over a host image. On the GUI thread the image view asks
// which kind of frame is newest and either lets the bridge write the texture
// on the device (CUDA-OpenGL interop, no host copy) or uploads a host copy.
//
// There is one implementation per build, chosen by CMake: host-only when the
// gpu/ layer is absent, interop-capable when it is present. No CUDA type and
// no GL header appears here.
#pragma once

#include <phaseforge/engine.h>
#include <phaseforge/image.h>

#include <array>
#include <cstdint>
#include <memory>
#include <string>

namespace pf::ui {

/// 256 RGBA colours, each packed as bytes R, G, B, A in memory order.
using ColorTable = std::array<std::uint32_t, 256>;

class FrameBridge {
public:
    enum class Source { None, Host, Device };

    virtual ~FrameBridge() = default;

    /// Worker thread: the target to publish into. Lives as long as the bridge.
    virtual pf::DisplayTarget& target() = 0;

    /// Any thread: where the newest frame is, and a number that grows with
    /// every publish (so the view can tell whether anything changed).
    virtual Source latest(std::uint64_t& serial) const = 0;
    /// Any thread: the newest frame's shape (empty before the first).
    virtual Shape latestShape() const = 0;

    /// GUI thread, GL context current. Prepares `texture` (GL_RGBA8 of
    /// `shape`) for direct device writes. Returns false, with a log line saying
    /// why, when that is impossible; the view then uploads host copies.
    virtual bool attachTexture(unsigned int texture, Shape shape) = 0;
    /// GUI thread, GL context current. Releases what attachTexture() took.
    virtual void detachTexture() = 0;
    /// GUI thread, GL context current, after a successful attachTexture() of
    /// the newest frame's shape: colours the newest device frame into the
    /// texture, scaled from its own minimum to maximum. False when there is no
    /// device frame.
    virtual bool drawDeviceFrame(const ColorTable& colors) = 0;

    /// The newest frame as a host image (device frames are copied back), or
    /// null when nothing was published yet.
    virtual std::shared_ptr<const ImageF> hostFrame() = 0;

    /// How device frames reach the screen in this build, for the status bar.
    virtual std::string devicePath() const = 0;
};

/// The bridge of this build: interop-capable when gpu/ was built.
std::unique_ptr<FrameBridge> makeFrameBridge();

} // namespace pf::ui
