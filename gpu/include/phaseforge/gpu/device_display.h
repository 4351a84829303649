// A display target that lives on the GPU. The CUDA engine recognises it in
// Engine::publish() and hands it a device pointer instead of a host image.
// No CUDA type appears here: the stream travels as an opaque handle.
#pragma once

#include <phaseforge/engine.h>

namespace pf::gpu {

class DeviceDisplayTarget : public pf::DisplayTarget {
public:
    /// Called on the engine's thread. `object` points to shape.size() floats of
    /// device memory holding the object estimate (real space), valid for work
    /// enqueued on `stream` (a cudaStream_t) before this call returns. The
    /// target enqueues its own copy on that stream and records its event there.
    virtual void acceptDeviceFrame(const float* object, Shape shape, void* stream) = 0;
};

} // namespace pf::gpu
