// The newest host frame published by an engine, handed from the worker thread
// to the GUI thread without copying under a lock.
#pragma once

#include <phaseforge/engine.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>

namespace pf::ui {

/// A DisplayTarget keeping the newest host frame. acceptHostFrame() runs on the
/// worker thread; latest() and serial() on any thread. Frames are immutable
/// once published: a reader keeps its shared_ptr as long as it likes.
class HostFrameBuffer final : public pf::DisplayTarget {
public:
    void acceptHostFrame(std::span<const float> object, Shape shape) override;

    /// Stores a frame that is already an image (the host copy of a device frame).
    void store(std::shared_ptr<const ImageF> frame);
    /// The newest frame, or null.
    std::shared_ptr<const ImageF> latest() const;
    /// Grows by one with every frame; 0 before the first.
    std::uint64_t serial() const { return m_serial.load(); }

private:
    mutable std::mutex m_mutex;           // guards m_front only (pointer swaps)
    std::shared_ptr<const ImageF> m_front;
    std::shared_ptr<ImageF> m_spare;      // worker thread only: reused when unshared
    std::atomic<std::uint64_t> m_serial{0};
};

} // namespace pf::ui
