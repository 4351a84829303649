// The two-pass path (two_pass.h): one row pass and one column pass per
// iteration over the half spectrum X with the engine's own FFTs, or, for
// small problems, the whole batch in one cooperative launch (persistent.h).
// It enters from the stage-1 state (the first row pass reads g') and leaves
// it (a closing row pass runs the C2R into g').
#include "iteration_path.h"

#include "persistent.h"
#include "phaseforge/gpu/fused_fft.h"
#include "two_pass.h"

namespace pf::gpu::detail {

bool twoPassByDefault(Shape shape, int starts) {
    // Measured on the H200 (bench/results/gpu-engine.md, µs per GS iteration,
    // stage 1 against two-pass): 256² 11.9 / 8.27, 512² 16.9 / 9.03, 1024²
    // 29.8 / 16.1, 2048² 78.7 / 51.3, 4096² 351 / 256, 8192² 1222 / 1318; 512²
    // with 4, 8, 64 starts 28.8 / 13.5, 44.9 / 20.1, 311 / 139. At 8192 rows
    // the column pass runs split in three steps (split_columns.cu), since a
    // one-column tile waited on its loads (1318 µs at 8192², stage 1 1222).
    (void)starts;
    return twoPassShape(shape);
}

namespace {

class TwoPassPath final : public IterationPath {
public:
    TwoPassPath(EngineState& state, const TwoPassTuning& tuning)
        : m_state(state), m_tuning(tuning) {}

    const char* name() const override { return "cuda two-pass"; }

    void prepare() override {
        if (!m_spectrum.empty())
            return;
        EngineState& st = m_state;
        m_launch = twoPassLaunch(st.shape, st.starts, m_tuning.rowsPerBlock, m_tuning.columnsPerTile);
        m_launch.overlap = m_tuning.overlapPasses;
        m_persistent = persistentLaunch(st.shape, st.starts, m_tuning);
        m_spectrum = DeviceBuffer<float2>(std::size_t(st.starts) * std::size_t(st.shape.rows) *
                                          std::size_t(twoPassPitch(st.shape)));
        m_twiddles = DeviceBuffer<float2>(std::size_t(twiddleCount(st.shape.cols)));
        // The padding columns are never read as data; zero them once all the same.
        zeroDevice(m_spectrum.data(), m_spectrum.bytes(), st.stream.handle());
        fillTwiddles(m_twiddles.data(), st.shape.cols, st.cudaStream());
        raiseSharedMemoryLimits();
    }

    void enqueue(Rule rule, int length, bool record) override {
        if (record)
            m_state.zeroSums();
        if (m_persistent.threads > 0)
            enqueuePersistent(rule, length, record);
        else
            enqueuePerPass(rule, length, record);
    }

    /// The persistent launch is not captured: there is nothing left between
    /// launches for a graph to save.
    bool capturable() const override { return m_persistent.threads == 0; }

    void addFootprint(DeviceFootprint& f) const override {
        f.state += m_spectrum.bytes();
        f.other += m_twiddles.bytes();
    }

private:
    void params(RowPassParams& rp, ColumnPassParams& cp) {
        EngineState& st = m_state;
        rp = {};
        rp.spectrum = m_spectrum.data();
        rp.realIn = st.gOut.data();
        rp.realOut = st.gOut.data();
        rp.g = st.g.data();
        rp.support = st.supportOrNull();
        rp.twiddles = m_twiddles.data();
        rp.rows = st.shape.rows;
        rp.cols = st.shape.cols;
        rp.pitch = twoPassPitch(st.shape);
        rp.rowsPerBlock = m_launch.rowsPerBlock;
        rp.beta = st.beta.data();
        cp = {};
        cp.spectrum = m_spectrum.data();
        cp.projection = reinterpret_cast<const float2*>(st.weights.projection());
        cp.error = reinterpret_cast<const float2*>(st.weights.error());
        cp.twiddles = m_twiddles.data();
        cp.rows = st.shape.rows;
        cp.halfCols = st.shape.halfCols();
        cp.pitch = rp.pitch;
        cp.columnsPerBlock = m_launch.columnsPerBlock;
        cp.inverseSize = float(1.0 / double(st.shape.size()));
        cp.stages = kColumnForward | kColumnProject | kColumnInverse;
    }

    void enqueuePerPass(Rule rule, int length, bool record) {
        EngineState& st = m_state;
        const int K = st.starts;
        const cudaStream_t s = st.cudaStream();
        RowPassParams rp;
        ColumnPassParams cp;
        params(rp, cp);
        for (int i = 0; i < length; ++i) {
            const bool last = i == length - 1;
            rp.mode = i == 0 ? RowMode::IterateFromReal : RowMode::IterateFromHalf;
            // g itself is state only for the rules that read it; the others need
            // it once, at the end of the batch, for readIterate() and the next batch.
            rp.writeG = ruleReadsG(rule) || last;
            rp.sums = record && last ? st.objectSums() : nullptr;
            launchRowPass(rule, rp, m_launch, K, s);
            cp.sums = record && last ? st.fourierSums() : nullptr;
            launchColumnPass(cp, m_launch, K, s);
        }
        // Back to the stage-1 state: g' = C2R of the last column pass.
        rp.mode = RowMode::C2rOnly;
        rp.sums = nullptr;
        rp.writeG = false;
        launchRowPass(rule, rp, m_launch, K, s);
    }

    void enqueuePersistent(Rule rule, int length, bool record) {
        EngineState& st = m_state;
        PersistentParams pp{};
        params(pp.row, pp.column);
        pp.row.rowsPerBlock = m_persistent.rowsPerBlock;
        pp.column.columnsPerBlock = m_persistent.columnsPerBlock;
        pp.iterations = length;
        pp.images = st.starts;
        pp.rowBlocks = m_persistent.rowBlocks;
        pp.columnBlocks = m_persistent.columnBlocks;
        pp.rowSums = record ? st.objectSums() : nullptr;
        pp.columnSums = record ? st.fourierSums() : nullptr;
        launchPersistent(rule, pp, m_persistent, st.cudaStream());
    }

    EngineState& m_state;
    TwoPassTuning m_tuning;
    TwoPassLaunch m_launch;
    PersistentLaunch m_persistent; ///< threads == 0: the per-pass kernels run
    DeviceBuffer<float2> m_spectrum; ///< X: starts x rows x pitch, made by prepare()
    DeviceBuffer<float2> m_twiddles;
};

} // namespace

std::unique_ptr<IterationPath> makeTwoPassPath(EngineState& state, const TwoPassTuning& tuning) {
    return std::make_unique<TwoPassPath>(state, tuning);
}

} // namespace pf::gpu::detail

namespace pf::gpu {

bool twoPassByDefault(Shape shape, int starts) { return detail::twoPassByDefault(shape, starts); }

} // namespace pf::gpu
