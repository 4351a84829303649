// cuFFTDx (NVIDIA MathDx) against our shared-memory Stockham FFTs
// (gpu/src/shared_fft.cuh), for the on-chip FFTs of the two-pass path.
//
// For each N: a batch of N complex-to-complex FFTs of length N (an N × N
// array, one FFT per row, out of place), forward and inverse, unnormalised,
// done by
//   - stockham:        registerFft<8, ·, N>(), as the row and column passes
//                      call it (8 values per thread, v[s] = x[tid + s·N/8]),
//                      rows per block by the row pass's rule (>= 2 warps);
//   - cufftdx:         a cuFFTDx block FFT (sm_90, float), elements per
//                      thread and FFTs per block as cuFFTDx suggests;
//   - cufftdx-ept8:    the same with 8 elements per thread, the register
//                      layout the pass bodies hold (what a drop-in needs);
//   - cufft:           cufftExecC2C, the library (for scale; not on chip).
// The column pass runs length-rows C2C FFTs; the row pass runs length-cols/2
// ones inside its R2C/C2R, so N = 256..8192 covers both.
// Each is timed with CUDA events (warm-up, then `runs` runs of `reps`
// launches; the median run), reported as µs per batch and as GB/s counting
// the batch read once and written once, and checked against cufftExecC2C on
// the same input: the largest relative L2 error of one row.
//
//   pf_fft_dx_compare [--sizes 256,...] [--runs 7] [--md FILE] [--json FILE]
//   pf_fft_dx_compare --describe    # the launch shapes only, no device needed
//
// Prints a Markdown table and one JSON line per size. Without a CUDA device it
// prints one line and exits 0.
#include "check.h"
#include "reduce.cuh"
#include "shared_fft.cuh"

#include <phaseforge/gpu/memory.h>

#include <cufftdx.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <functional>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

using pf::gpu::DeviceBuffer;
namespace dx = cufftdx;

/// Values per thread of our FFTs: the passes' kPerThread (two_pass_passes.cuh).
constexpr int kOursPerThread = 8;
constexpr unsigned kSm = 900;

// ---- kernels -----------------------------------------------------------------

/// One batched FFT launch: row r of `in` (N values) to row r of `out`.
struct RowFftParams {
    const float2* in; ///< batch × N input values, rows contiguous
    float2* out;      ///< batch × N output values (not `in`)
    const float2*
        twiddles; ///< our twiddle table (fillTwiddles(), kTwiddleLength); unused by cuFFTDx
    int batch;    ///< rows (FFTs) in the launch
};

/// Ours: blockDim.x = F · N/8 threads, F rows per block (batch divisible by F).
/// Dynamic shared memory paddedSize(F·N) float2.
template <int N, bool Inverse>
__global__ void __launch_bounds__(1024, 1) stockhamRowsKernel(RowFftParams p) {
    extern __shared__ float2 stockhamShared[];
    constexpr int T = N / kOursPerThread;
    const int local = int(threadIdx.x) / T, tid = int(threadIdx.x) % T;
    const long long row = (long long)blockIdx.x * (blockDim.x / T) + local;
    const float2* in = p.in + row * N;
    float2 v[kOursPerThread];
#pragma unroll
    for (int s = 0; s < kOursPerThread; ++s)
        v[s] = in[tid + s * T];
    pf::gpu::detail::registerFft<kOursPerThread, Inverse, N>(v, stockhamShared, local * N, 1, tid,
                                                             p.twiddles);
    float2* out = p.out + row * N;
#pragma unroll
    for (int s = 0; s < kOursPerThread; ++s)
        out[tid + s * T] = v[s];
}

