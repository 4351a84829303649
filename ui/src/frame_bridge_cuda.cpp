// The frame bridge of a build with gpu/: device frames from the CUDA engine go
// through pf::gpu::GlInteropDisplay straight into the view's texture; host
// frames (the FFTW engine, or interop refused) are uploaded from the host.
#include "phaseforge/ui/frame_bridge.h"
#include "phaseforge/ui/host_frame_buffer.h"

#include <phaseforge/engine_factory.h>
#include <phaseforge/gpu/gl_interop.h>
#include <phaseforge/log.h>

#include <atomic>

namespace pf::ui {

namespace {

class InteropFrameBridge final : public FrameBridge {
public:
    pf::DisplayTarget& target() override { return m_device; }

    Source latest(std::uint64_t& serial) const override {
        // Whichever kind of frame arrived most recently is the one to show.
        const std::uint64_t host = m_host.serial(), device = m_device.deviceSerial();
        if (device != m_seenDevice.exchange(device))
            m_source = Source::Device;
        else if (host != m_seenHost.exchange(host))
            m_source = Source::Host;
        serial = host + device;
        return m_source.load();
    }

    Shape latestShape() const override {
        if (m_source.load() == Source::Device)
            return m_device.deviceShape();
        const auto frame = m_host.latest();
        return frame ? frame->shape : Shape{};
    }

    bool attachTexture(unsigned int texture, Shape shape) override {
        const std::string reason = pf::cudaUnavailableReason();
        if (!reason.empty()) {
            pf::log(pf::LogLevel::Warning, "display: no CUDA-OpenGL interop (" + reason +
                                               "); frames are uploaded from the host");
            return false;
        }
        try {
            m_device.registerTexture(texture, shape);
        } catch (const std::exception& e) {
            pf::log(pf::LogLevel::Warning,
                    std::string("display: CUDA-OpenGL interop registration failed (") + e.what() +
                        "); falling back to host copies");
            return false;
        }
        pf::log(pf::LogLevel::Info, "display: CUDA-OpenGL interop active, frames stay on the GPU");
        return true;
    }

    void detachTexture() override { m_device.unregisterTexture(); }

    bool drawDeviceFrame(const ColorTable& colors) override {
        return m_device.drawLatest(colors.data());
    }

    std::shared_ptr<const ImageF> hostFrame() override {
        if (m_source.load() != Source::Device)
            return m_host.latest();
        auto image = std::make_shared<ImageF>(m_device.deviceShape());
        Shape shape;
        if (image->empty() || !m_device.copyLatest(image->data, shape) || shape != image->shape)
            return nullptr;
        return image;
    }

    std::string devicePath() const override { return "CUDA-OpenGL interop"; }

private:
    HostFrameBuffer m_host;
    pf::gpu::GlInteropDisplay m_device{m_host};
    mutable std::atomic<Source> m_source{Source::None};
    mutable std::atomic<std::uint64_t> m_seenHost{0}, m_seenDevice{0};
};

} // namespace

std::unique_ptr<FrameBridge> makeFrameBridge() { return std::make_unique<InteropFrameBridge>(); }

} // namespace pf::ui
