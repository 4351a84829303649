// Check macros for CUDA and cuFFT calls: a failure throws pf::EngineError whose
// message names the file, the line and the failing call's text.
#pragma once

#include <phaseforge/error.h>

#include <cuda_runtime.h>
#include <cufft.h>

#include <string>

namespace pf::gpu::detail {

[[noreturn]] void throwCudaError(cudaError_t code, const char* call, const char* file, int line);
[[noreturn]] void throwCufftError(cufftResult code, const char* call, const char* file, int line);
const char* cufftResultName(cufftResult code);

/// For destructors, which never throw: logs a failure instead.
void logCudaFailure(cudaError_t code, const char* call, const char* file, int line) noexcept;

} // namespace pf::gpu::detail

#define PF_CUDA_CHECK(call)                                                                    \
    do {                                                                                       \
        const cudaError_t pf_cuda_status_ = (call);                                            \
        if (pf_cuda_status_ != cudaSuccess)                                                    \
            ::pf::gpu::detail::throwCudaError(pf_cuda_status_, #call, __FILE__, __LINE__);     \
    } while (0)

#define PF_CUFFT_CHECK(call)                                                                   \
    do {                                                                                       \
        const cufftResult pf_cufft_status_ = (call);                                           \
        if (pf_cufft_status_ != CUFFT_SUCCESS)                                                 \
            ::pf::gpu::detail::throwCufftError(pf_cufft_status_, #call, __FILE__, __LINE__);   \
    } while (0)

/// Checks the last launch (a kernel's configuration errors surface here).
#define PF_CUDA_CHECK_LAUNCH() PF_CUDA_CHECK(cudaGetLastError())

/// In destructors: log, never throw.
#define PF_CUDA_CHECK_NOTHROW(call)                                                            \
    do {                                                                                       \
        const cudaError_t pf_cuda_status_ = (call);                                            \
        if (pf_cuda_status_ != cudaSuccess)                                                    \
            ::pf::gpu::detail::logCudaFailure(pf_cuda_status_, #call, __FILE__, __LINE__);     \
    } while (0)