/// cuFFTDx: blockDim = FFT::block_dim (x: threads of one FFT, y: FFTs of the
/// block); the last block may hold fewer rows (they transform zeros). Dynamic
/// shared memory FFT::shared_memory_size.
template <class FFT>
__global__ void __launch_bounds__(FFT::max_threads_per_block) dxRowsKernel(RowFftParams p) {
    using Complex = typename FFT::value_type;
    extern __shared__ __align__(16) unsigned char dxShared[];
    constexpr unsigned N = dx::size_of<FFT>::value;
    const long long row = (long long)blockIdx.x * FFT::ffts_per_block + threadIdx.y;
    const bool valid = row < p.batch;
    const float2* in = p.in + row * N;
    Complex v[FFT::storage_size];
#pragma unroll
    for (unsigned i = 0; i < FFT::elements_per_thread; ++i) {
        const float2 x = valid ? in[threadIdx.x + i * FFT::stride] : make_float2(0.0f, 0.0f);
        v[i] = Complex{x.x, x.y};
    }
    FFT().execute(v, dxShared);
    if (!valid)
        return;
    float2* out = p.out + row * N;
#pragma unroll
    for (unsigned i = 0; i < FFT::elements_per_thread; ++i)
        out[threadIdx.x + i * FFT::stride] = make_float2(v[i].x, v[i].y);
}

/// Deterministic input, uniform in [−1, 1) per component.
struct FillParams {
    float2* data;    ///< `count` values, written
    long long count; ///< values to write
};

__global__ void fillKernel(FillParams p) {
    const long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= p.count)
        return;
    unsigned long long z = (unsigned long long)i * 0x9E3779B97F4A7C15ull + 0x243F6A8885A308D3ull;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull; // SplitMix64's finaliser
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    z ^= z >> 31;
    const float scale = 1.0f / 2147483648.0f; // 2^-31
    p.data[i] =
        make_float2(float(unsigned(z >> 32)) * scale - 1.0f, float(unsigned(z)) * scale - 1.0f);
}

/// Per row r: adds ||test − reference||₂² to sums[2r], ||reference||₂² to sums[2r + 1].
struct RowErrorParams {
    const float2* test;      ///< batch × n values
    const float2* reference; ///< batch × n values (cuFFT's)
    double* sums;            ///< 2 × batch values, zeroed before the launch
    int n;                   ///< row length
};

constexpr int kErrorThreads = 256;

__global__ void __launch_bounds__(kErrorThreads) rowErrorKernel(RowErrorParams p) {
    const long long base = (long long)blockIdx.x * p.n;
    double d = 0, r = 0;
    for (int k = int(threadIdx.x); k < p.n; k += kErrorThreads) {
        const float2 a = p.test[base + k], b = p.reference[base + k];
        const double ex = double(a.x) - b.x, ey = double(a.y) - b.y;
        d += ex * ex + ey * ey;
        r += double(b.x) * b.x + double(b.y) * b.y;
    }
    pf::gpu::detail::blockSumAtomicAdd(d, p.sums + 2 * blockIdx.x);
    pf::gpu::detail::blockSumAtomicAdd(r, p.sums + 2 * blockIdx.x + 1);
}

// ---- cuFFTDx descriptions ----------------------------------------------------

template <unsigned N, dx::fft_direction D>
using DxBase = decltype(dx::Size<N>() + dx::Precision<float>() + dx::Type<dx::fft_type::c2c>() +
                        dx::Direction<D>() + dx::Block() + dx::SM<kSm>());

/// Ept = 0: cuFFTDx's suggested elements per thread; else that many.
template <unsigned N, dx::fft_direction D, unsigned Ept> constexpr bool dxSupported() {
    if constexpr (Ept == 0)
        return dx::is_supported_v<DxBase<N, D>, kSm>;
    else
        return dx::is_supported_v<decltype(DxBase<N, D>() + dx::ElementsPerThread<Ept>()), kSm>;
}

/// The complete description, FFTs per block as cuFFTDx suggests (only
/// instantiated where dxSupported()).
template <unsigned N, dx::fft_direction D, unsigned Ept> auto dxComplete() {
    using B = DxBase<N, D>;
    if constexpr (Ept == 0) {
        using E = decltype(B() + dx::ElementsPerThread<B::elements_per_thread>());
        return E() + dx::FFTsPerBlock<E::suggested_ffts_per_block>();
    } else {
        using E = decltype(B() + dx::ElementsPerThread<Ept>());
        return E() + dx::FFTsPerBlock<E::suggested_ffts_per_block>();
    }
}
template <unsigned N, dx::fft_direction D, unsigned Ept>
using DxFft = decltype(dxComplete<N, D, Ept>());

