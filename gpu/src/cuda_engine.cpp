// CudaEngine: the state of one problem on the device and the stage-1 loop.
// The iteration itself is enqueueIteration(); everything else is bookkeeping.
#include "phaseforge/gpu/cuda_engine.h"

#include "check.h"
#include "counters.h"
#include "cuda_resources.h"
#include "engine_kernels.h"
#include "fused_transforms.h"
#include "phaseforge/gpu/device_display.h"
#include "phaseforge/gpu/kernels.h"
#include "persistent.h"
#include "two_pass.h"

#include <phaseforge/error.h>
#include <phaseforge/log.h>
#include <phaseforge/problem.h>
#include <phaseforge/support.h>

#include <cmath>
#include <cstring>
#include <deque>
#include <map>
#include <tuple>

namespace pf::gpu {

using detail::count;
using detail::counters;

namespace {

/// Iterations captured in one graph at most; longer runs replay it.
constexpr int kMaxGraphIterations = 64;
/// Graphs kept at most (distinct rules, β, lengths); the cache is cleared beyond.
constexpr std::size_t kMaxGraphs = 64;
/// Metric records in flight at most before the host waits for the oldest.
constexpr int kMetricsSlots = 256;

struct GraphKey {
    Algorithm algorithm;
    std::uint32_t betaBits;
    int length;
    bool record;
    bool wholeField;
    bool fused;
    bool twoPass;
    bool operator<(const GraphKey& o) const {
        return std::tie(algorithm, betaBits, length, record, wholeField, fused, twoPass) <
               std::tie(o.algorithm, o.betaBits, o.length, o.record, o.wholeField, o.fused,
                        o.twoPass);
    }
};

/// The blur weights of support.h's rule (as core's gaussianBlurPeriodic makes them).
std::vector<float> gaussianWeights(float sigma, int& radius) {
    radius = int(std::ceil(3.0f * sigma));
    std::vector<float> w(std::size_t(2 * radius + 1));
    double sum = 0;
    for (int j = -radius; j <= radius; ++j) {
        const double v = std::exp(-double(j) * j / (2.0 * double(sigma) * sigma));
        w[std::size_t(j + radius)] = float(v);
        sum += v;
    }
    for (auto& v : w)
        v = float(v / sum);
    return w;
}

detail::Rule ruleOf(Algorithm a) {
    switch (a) {
    case Algorithm::GS:
    case Algorithm::ER: return detail::Rule::ErGs;
    case Algorithm::IO: return detail::Rule::Io;
    case Algorithm::OO: return detail::Rule::Oo;
    case Algorithm::HIO: return detail::Rule::Hio;
    case Algorithm::RAAR: return detail::Rule::Raar;
    }
    return detail::Rule::ErGs;
}

void checkStart(int start, int count) {
    if (start < 0 || start >= count)
        throw InvalidArgument("start: index " + std::to_string(start) + " is outside 0.." +
                              std::to_string(count - 1));
}

} // namespace

namespace detail {

CaptureGuard::CaptureGuard(cudaStream_t stream) : m_stream(stream) {
    PF_CUDA_CHECK(cudaStreamBeginCapture(stream, cudaStreamCaptureModeThreadLocal));
    auto& t = captureTally();
    t.active = true;
    t.kernelLaunches = 0;
}

CaptureGuard::~CaptureGuard() {
    captureTally().active = false;
    if (m_open) {
        cudaGraph_t graph = nullptr;
        (void)cudaStreamEndCapture(m_stream, &graph);
        if (graph)
            (void)cudaGraphDestroy(graph);
        (void)cudaGetLastError();
    }
}

GraphExec CaptureGuard::finish() {
    m_open = false;
    auto& t = captureTally();
    t.active = false;
    cudaGraph_t graph = nullptr;
    PF_CUDA_CHECK(cudaStreamEndCapture(m_stream, &graph));
    cudaGraphExec_t exec = nullptr;
    const cudaError_t status = cudaGraphInstantiate(&exec, graph, 0);
    (void)cudaGraphDestroy(graph);
    PF_CUDA_CHECK(status);
    return GraphExec(exec, t.kernelLaunches);
}

} // namespace detail

/// One loaded problem. Members are declared so that the stream outlives
/// everything that enqueues on it.
struct CudaEngine::State {
    Shape shape;
    int starts = 0;
    Stream stream;
    FftPlans plans;
    DeviceBuffer<float> g;           ///< starts x n: the iterate
    DeviceBuffer<float> gOut;        ///< starts x n: the last Fourier output g'
    DeviceBuffer<Complex> spectrum;  ///< starts x half: scratch between iterations
    DeviceBuffer<std::uint8_t> support; ///< starts x n; all ones when wholeField
    DeviceWeights weights;
    /// Per start: [2k] violation, [2k+1] output energy; [2K+k] Fourier sum;
    /// [3K+k] support size in force. The first 3K are zeroed per record.
    DeviceBuffer<double> slot;
    DeviceBuffer<float> blurWeights;
    DeviceBuffer<unsigned int> peakBits;
    DeviceBuffer<double> newCounts;
    bool wholeField = true;          ///< no support in force: skip reading the mask
    long long iteration = 0;
    int metricsEvery = 1;
    DeviceFootprint footprint;
    std::size_t plansWork = 0;
    std::map<GraphKey, detail::GraphExec> graphs;

