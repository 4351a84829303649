// Internal RAII wrappers around FFTW single precision. Planning is not
// thread-safe, so every plan is made and destroyed under one process-wide lock.
#pragma once

#include "phaseforge/image.h"

#include <fftw3.h>

#include <complex>
#include <cstddef>
#include <memory>
#include <mutex>
#include <vector>

namespace pf::fftw {

/// The lock around every FFTW planner call in the process.
std::mutex& plannerMutex();
/// fftwf_init_threads(), once per process.
void initThreads();

struct FreeDeleter {
    void operator()(void* p) const { fftwf_free(p); }
};
/// SIMD-aligned memory from fftwf_malloc.
template <class T> using Buffer = std::unique_ptr<T[], FreeDeleter>;
template <class T> Buffer<T> allocate(std::size_t count) {
    T* p = static_cast<T*>(fftwf_malloc(sizeof(T) * (count ? count : 1)));
    if (!p)
        throw std::bad_alloc();
    return Buffer<T>(p);
}

/// A move-only plan handle.
class Plan {
public:
    Plan() = default;
    explicit Plan(fftwf_plan p) : m_plan(p) {}
    Plan(Plan&& o) noexcept : m_plan(o.m_plan) { o.m_plan = nullptr; }
    Plan& operator=(Plan&& o) noexcept {
        std::swap(m_plan, o.m_plan);
        return *this;
    }
    Plan(const Plan&) = delete;
    Plan& operator=(const Plan&) = delete;
    ~Plan() {
        if (m_plan) {
            std::lock_guard lock(plannerMutex());
            fftwf_destroy_plan(m_plan);
        }
    }
    fftwf_plan get() const { return m_plan; }
    explicit operator bool() const { return m_plan != nullptr; }

private:
    fftwf_plan m_plan = nullptr;
};

inline fftwf_complex* asFftw(std::complex<float>* p) { return reinterpret_cast<fftwf_complex*>(p); }

/// Below this many pixels, transforms and per-pixel loops run on one thread:
/// there, waking threads costs more than they save. Measured on the 2-core
/// build machine (2026-12-03, CLI default recipe, CPU engine): a 256² pattern
/// took 9.0 s on two threads and 4.4 s on one; at 512² (2 starts) 5.2 s on
/// two and 5.4 s on one.
constexpr std::size_t kThreadedMinPixels = std::size_t(512) * 512;

/// Threads for a one-off host transform of `pixels` values: 1 below
/// kThreadedMinPixels, else every core, at most 16.
int threadsFor(std::size_t pixels);

/// Real-to-half-spectrum and back, unnormalised, for rows x cols.
/// `flags` are FFTW planner flags; planning with FFTW_MEASURE overwrites the arrays.
Plan planR2C(int rows, int cols, float* in, std::complex<float>* out, int threads, unsigned flags);
Plan planC2R(int rows, int cols, std::complex<float>* in, float* out, int threads, unsigned flags);

/// The half spectrum of a real image (R2C, unnormalised), and the real image
/// of a Hermitian half spectrum (C2R, unnormalised): one-off host transforms.
std::vector<std::complex<float>> halfSpectrum(const ImageF& x);
std::vector<float> fromHalfSpectrum(const std::vector<std::complex<float>>& spectrum, Shape s);

} // namespace pf::fftw