// ---- host side ----------------------------------------------------------------

/// One implementation at one size and direction: how to launch it, or why not.
struct Variant {
    std::string name;   ///< stockham, cufftdx, cufftdx-ept8, cufft
    std::string config; ///< launch shape in words
    std::string why;    ///< non-empty: not run, and why
    std::function<void(const RowFftParams&)> launch;
};

struct Result {
    std::string name, direction, config, why;
    double us = NAN, gbps = NAN, error = NAN;
};

struct Options {
    std::vector<int> sizes{256, 512, 1024, 2048, 4096, 8192};
    int runs = 7;
    std::string md, json;
    bool describe = false;
};

int sharedOptIn = 48 * 1024; // the device's opt-in limit per block, read in main()

/// Lets `kernel` take `bytes` of dynamic shared memory; false if it cannot.
template <class K> bool allowShared(K kernel, std::size_t bytes) {
    if (bytes > std::size_t(sharedOptIn))
        return false;
    PF_CUDA_CHECK(
        cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, int(bytes)));
    return true;
}

std::string number(double v, const char* format) {
    if (!std::isfinite(v))
        return "null";
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, format, v);
    return buffer;
}

std::string kib(std::size_t bytes) {
    return number(double(bytes) / 1024.0, "%.3g") + " KiB";
}

template <int N, bool Inverse> Variant stockhamVariant(bool describeOnly) {
    constexpr int T = N / kOursPerThread;
    const int rows = std::max(1, 64 / T); // the row pass's rule (twoPassLaunch)
    const std::size_t bytes = std::size_t(pf::gpu::detail::paddedSize(rows * N)) * sizeof(float2);
    Variant v{
        "stockham", std::to_string(rows) + " row(s) × " + std::to_string(T) + " threads, ", "", {}};
    v.config += "8/thread, " + kib(bytes);
    if (describeOnly)
        return v;
    if (!allowShared(stockhamRowsKernel<N, Inverse>, bytes)) {
        v.why = "needs " + kib(bytes) + " of shared memory per block";
        return v;
    }
    v.launch = [rows, bytes](const RowFftParams& p) {
        stockhamRowsKernel<N, Inverse><<<unsigned(p.batch / rows), unsigned(rows * T), bytes>>>(p);
    };
    return v;
}

template <int N, bool Inverse, unsigned Ept> Variant dxVariant(bool describeOnly) {
    constexpr auto D = Inverse ? dx::fft_direction::inverse : dx::fft_direction::forward;
    Variant v{Ept == 0 ? "cufftdx" : "cufftdx-ept" + std::to_string(Ept), "", "", {}};
    if constexpr (!dxSupported<N, D, Ept>()) {
        v.why = "cuFFTDx has no block FFT of this size (and elements per thread) for sm_90";
        return v;
    } else {
        using FFT = DxFft<N, D, Ept>;
        const std::size_t bytes = FFT::shared_memory_size;
        v.config = std::to_string(FFT::ffts_per_block) + " FFT(s) × " +
                   std::to_string(FFT::block_dim.x) + " threads, " +
                   std::to_string(FFT::elements_per_thread) + "/thread, " + kib(bytes);
        if (describeOnly) // (a size that needed a workspace would not compile: execute() below)
            return v;
        if (!allowShared(dxRowsKernel<FFT>, bytes)) {
            v.why = "does not fit one block: needs " + kib(bytes) + " of shared memory";
            return v;
        }
        v.launch = [bytes](const RowFftParams& p) {
            const unsigned blocks =
                unsigned((p.batch + FFT::ffts_per_block - 1) / FFT::ffts_per_block);
            dxRowsKernel<FFT><<<blocks, FFT::block_dim, bytes>>>(p);
        };
        return v;
    }
}