    // The fused path (setLtoCallbacks): its callbacks' data on the device, a
    // host copy to tell when β changed, and the callback plans.
    bool fused = false;
    DeviceBuffer<detail::FusedInfo> fusedInfo;
    detail::FusedInfo fusedHost{};
    std::unique_ptr<detail::FusedTransforms> fusedTransforms;

    // The two-pass path (setTwoPass): the half spectrum between the passes
    // (starts x rows x pitch), the twiddle table and the launch shapes. Both
    // buffers are made by the first two-pass batch, outside any graph.
    bool twoPass = false;
    DeviceBuffer<float2> passSpectrum;
    DeviceBuffer<float2> twiddles;
    detail::TwoPassLaunch passLaunch;
    /// The persistent kernel's shape (threads == 0: the per-pass kernels run).
    detail::PersistentLaunch persistent;

    // Metrics in flight: pinned slots, one event each, FIFO order.
    detail::PinnedBuffer<double> hostSlots;
    std::vector<detail::Event> events;
    std::vector<long long> slotIteration;
    std::deque<int> inFlight;
    std::vector<int> freeSlots;
    std::vector<MetricsRecord> ready;

    cudaStream_t cudaStream() const { return static_cast<cudaStream_t>(stream.handle()); }
    std::size_t n() const { return shape.size(); }
    const std::uint8_t* supportOrNull() const { return wholeField ? nullptr : support.data(); }

