#include "phaseforge/ui/host_frame_buffer.h"

#include <algorithm>
#include <utility>

namespace pf::ui {

void HostFrameBuffer::acceptHostFrame(std::span<const float> object, Shape shape) {
    // Reuse the spare image when no reader holds it any more; otherwise make a
    // new one. Either way the copy happens outside the lock.
    if (!m_spare || m_spare.use_count() > 1)
        m_spare = std::make_shared<ImageF>();
    if (m_spare->shape != shape)
        *m_spare = ImageF(shape);
    std::copy_n(object.begin(), std::min(object.size(), shape.size()), m_spare->data.begin());
    std::shared_ptr<ImageF> published = std::move(m_spare);
    {
        std::lock_guard lock(m_mutex);
        // The old front becomes the spare: the worker may reuse it next time
        // if the GUI has let go of it.
        m_spare = std::const_pointer_cast<ImageF>(std::exchange(m_front, published));
    }
    m_serial.fetch_add(1);
}

void HostFrameBuffer::store(std::shared_ptr<const ImageF> frame) {
    {
        std::lock_guard lock(m_mutex);
        m_front = std::move(frame);
    }
    m_serial.fetch_add(1);
}

std::shared_ptr<const ImageF> HostFrameBuffer::latest() const {
    std::lock_guard lock(m_mutex);
    return m_front;
}

} // namespace pf::ui