template <int N, bool Inverse> std::vector<Variant> variants(bool describeOnly) {
    std::vector<Variant> out{stockhamVariant<N, Inverse>(describeOnly),
                             dxVariant<N, Inverse, 0>(describeOnly)};
    constexpr auto D = Inverse ? dx::fft_direction::inverse : dx::fft_direction::forward;
    bool suggestedIs8 = false;
    if constexpr (dxSupported<N, D, 0>())
        suggestedIs8 = DxFft<N, D, 0>::elements_per_thread == kOursPerThread;
    if (!suggestedIs8)
        out.push_back(dxVariant<N, Inverse, kOursPerThread>(describeOnly));
    return out;
}

/// A CUDA event with timing, destroyed with its owner.
using TimingEvent = std::unique_ptr<CUevent_st, cudaError_t (*)(cudaEvent_t)>;
TimingEvent timingEvent() {
    cudaEvent_t e = nullptr;
    PF_CUDA_CHECK(cudaEventCreate(&e));
    return {e, cudaEventDestroy};
}

class CufftPlan {
public:
    CufftPlan(int n, int batch) { PF_CUFFT_CHECK(cufftPlan1d(&m_plan, n, CUFFT_C2C, batch)); }
    ~CufftPlan() { cufftDestroy(m_plan); }
    CufftPlan(const CufftPlan&) = delete;
    CufftPlan& operator=(const CufftPlan&) = delete;
    cufftHandle get() const { return m_plan; }

private:
    cufftHandle m_plan = 0;
};

/// Median µs per launch over `runs` runs of `reps` launches, after a warm-up.
double medianMicroseconds(const std::function<void()>& launch, int reps, int runs) {
    for (int i = 0; i < 3; ++i)
        launch();
    PF_CUDA_CHECK(cudaGetLastError());
    PF_CUDA_CHECK(cudaDeviceSynchronize());
    const TimingEvent start = timingEvent(), stop = timingEvent();
    std::vector<double> us;
    for (int r = 0; r < runs; ++r) {
        PF_CUDA_CHECK(cudaEventRecord(start.get()));
        for (int i = 0; i < reps; ++i)
            launch();
        PF_CUDA_CHECK(cudaEventRecord(stop.get()));
        PF_CUDA_CHECK(cudaEventSynchronize(stop.get()));
        float ms = 0;
        PF_CUDA_CHECK(cudaEventElapsedTime(&ms, start.get(), stop.get()));
        us.push_back(1000.0 * ms / reps);
    }
    PF_CUDA_CHECK(cudaGetLastError());
    std::sort(us.begin(), us.end());
    return us[us.size() / 2];
}

/// The largest relative L2 error of one row (sums: 2 × batch doubles).
double maxRowError(const float2* test, const float2* reference, int n, int batch,
                   DeviceBuffer<double>& sums) {
    PF_CUDA_CHECK(cudaMemset(sums.data(), 0, sums.bytes()));
    rowErrorKernel<<<unsigned(batch), kErrorThreads>>>(
        RowErrorParams{test, reference, sums.data(), n});
    PF_CUDA_CHECK(cudaGetLastError());
    std::vector<double> host(sums.size());
    PF_CUDA_CHECK(cudaMemcpy(host.data(), sums.data(), sums.bytes(), cudaMemcpyDeviceToHost));
    double worst = 0;
    for (std::size_t r = 0; r < host.size(); r += 2)
        worst = std::max(worst, std::sqrt(host[r] / std::max(host[r + 1], 1e-300)));
    return worst;
}