    void enqueueIteration(const Step& step, bool record);
    /// The callbacks' plans use cuFFT's 32-bit interface: batches under 2^31 elements.
    bool fusedFor(const Step& step) const {
        return fused && detail::fusable(step.algorithm) &&
               (long long)n() * starts < (1LL << 31);
    }
    void prepareFused(const Step& step);
    bool twoPassFor() const { return twoPass && detail::twoPassShape(shape); }
    void prepareTwoPass();
    void twoPassParams(const Step& step, detail::RowPassParams& rp,
                       detail::ColumnPassParams& cp);
    void enqueueTwoPass(const Step& step, int length, bool record);
    void enqueuePersistent(const Step& step, int length, bool record);
    void runIterations(const Step& step, int length, bool record);
    void enqueueMetricsReadback();
    void convert(int slotIndex);
    void drain(bool wait);
};

void CudaEngine::State::enqueueIteration(const Step& step, bool record) {
    void* s = stream.handle();
    const int K = starts;
    if (fusedFor(step) && !record) {
        // Two cuFFT executions: rule + R2C + projection, then C2R.
        fusedTransforms->r2c(step.algorithm, gOut.data(), spectrum.data(), cudaStream());
        plans.c2r(spectrum.data(), gOut.data(), shape, K, s);
        return;
    }
    if (record)
        zeroDevice(slot.data(), 3 * std::size_t(K) * sizeof(double), s);
    projectObject(step, g.data(), gOut.data(), supportOrNull(), g.data(), shape, K, s,
                  record ? slot.data() : nullptr);
    plans.r2c(g.data(), spectrum.data(), shape, K, s);
    if (record)
        fourierErrorSum(spectrum.data(), weights, K, slot.data() + 2 * K, s);
    projectMagnitude(spectrum.data(), weights, K, s);
    plans.c2r(spectrum.data(), gOut.data(), shape, K, s);
}

void CudaEngine::State::prepareTwoPass() {
    if (!passSpectrum.empty())
        return;
    passLaunch = detail::twoPassLaunch(shape, starts);
    persistent = detail::persistentLaunch(shape, starts);
    const std::size_t values =
        std::size_t(starts) * std::size_t(shape.rows) * std::size_t(detail::twoPassPitch(shape));
    passSpectrum = DeviceBuffer<float2>(values);
    twiddles = DeviceBuffer<float2>(std::size_t(detail::twiddleCount(shape.cols)));
    // The padding columns are never read as data; zero them once all the same.
    zeroDevice(passSpectrum.data(), passSpectrum.bytes(), stream.handle());
    detail::fillTwiddles(twiddles.data(), shape.cols, cudaStream());
    detail::raiseSharedMemoryLimits();
    footprint.state += passSpectrum.bytes();
    footprint.other += twiddles.bytes();
}

void CudaEngine::State::twoPassParams(const Step& step, detail::RowPassParams& rp,
                                      detail::ColumnPassParams& cp) {
    rp = {};
    rp.spectrum = passSpectrum.data();
    rp.realIn = gOut.data();
    rp.realOut = gOut.data();
    rp.g = g.data();
    rp.support = supportOrNull();
    rp.twiddles = twiddles.data();
    rp.rows = shape.rows;
    rp.cols = shape.cols;
    rp.pitch = detail::twoPassPitch(shape);
    rp.rowsPerBlock = passLaunch.rowsPerBlock;
    rp.beta = step.beta;
    cp = {};
    cp.spectrum = passSpectrum.data();
    cp.projection = reinterpret_cast<const float2*>(weights.projection());
    cp.error = reinterpret_cast<const float2*>(weights.error());
    cp.twiddles = twiddles.data();
    cp.rows = shape.rows;
    cp.halfCols = shape.halfCols();
    cp.pitch = rp.pitch;
    cp.columnsPerBlock = passLaunch.columnsPerBlock;
    cp.inverseSize = float(1.0 / double(shape.size()));
    cp.stages = detail::kColumnForward | detail::kColumnProject | detail::kColumnInverse;
}

void CudaEngine::State::enqueueTwoPass(const Step& step, int length, bool record) {
    const int K = starts;
    const cudaStream_t s = cudaStream();
    if (record)
        zeroDevice(slot.data(), 3 * std::size_t(K) * sizeof(double), stream.handle());
    const detail::Rule rule = ruleOf(step.algorithm);
    detail::RowPassParams rp;
    detail::ColumnPassParams cp;
    twoPassParams(step, rp, cp);
    for (int i = 0; i < length; ++i) {
        const bool last = i == length - 1;
        rp.mode = i == 0 ? detail::RowMode::IterateFromReal : detail::RowMode::IterateFromHalf;
        // g itself is state only for the rules that read it; the others need
        // it once, at the end of the batch, for readIterate() and the next batch.
        rp.writeG = detail::ruleReadsG(rule) || last;
        rp.sums = record && last ? slot.data() : nullptr;
        detail::launchRowPass(rule, rp, passLaunch, K, s);
        cp.sums = record && last ? slot.data() + 2 * K : nullptr;
        detail::launchColumnPass(cp, passLaunch, K, s);
    }
    // Back to the stage-1 state: g' = C2R of the last column pass.
    rp.mode = detail::RowMode::C2rOnly;
    rp.sums = nullptr;
    rp.writeG = false;
    detail::launchRowPass(rule, rp, passLaunch, K, s);
}

// The whole batch in one cooperative launch (persistent.h): not captured into a
// graph, since there is nothing left between launches for a graph to save.
void CudaEngine::State::enqueuePersistent(const Step& step, int length, bool record) {
    const int K = starts;
    if (record)
        zeroDevice(slot.data(), 3 * std::size_t(K) * sizeof(double), stream.handle());
    detail::PersistentParams pp{};
    twoPassParams(step, pp.row, pp.column);
    pp.row.rowsPerBlock = persistent.rowsPerBlock;
    pp.column.columnsPerBlock = persistent.columnsPerBlock;
    pp.iterations = length;
    pp.images = K;
    pp.rowBlocks = persistent.rowBlocks;
    pp.columnBlocks = persistent.columnBlocks;
    pp.rowSums = record ? slot.data() : nullptr;
    pp.columnSums = record ? slot.data() + 2 * K : nullptr;
    detail::launchPersistent(ruleOf(step.algorithm), pp, persistent, cudaStream());
}

void CudaEngine::State::runIterations(const Step& step, int length, bool record) {
    std::uint32_t betaBits = 0;
    std::memcpy(&betaBits, &step.beta, sizeof betaBits);
    const bool useTwoPass = twoPassFor();
    if (useTwoPass)
        prepareTwoPass();
    else if (fusedFor(step))
        prepareFused(step); // may switch the fused path off
    if (useTwoPass && persistent.threads > 0) {
        enqueuePersistent(step, length, record);
        iteration += length;
        if (record)
            enqueueMetricsReadback();
        return;
    }
    const bool useFused = !useTwoPass && fusedFor(step);
    const GraphKey key{step.algorithm, usesBeta(step.algorithm) ? betaBits : 0u, length, record,
                       wholeField, useFused, useTwoPass};
    auto it = graphs.find(key);
    if (it == graphs.end()) {
        if (graphs.size() >= kMaxGraphs)
            graphs.clear();
        detail::CaptureGuard capture(cudaStream());
        if (useTwoPass) {
            enqueueTwoPass(step, length, record);
        } else {
            for (int i = 0; i < length; ++i)
                enqueueIteration(step, record && i == length - 1);
        }
        it = graphs.emplace(key, capture.finish()).first;
    }
    PF_CUDA_CHECK(cudaGraphLaunch(it->second.get(), cudaStream()));
    count(counters().graphLaunches);
    detail::countLaunch(it->second.launches());
    iteration += length;
    if (record)
        enqueueMetricsReadback();
}

void CudaEngine::State::prepareFused(const Step& step) {
    if (!fusedTransforms) {
        fusedInfo = DeviceBuffer<detail::FusedInfo>(1);
        fusedHost.beta = -1.0f; // forces the first upload below
        fusedTransforms = std::make_unique<detail::FusedTransforms>(shape, starts, fusedInfo.data());
    }
    // The callbacks' data: pointers fixed at load; support and β may change.
    detail::FusedInfo want{gOut.data(),
                           g.data(),
                           supportOrNull(),
                           weights.projection(),
                           (long long)shape.halfSize(),
                           step.beta,
                           float(1.0 / double(shape.size()))};
    if (std::memcmp(&want, &fusedHost, sizeof want) != 0) {
        fusedHost = want;
        // Stream-ordered before the graph that reads it; made outside the loop
        // (once per change of β or support), from a member that outlives it.
        upload(fusedInfo.data(), &fusedHost, sizeof fusedHost, stream.handle());
    }
    try {
        fusedTransforms->prepare(step.algorithm);
    } catch (const EngineError& e) {
        // No JIT link here (no nvJitLink, an unsupported size...): the plain
        // path computes the same iteration.
        log(LogLevel::Warning,
            std::string("cuda engine: LTO callbacks unavailable, using the plain path: ") + e.what());
        fused = false;
        return;
    }
    footprint.fftWork = plansWork + fusedTransforms->workBytes();
}

void CudaEngine::State::enqueueMetricsReadback() {
    if (freeSlots.empty())
        drain(false);
    if (freeSlots.empty()) {
        // Every slot still in flight: wait for the oldest (rare: 256 records behind).
        const int oldest = inFlight.front();
        count(counters().synchronisations);
        PF_CUDA_CHECK(cudaEventSynchronize(events[std::size_t(oldest)].get()));
        drain(false);
    }
    const int index = freeSlots.back();
    freeSlots.pop_back();
    const std::size_t stride = 4 * std::size_t(starts);
    download(hostSlots.data() + std::size_t(index) * stride, slot.data(), stride * sizeof(double),
             stream.handle());
    PF_CUDA_CHECK(cudaEventRecord(events[std::size_t(index)].get(), cudaStream()));
    slotIteration[std::size_t(index)] = iteration;
    inFlight.push_back(index);
}

void CudaEngine::State::convert(int index) {
    const std::size_t K = std::size_t(starts);
    const double* v = hostSlots.data() + std::size_t(index) * 4 * K;
    const double sumM2 = weights.sumMeasuredSquared();
    for (std::size_t k = 0; k < K; ++k) {
        const double violation = v[2 * k], output = v[2 * k + 1], fourier = v[2 * K + k];
        MetricsRecord rec;
        rec.iteration = slotIteration[std::size_t(index)];
        rec.start = int(k);
        rec.fourierError =
            sumM2 > 0 ? float(std::sqrt(std::max(0.0, fourier + sumM2) / sumM2)) : 0.0f;
        rec.realError = output > 0 ? float(std::sqrt(violation / output)) : 0.0f;
        rec.supportSize = (long long)std::llround(v[3 * K + k]);
        ready.push_back(rec);
    }
}

void CudaEngine::State::drain(bool wait) {
    while (!inFlight.empty()) {
        const int index = inFlight.front();
        const cudaEvent_t e = events[std::size_t(index)].get();
        cudaError_t status = cudaEventQuery(e);
        if (status == cudaErrorNotReady) {
            if (!wait)
                return;
            count(counters().synchronisations);
            status = cudaEventSynchronize(e);
        }
        PF_CUDA_CHECK(status);
        convert(index);
        inFlight.pop_front();
        freeSlots.push_back(index);
    }
}

CudaEngine::CudaEngine(int device) : m_device(device) {
    std::string why;
    if (!deviceAvailable(&why))
        throw EngineError("cuda engine: " + why);
    int devices = 0;
    PF_CUDA_CHECK(cudaGetDeviceCount(&devices));
    if (device < 0 || device >= devices)
        throw InvalidArgument("cuda engine: device " + std::to_string(device) +
                              " does not exist (" + std::to_string(devices) + " found)");
    PF_CUDA_CHECK(cudaSetDevice(device));
    m_deviceName = deviceName();
}

CudaEngine::~CudaEngine() {
    if (m)
        PF_CUDA_CHECK_NOTHROW(cudaStreamSynchronize(m->cudaStream()));
}

EngineInfo CudaEngine::info() const { return {m_twoPass ? "cuda two-pass" : "cuda", m_deviceName}; }

DeviceFootprint CudaEngine::estimateFootprint(Shape shape, int starts) {
    if (shape.empty() || starts < 1)
        throw InvalidArgument("estimateFootprint: empty shape or no start");
    const std::size_t K = std::size_t(starts), n = shape.size(), half = shape.halfSize();
    DeviceFootprint f;
    f.state = K * (n * (2 * sizeof(float) + 1) + half * sizeof(Complex));
    f.weights = half * 4 * sizeof(float);
    f.other = 4 * K * sizeof(double);
    try {
        f.fftWork = FftPlans::estimateWorkBytes(shape, starts);
    } catch (const EngineError&) {
        f.fftWork = K * half * sizeof(Complex); // cuFFT could not say: assume one spectrum
    }
    return f;
}

void CudaEngine::load(const Problem& problem, std::span<const InitialGuess> guesses) {
    problem.validate();
    if (guesses.empty())
        throw InvalidArgument("starts: at least one initial guess is needed");
    PF_CUDA_CHECK(cudaSetDevice(m_device));
    m.reset(); // free the previous problem before measuring what is free

    const Shape s = problem.shape();
    const int K = int(guesses.size());
    const DeviceFootprint need = estimateFootprint(s, K);
    const DeviceMemoryInfo mem = deviceMemoryInfo();
    if (need.total() > mem.freeBytes)
        throw EngineError("cuda engine: a " + s.toString() + " problem with " +
                          std::to_string(K) + " start(s) needs " + std::to_string(need.total()) +
                          " bytes of device memory, but only " + std::to_string(mem.freeBytes) +
                          " bytes are free (of " + std::to_string(mem.totalBytes) + ")");

    auto st = std::make_unique<State>();
    st->shape = s;
    st->starts = K;
    const std::size_t n = s.size(), half = s.halfSize();
    void* stream = st->stream.handle();
    st->g = DeviceBuffer<float>(K * n);
    st->gOut = DeviceBuffer<float>(K * n);
    st->spectrum = DeviceBuffer<Complex>(K * half);
    st->support = DeviceBuffer<std::uint8_t>(K * n);
    st->slot = DeviceBuffer<double>(4 * std::size_t(K));
    st->peakBits = DeviceBuffer<unsigned int>(std::size_t(K));
    st->newCounts = DeviceBuffer<double>(std::size_t(K));
    st->weights = DeviceWeights(hermitianWeights(problem), stream);
    st->footprint = need;
    st->plansWork = st->plans.prepare(s, K);
    st->footprint.fftWork = st->plansWork;

    // g0 = g'0 = Re(IFFT(M·exp(iφ0))): the Hermitian half spectrum of each
    // start, one start at a time through one host buffer.
    for (int k = 0; k < K; ++k) {
        const std::vector<std::complex<float>> h = initialHalfSpectrum(problem, guesses[std::size_t(k)]);
        upload(st->spectrum.data() + std::size_t(k) * half, h.data(), half * sizeof(Complex),
               stream);
        synchronize(stream); // h dies here
    }
    st->plans.c2r(st->spectrum.data(), st->gOut.data(), s, K, stream);
    detail::scaleAndDuplicate(st->gOut.data(), st->g.data(), 1.0f / float(n), s, K,
                              st->cudaStream());

    double* counts = st->slot.data() + 3 * K;
    if (problem.support.empty()) {
        detail::fillSupport(st->support.data(), counts, s, K, st->cudaStream());
        st->wholeField = true;
    } else {
        for (int k = 0; k < K; ++k)
            upload(st->support.data() + std::size_t(k) * n, problem.support.data.data(), n, stream);
        detail::countSupport(st->support.data(), counts, s, K, st->cudaStream());
        st->wholeField = false;
    }

    st->hostSlots = detail::PinnedBuffer<double>(std::size_t(kMetricsSlots) * 4 * std::size_t(K));
    st->events.resize(kMetricsSlots);
    st->slotIteration.assign(kMetricsSlots, 0);
    for (int i = kMetricsSlots - 1; i >= 0; --i)
        st->freeSlots.push_back(i);
    st->fused = m_lto;
    st->twoPass = m_twoPass;
    synchronize(stream);
    m = std::move(st);
}

bool CudaEngine::ltoActive() const { return m && m->fused; }

void CudaEngine::setLtoCallbacks(bool on) {
    m_lto = on;
    if (m)
        m->fused = on;
}

bool CudaEngine::twoPassActive() const { return m && m->twoPassFor(); }

void CudaEngine::setTwoPass(bool on) {
    m_twoPass = on;
    if (m)
        m->twoPass = on;
}

int CudaEngine::startCount() const { return m ? m->starts : 0; }
Shape CudaEngine::shape() const { return m ? m->shape : Shape{}; }
long long CudaEngine::iteration() const { return m ? m->iteration : 0; }

void CudaEngine::iterate(const Step& step, int count) {
    if (!m)
        throw InvalidArgument("cuda engine: iterate() before load()");
    if (usesBeta(step.algorithm))
        checkBeta(step.beta);
    const bool recordingOff = metricsRecording() == MetricsRecording::Off;
    long long remaining = count;
    while (remaining > 0) {
        // Run up to the next iteration that may record: a multiple of the
        // interval, or the last of this call (the whole call when recording
        // is off). Engine::recordsMetrics says whether it does.
        const long long every = m->metricsEvery;
        long long toRecord = recordingOff ? remaining : every - m->iteration % every;
        if (toRecord > remaining)
            toRecord = remaining;
        remaining -= toRecord;
        const bool record = recordsMetrics(m->iteration + toRecord, int(every), remaining == 0);
        while (toRecord > kMaxGraphIterations) {
            m->runIterations(step, kMaxGraphIterations, false);
            toRecord -= kMaxGraphIterations;
        }
        m->runIterations(step, int(toRecord), record);
    }
}

void CudaEngine::setSupport(const Mask& support) {
    if (!m)
        throw InvalidArgument("cuda engine: setSupport() before load()");
    if (!support.empty() && support.shape != m->shape)
        throw InvalidArgument("support: shape " + support.shape.toString() +
                              " differs from the problem's " + m->shape.toString());
    const Shape s = m->shape;
    double* counts = m->slot.data() + 3 * m->starts;
    if (support.empty()) {
        detail::fillSupport(m->support.data(), counts, s, m->starts, m->cudaStream());
        m->wholeField = true;
        return;
    }
    if (countOnes(support) == 0)
        throw InvalidArgument("support: it is empty (no pixel may be non-zero)");
    for (int k = 0; k < m->starts; ++k)
        upload(m->support.data() + std::size_t(k) * s.size(), support.data.data(), s.size(),
               m->stream.handle());
    detail::countSupport(m->support.data(), counts, s, m->starts, m->cudaStream());
    m->wholeField = false;
}

void CudaEngine::setStartSupport(int start, const Mask& support) {
    if (!m)
        throw InvalidArgument("cuda engine: setStartSupport() before load()");
    if (start < 0 || start >= m->starts)
        throw InvalidArgument("support: no start " + std::to_string(start));
    if (support.shape != m->shape)
        throw InvalidArgument("support: shape " + support.shape.toString() +
                              " differs from the problem's " + m->shape.toString());
    if (countOnes(support) == 0)
        throw InvalidArgument("support: it is empty (no pixel may be non-zero)");
    const Shape s = m->shape;
    double* counts = m->slot.data() + 3 * m->starts;
    if (m->wholeField) // the other starts keep the whole field, now written out
        detail::fillSupport(m->support.data(), counts, s, m->starts, m->cudaStream());
    upload(m->support.data() + std::size_t(start) * s.size(), support.data.data(), s.size(),
           m->stream.handle());
    detail::countSupport(m->support.data(), counts, s, m->starts, m->cudaStream());
    m->wholeField = false;
}

void CudaEngine::shrinkWrap(float sigma, float threshold) {
    if (!m)
        throw InvalidArgument("cuda engine: shrinkWrap() before load()");
    if (!(sigma > 0) || !std::isfinite(sigma))
        throw InvalidArgument("shrink-wrap: sigma must be positive and finite, got " +
                              std::to_string(sigma));
    int radius = 0;
    const std::vector<float> w = gaussianWeights(sigma, radius);
    if (m->blurWeights.size() < w.size())
        m->blurWeights = DeviceBuffer<float>(w.size());
    upload(m->blurWeights.data(), w.data(), w.size() * sizeof(float), m->stream.handle());
    // The spectrum is scratch between iterations and holds >= n floats per start.
    const detail::ShrinkWrapScratch scratch{reinterpret_cast<float*>(m->spectrum.data()),
                                            m->peakBits.data(), m->newCounts.data(),
                                            m->blurWeights.data(), radius};
    detail::shrinkWrapSupport(m->g.data(), m->support.data(), m->slot.data() + 3 * m->starts,
                              scratch, threshold, m->shape, m->starts, m->cudaStream());
    m->wholeField = false;
    synchronize(m->stream.handle()); // w dies here; shrink-wrap is rare
}

void CudaEngine::setMetricsInterval(int every) {
    if (every < 1)
        throw InvalidArgument("metrics interval: must be at least 1, got " + std::to_string(every));
    if (!m)
        throw InvalidArgument("cuda engine: setMetricsInterval() before load()");
    m->metricsEvery = every;
}

std::vector<MetricsRecord> CudaEngine::takeMetrics() {
    if (!m)
        return {};
    m->drain(false);
    return std::exchange(m->ready, {});
}

void CudaEngine::finish() {
    if (!m)
        return;
    synchronize(m->stream.handle());
    m->drain(true);
}

void CudaEngine::readIterate(int start, std::span<float> out) {
    if (!m)
        throw InvalidArgument("cuda engine: readIterate() before load()");
    checkStart(start, m->starts);
    if (out.size() != m->n())
        throw InvalidArgument("readIterate: output holds " + std::to_string(out.size()) +
                              " values, needs " + std::to_string(m->n()));
    download(out.data(), m->g.data() + std::size_t(start) * m->n(), m->n() * sizeof(float),
             m->stream.handle());
    synchronize(m->stream.handle());
}

void CudaEngine::readSupport(int start, Mask& out) {
    if (!m)
        throw InvalidArgument("cuda engine: readSupport() before load()");
    checkStart(start, m->starts);
    if (m->wholeField) {
        out = Mask{};
        return;
    }
    Mask mask(m->shape);
    download(mask.data.data(), m->support.data() + std::size_t(start) * m->n(), m->n(),
             m->stream.handle());
    synchronize(m->stream.handle());
    out = std::move(mask);
}

void CudaEngine::publish(int start, DisplayTarget& target) {
    if (!m)
        throw InvalidArgument("cuda engine: publish() before load()");
    checkStart(start, m->starts);
    if (auto* device = dynamic_cast<DeviceDisplayTarget*>(&target)) {
        // The spectrum of start 0 is scratch until the next iteration, which
        // the stream orders after the target's own copy.
        float* object = reinterpret_cast<float*>(m->spectrum.data());
        const std::size_t offset = std::size_t(start) * m->n();
        detail::objectEstimate(m->g.data() + offset,
                               m->wholeField ? nullptr : m->support.data() + offset, object,
                               m->shape, m->cudaStream());
        device->acceptDeviceFrame(object, m->shape, m->stream.handle());
        return;
    }
    std::vector<float> object(m->n());
    readObject(start, object);
    target.acceptHostFrame(object, m->shape);
}

DeviceFootprint CudaEngine::footprint() const { return m ? m->footprint : DeviceFootprint{}; }

void* CudaEngine::stream() const { return m ? m->stream.handle() : nullptr; }

float* CudaEngine::deviceIterate(int start) {
    if (!m)
        throw InvalidArgument("cuda engine: deviceIterate() before load()");
    checkStart(start, m->starts);
    return m->g.data() + std::size_t(start) * m->n();
}

float* CudaEngine::deviceFourierOutput(int start) {
    if (!m)
        throw InvalidArgument("cuda engine: deviceFourierOutput() before load()");
    checkStart(start, m->starts);
    return m->gOut.data() + std::size_t(start) * m->n();
}

} // namespace pf::gpu
