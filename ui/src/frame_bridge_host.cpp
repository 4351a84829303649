// The frame bridge of a build without gpu/: every frame is a host image that
// the view uploads with glTexSubImage2D.
#include "phaseforge/ui/frame_bridge.h"
#include "phaseforge/ui/host_frame_buffer.h"

namespace pf::ui {

namespace {

class HostFrameBridge final : public FrameBridge {
public:
    pf::DisplayTarget& target() override { return m_host; }

    Source latest(std::uint64_t& serial) const override {
        serial = m_host.serial();
        return serial == 0 ? Source::None : Source::Host;
    }

    Shape latestShape() const override {
        const auto frame = m_host.latest();
        return frame ? frame->shape : Shape{};
    }

    bool attachTexture(unsigned int, Shape) override { return false; }
    void detachTexture() override {}
    bool drawDeviceFrame(const ColorTable&) override { return false; }
    std::shared_ptr<const ImageF> hostFrame() override { return m_host.latest(); }
    std::string devicePath() const override { return "host upload"; }

private:
    HostFrameBuffer m_host;
};

} // namespace

std::unique_ptr<FrameBridge> makeFrameBridge() { return std::make_unique<HostFrameBridge>(); }

} // namespace pf::ui