template <int N> std::vector<Result> measure(const Options& o, const float2* twiddles) {
    const int batch = N;
    const std::size_t count = std::size_t(batch) * N;
    const double bytes = 2.0 * double(count) * sizeof(float2); // read once, written once
    // About 4 GB moved per run, 10..2000 launches.
    const int reps = std::clamp(int(4e9 / bytes), 10, 2000);
    DeviceBuffer<float2> in(count), out(count), reference(count);
    DeviceBuffer<double> rowErrors(2 * static_cast<std::size_t>(batch));
    fillKernel<<<unsigned((count + 255) / 256), 256>>>(FillParams{in.data(), (long long)count});
    PF_CUDA_CHECK(cudaGetLastError());
    CufftPlan plan(N, batch);
    std::vector<Result> results;
    for (bool inverse : {false, true}) {
        const char* direction = inverse ? "inverse" : "forward";
        const int sign = inverse ? CUFFT_INVERSE : CUFFT_FORWARD;
        auto* cin = reinterpret_cast<cufftComplex*>(in.data());
        auto* cout = reinterpret_cast<cufftComplex*>(out.data());
        PF_CUFFT_CHECK(
            cufftExecC2C(plan.get(), cin, reinterpret_cast<cufftComplex*>(reference.data()), sign));
        Result library{"cufft", direction, "cufftExecC2C, batched", ""};
        library.us =
            medianMicroseconds([&] { cufftExecC2C(plan.get(), cin, cout, sign); }, reps, o.runs);
        library.gbps = bytes / (library.us * 1e3);
        std::vector<Variant> vs = inverse ? variants<N, true>(false) : variants<N, false>(false);
        for (Variant& v : vs) {
            Result r{v.name, direction, v.config, v.why};
            if (v.launch) {
                const RowFftParams p{in.data(), out.data(), twiddles, batch};
                PF_CUDA_CHECK(cudaMemset(out.data(), 0, count * sizeof(float2)));
                v.launch(p);
                PF_CUDA_CHECK(cudaGetLastError());
                r.error = maxRowError(out.data(), reference.data(), N, batch, rowErrors);
                r.us = medianMicroseconds([&] { v.launch(p); }, reps, o.runs);
                r.gbps = bytes / (r.us * 1e3);
            }
            results.push_back(r);
        }
        results.push_back(library);
    }
    return results;
}

/// Our strings hold no quotes, backslashes or control characters.
std::string jsonString(const std::string& s) {
    return "\"" + s + "\"";
}

std::string jsonLine(int n, const std::string& device, const std::vector<Result>& rs) {
    std::ostringstream s;
    s << "{\"n\":" << n << ",\"batch\":" << n << ",\"device\":" << jsonString(device)
      << ",\"cufftdx_version\":" << CUFFTDX_VERSION << ",\"results\":[";
    for (std::size_t i = 0; i < rs.size(); ++i) {
        const Result& r = rs[i];
        s << (i ? "," : "") << "{\"impl\":" << jsonString(r.name)
          << ",\"direction\":" << jsonString(r.direction) << ",\"config\":" << jsonString(r.config)
          << ",\"us\":" << number(r.us, "%.3f") << ",\"gbps\":" << number(r.gbps, "%.1f")
          << ",\"max_rel_l2_error_vs_cufft\":" << number(r.error, "%.3e");
        if (!r.why.empty())
            s << ",\"not_run\":" << jsonString(r.why);
        s << "}";
    }
    s << "]}";
    return s.str();
}

/// Markdown rows of one size; "× stockham" is time over ours in that direction.
std::string markdownRows(int n, const std::vector<Result>& rs) {
    std::ostringstream s;
    for (const Result& r : rs) {
        double ours = NAN;
        for (const Result& o : rs)
            if (o.name == "stockham" && o.direction == r.direction)
                ours = o.us;
        s << "| " << n << " | " << r.direction << " | " << r.name << " | " << r.config << " | ";
        if (!r.why.empty()) {
            s << "not run: " << r.why << " | | | |\n";
            continue;
        }
        s << number(r.us, "%.2f") << " | " << number(r.gbps, "%.0f") << " | "
          << number(r.us / ours, "%.2f") << " | "
          << (r.name == "cufft" ? std::string("(reference)") : number(r.error, "%.2e")) << " |\n";
    }
    return s.str();
}

/// Calls f(Length<n>{}) for n among the sizes of this benchmark; false for others.
template <int... Sizes, class F> bool withSizeOf(int n, F&& f) {
    return ((n == Sizes && (f(pf::gpu::detail::Length<Sizes>{}), true)) || ...);
}
template <class F> bool withSize(int n, F&& f) {
    return withSizeOf<256, 512, 1024, 2048, 4096, 8192>(n, f);
}

Options parse(int argc, char** argv) {
    Options o;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        auto value = [&]() -> std::string {
            if (i + 1 >= argc)
                throw std::invalid_argument(a + " needs a value");
            return argv[++i];
        };
        if (a == "--sizes") {
            o.sizes.clear();
            std::stringstream ss(value());
            for (std::string item; std::getline(ss, item, ',');)
                o.sizes.push_back(std::stoi(item));
        } else if (a == "--runs")
            o.runs = std::max(1, std::stoi(value()));
        else if (a == "--md" || a == "--json")
            (a == "--md" ? o.md : o.json) = value();
        else if (a == "--describe")
            o.describe = true;
        else
            throw std::invalid_argument("unknown argument " + a);
    }
    return o;
}

void describe(const Options& o) {
    std::printf("cuFFTDx %d, sm_%u launch shapes (no device used)\n", CUFFTDX_VERSION, kSm / 10);
    for (int n : o.sizes)
        if (!withSize(n, [](auto L) {
                constexpr int N = decltype(L)::value;
                for (bool inverse : {false, true})
                    for (const Variant& v :
                         inverse ? variants<N, true>(true) : variants<N, false>(true))
                        std::printf("N %5d %-7s %-13s %s%s%s\n", N, inverse ? "inverse" : "forward",
                                    v.name.c_str(), v.config.c_str(),
                                    v.why.empty() ? "" : " not run: ", v.why.c_str());
            }))
            std::printf("N %5d: not a size of this benchmark (256..8192, powers of two)\n", n);
}

int run(const Options& o) {
    int devices = 0;
    const cudaError_t status = cudaGetDeviceCount(&devices);
    if (status != cudaSuccess || devices == 0) {
        std::printf("pf_fft_dx_compare: no CUDA device (%s); nothing measured\n",
                    status != cudaSuccess ? cudaGetErrorString(status) : "count 0");
        return 0;
    }
    cudaDeviceProp prop{};
    PF_CUDA_CHECK(cudaGetDeviceProperties(&prop, 0));
    PF_CUDA_CHECK(cudaDeviceGetAttribute(&sharedOptIn, cudaDevAttrMaxSharedMemoryPerBlockOptin, 0));
    const std::string device = std::string(prop.name) + " (sm_" + std::to_string(prop.major) +
                               std::to_string(prop.minor) + ", " +
                               std::to_string(prop.multiProcessorCount) + " SMs)";
    DeviceBuffer<float2> twiddles(
        std::size_t(pf::gpu::detail::twiddleCount(pf::gpu::detail::kTwiddleLength)));
    pf::gpu::detail::fillTwiddles(twiddles.data(), pf::gpu::detail::kTwiddleLength, nullptr);

    std::ostringstream md;
    md << "cuFFTDx " << CUFFTDX_VERSION << " against our Stockham FFTs on " << device
       << ": N FFTs of length N, out of place, median of " << o.runs << " runs\n\n"
       << "| N | direction | implementation | launch | µs per batch | GB/s | × stockham | max rel. "
          "L2 error vs cuFFT |\n"
       << "|---|---|---|---|---|---|---|---|\n";
    std::ofstream json;
    if (!o.json.empty())
        json.open(o.json);
    for (int n : o.sizes) {
        std::vector<Result> rs;
        if (!withSize(n, [&](auto L) { rs = measure<decltype(L)::value>(o, twiddles.data()); })) {
            std::fprintf(stderr, "pf_fft_dx_compare: skipping N = %d (not 256..8192)\n", n);
            continue;
        }
        const std::string line = jsonLine(n, device, rs);
        std::printf("%s\n", line.c_str());
        std::fflush(stdout);
        if (json)
            json << line << "\n";
        md << markdownRows(n, rs);
    }
    std::printf("\n%s", md.str().c_str());
    if (!o.md.empty())
        std::ofstream(o.md) << md.str();
    return 0;
}

} // namespace

int main(int argc, char** argv) {
    try {
        const Options o = parse(argc, argv);
        if (o.describe) {
            describe(o);
            return 0;
        }
        return run(o);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "pf_fft_dx_compare: %s\n", e.what());
        return 1;
    }
}
