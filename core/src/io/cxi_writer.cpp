// CXI output (an HDF5 layout from cxidb.org), written atomically. The layout
// is documented in docs/files.md and read back with h5py in tests/io.
#include "atomic_file.h"
#include "cxi_layout.h"
#include "hdf5_support.h"
#include "raw_image.h"

#include "phaseforge/io/write.h"
#include "phaseforge/version.h"

#include <vector>

namespace pf::io {
namespace {

using detail::Hid;

constexpr int kCxiVersion = 160;
constexpr std::uint32_t kMaskUnmeasured = 1 | 16; // invalid | shadowed

/// Thin checked helpers: every failure becomes a FileError naming the file
/// and the object. The file is built in memory (HDF5's core driver) and its
/// image written to the AtomicFile at the end: libhdf5 resolves the path it
/// is given with realpath(), which an unnamed temporary does not have.
class CxiFile {
public:
    explicit CxiFile(const std::string& displayName) : m_name(displayName) {
        Hid fapl(H5Pcreate(H5P_FILE_ACCESS));
        H5Pset_fclose_degree(fapl.get(), H5F_CLOSE_STRONG);
        if (H5Pset_fapl_core(fapl.get(), 1 << 20, 0) < 0) detail::fail(m_name, "HDF5 file cannot be set up");
        m_file = Hid(H5Fcreate(displayName.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, fapl.get()));
        if (!m_file) detail::fail(m_name, "HDF5 file cannot be created");
    }
    /// Writes the finished file into `out` (not yet committed) and closes it.
    void closeInto(detail::AtomicFile& out) {
        if (H5Fflush(m_file.get(), H5F_SCOPE_GLOBAL) < 0) detail::fail(m_name, "HDF5 file cannot be flushed");
        const ssize_t size = H5Fget_file_image(m_file.get(), nullptr, 0);
        if (size <= 0) detail::fail(m_name, "HDF5 file image cannot be read back");
        std::vector<unsigned char> image(static_cast<std::size_t>(size));
        if (H5Fget_file_image(m_file.get(), image.data(), image.size()) != size)
            detail::fail(m_name, "HDF5 file image cannot be read back");
        m_file.reset();
        out.write(image);
    }

    void group(const std::string& path) {
        Hid lcpl(H5Pcreate(H5P_LINK_CREATE));
        H5Pset_create_intermediate_group(lcpl.get(), 1);
        Hid g(H5Gcreate2(m_file.get(), path.c_str(), lcpl.get(), H5P_DEFAULT, H5P_DEFAULT));
        check(g, path);
    }

    void array(const std::string& path, hid_t type, std::span<const hsize_t> dims, const void* data,
               bool compress) {
        Hid space(H5Screate_simple(int(dims.size()), dims.data(), nullptr));
        Hid dcpl(H5Pcreate(H5P_DATASET_CREATE));
        std::size_t total = 1;
        for (hsize_t d : dims) total *= d;
        if (compress && dims.size() == 2 && total > 4096) {
            const hsize_t chunk[2] = {std::min<hsize_t>(dims[0], 256), std::min<hsize_t>(dims[1], 256)};
            H5Pset_chunk(dcpl.get(), 2, chunk);
            // Byte shuffle, then the fastest deflate level: on float images it
            // compresses a little better than deflate 4 alone in about 60% of
            // the time (the write step of bench/results/time-to-answer.md).
            H5Pset_shuffle(dcpl.get());
            H5Pset_deflate(dcpl.get(), 1);
        }
        Hid ds(H5Dcreate2(m_file.get(), path.c_str(), type, space.get(), H5P_DEFAULT, dcpl.get(),
                          H5P_DEFAULT));
        check(ds, path);
        if (total > 0 && H5Dwrite(ds.get(), type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) < 0)
            detail::fail(m_name, "cannot write '" + path + "'");
    }

    template <class T> void scalar(const std::string& path, hid_t type, T value) {
        Hid space(H5Screate(H5S_SCALAR));
        Hid ds(H5Dcreate2(m_file.get(), path.c_str(), type, space.get(), H5P_DEFAULT, H5P_DEFAULT,
                          H5P_DEFAULT));
        check(ds, path);
        if (H5Dwrite(ds.get(), type, H5S_ALL, H5S_ALL, H5P_DEFAULT, &value) < 0)
            detail::fail(m_name, "cannot write '" + path + "'");
    }

    /// A scalar variable-length UTF-8 string (h5py reads it as str/bytes).
    void text(const std::string& path, const std::string& value) {
        Hid type(H5Tcopy(H5T_C_S1));
        H5Tset_size(type.get(), H5T_VARIABLE);
        H5Tset_cset(type.get(), H5T_CSET_UTF8);
        const char* p = value.c_str();
        scalar(path, type.get(), p);
    }

    void softLink(const std::string& target, const std::string& link) {
        if (H5Lcreate_soft(target.c_str(), m_file.get(), link.c_str(), H5P_DEFAULT, H5P_DEFAULT) < 0)
            detail::fail(m_name, "cannot link '" + link + "'");
    }

private:
    void check(const Hid& h, const std::string& path) const {
        if (!h) detail::fail(m_name, "cannot create '" + path + "'");
    }
    std::string m_name;
    Hid m_file;
};

std::vector<std::uint32_t> cxiMask(const Mask& measured, Shape shape) {
    std::vector<std::uint32_t> bits(shape.size(), 0);
    if (!measured.empty())
        for (std::size_t i = 0; i < bits.size(); ++i)
            if (!measured.data[i]) bits[i] = kMaskUnmeasured;
    return bits;
}

} // namespace

void writeResultCxi(const std::string& path, const Result& result, const Parameters& params,
                    const Problem& problem, const Provenance& provenance) {
    if (result.object.empty() || result.object.data.size() != result.object.shape.size())
        detail::fail(path, "nothing to write: the result holds no object");
    const Shape shape = result.object.shape;
    if (!(problem.magnitude.shape == shape))
        detail::fail(path, "the problem's shape does not match the result's");
    detail::Hdf5Scope scope;
    detail::AtomicFile out(path);
    {
        CxiFile f(path);
        const hsize_t dims[2] = {hsize_t(shape.rows), hsize_t(shape.cols)};
        f.scalar("/cxi_version", H5T_NATIVE_INT, kCxiVersion);
        f.group("/entry_1/image_1/process_1/history");
        f.group("/entry_1/image_2");
        f.group("/entry_1/data_1");
        f.text("/entry_1/program_name", std::string("PhaseForge ") + version());

        // image_1: the reconstruction.
        f.array(detail::cxi::kObject, H5T_NATIVE_FLOAT, dims, result.object.data.data(), true);
        f.text("/entry_1/image_1/data_space", "real");
        f.text("/entry_1/image_1/data_type", "amplitude");
        f.scalar("/entry_1/image_1/is_fft_shifted", H5T_NATIVE_INT, 0);
        Mask support = result.support;
        if (support.empty()) support = Mask(shape, 1);
        f.array(detail::cxi::kSupport, H5T_NATIVE_UINT8, dims, support.data.data(), true);
        f.softLink(detail::cxi::kObject, "/entry_1/data_1/data");

        // process_1: how it was made.
        const std::string p = detail::cxi::kProcess;
        f.text(p + "program", "PhaseForge");
        f.text(p + "version", version());
        f.text(p + "engine", result.engine.name);
        f.text(p + "device", result.engine.device);
        f.text(p + "input_file", provenance.inputPath);
        f.text(p + "input_sha256", provenance.inputSha256);
        if (!provenance.commandLine.empty()) f.text(p + "command", provenance.commandLine);
        if (!provenance.continuedFrom.empty()) f.text(p + "continued_from", provenance.continuedFrom);
        f.text(p + "schedule", params.schedule.toString());
        f.scalar(p + "beta", H5T_NATIVE_DOUBLE, double(params.beta));
        f.scalar(p + "seed", H5T_NATIVE_UINT64, std::uint64_t(params.seed));
        f.scalar(p + "starts", H5T_NATIVE_INT, params.starts);
        f.scalar(p + "best_start", H5T_NATIVE_INT, result.bestStart);
        f.scalar(p + "iterations", H5T_NATIVE_LLONG, result.iterations);
        f.text(p + "initial_guess", std::string(detail::cxi::guessName(params.guess)));
        f.text(p + "initial_support", std::string(detail::cxi::initialSupportName(params.initialSupport)));
        f.scalar(p + "autocorrelation_threshold", H5T_NATIVE_DOUBLE, double(params.autocorrelationThreshold));
        f.scalar(p + "metrics_every", H5T_NATIVE_INT, params.metricsEvery);
        f.scalar(p + "shrink_wrap_enabled", H5T_NATIVE_INT, params.shrinkWrap.enabled ? 1 : 0);
        f.scalar(p + "shrink_wrap_every", H5T_NATIVE_INT, params.shrinkWrap.every);
        f.scalar(p + "shrink_wrap_sigma_start", H5T_NATIVE_DOUBLE, double(params.shrinkWrap.sigmaStart));
        f.scalar(p + "shrink_wrap_sigma_end", H5T_NATIVE_DOUBLE, double(params.shrinkWrap.sigmaEnd));
        f.scalar(p + "shrink_wrap_sigma_decay", H5T_NATIVE_DOUBLE, double(params.shrinkWrap.sigmaDecay));
        f.scalar(p + "shrink_wrap_threshold", H5T_NATIVE_DOUBLE, double(params.shrinkWrap.threshold));
        const hsize_t nStarts[1] = {hsize_t(result.finalErrors.size())};
        f.array(p + "final_errors", H5T_NATIVE_FLOAT, nStarts, result.finalErrors.data(), false);

        // The recipe: the raw iterate, the ranking, the PRTF and the verdict.
        if (!result.rawObject.empty()) {
            f.array(p + detail::cxi::kRawObject, H5T_NATIVE_FLOAT, dims, result.rawObject.data.data(), true);
            f.array(p + detail::cxi::kRawSupport, H5T_NATIVE_UINT8, dims, result.rawSupport.data.data(), true);
        }
        f.group(p + "prtf");
        f.group(p + "quality");
        f.scalar(p + "keep", H5T_NATIVE_INT, params.keep);
        f.scalar(p + "shrink_wrap_starts", H5T_NATIVE_INT, params.shrinkWrapStarts);
        f.scalar(p + "shrink_wrap_gentle_threshold", H5T_NATIVE_DOUBLE, double(params.gentleThreshold));
        f.scalar(p + "free_fraction", H5T_NATIVE_DOUBLE, double(params.freeFraction));
        f.scalar(p + "detwin_iterations", H5T_NATIVE_INT, params.detwinIterations);
        f.scalar(p + "centred", H5T_NATIVE_INT, params.centre ? 1 : 0);
        f.scalar(p + "kicks", H5T_NATIVE_INT, params.kicks);
        f.scalar(p + "kick_rounds", H5T_NATIVE_INT, result.kickRounds);
        f.array(p + "free_errors", H5T_NATIVE_FLOAT, nStarts, result.freeErrors.data(), false);
        const hsize_t nKept[1] = {hsize_t(result.kept.size())};
        f.array(p + "kept_starts", H5T_NATIVE_INT, nKept, result.kept.data(), false);
        const hsize_t nRings[1] = {hsize_t(result.prtf.value.size())};
        f.array(p + "prtf/frequency", H5T_NATIVE_DOUBLE, nRings, result.prtf.frequency.data(), false);
        f.array(p + "prtf/value", H5T_NATIVE_DOUBLE, nRings, result.prtf.value.data(), false);
        f.scalar(p + "prtf/resolution_cycles_per_pixel", H5T_NATIVE_DOUBLE,
                 result.prtf.resolutionFrequency);
        f.scalar(p + "quality/trusted", H5T_NATIVE_INT, result.quality.trusted ? 1 : 0);
        f.scalar(p + "quality/free_error", H5T_NATIVE_DOUBLE, result.quality.freeError);
        f.scalar(p + "quality/noise_floor", H5T_NATIVE_DOUBLE, result.quality.noiseFloor);
        std::string warnings;
        for (const auto& w : result.quality.warnings)
            warnings += (warnings.empty() ? "" : "\n") + w;
        f.text(p + "quality/warnings", warnings);

        const std::size_t n = result.history.size();
        std::vector<long long> iteration(n), supportSize(n);
        std::vector<float> fourier(n), real(n);
        for (std::size_t i = 0; i < n; ++i) {
            iteration[i] = result.history[i].iteration;
            supportSize[i] = result.history[i].supportSize;
            fourier[i] = result.history[i].fourierError;
            real[i] = result.history[i].realError;
        }
        const hsize_t nh[1] = {hsize_t(n)};
        f.array(p + "history/iteration", H5T_NATIVE_LLONG, nh, iteration.data(), false);
        f.array(p + "history/fourier_error", H5T_NATIVE_FLOAT, nh, fourier.data(), false);
        f.array(p + "history/real_error", H5T_NATIVE_FLOAT, nh, real.data(), false);
        f.array(p + "history/support_size", H5T_NATIVE_LLONG, nh, supportSize.data(), false);

        // image_2: the magnitudes and the mask that were used (FFT order).
        f.array(detail::cxi::kMagnitudes, H5T_NATIVE_FLOAT, dims, problem.magnitude.data.data(), true);
        f.text("/entry_1/image_2/data_space", "diffraction");
        f.text("/entry_1/image_2/data_type", "amplitude");
        f.scalar("/entry_1/image_2/is_fft_shifted", H5T_NATIVE_INT, 1);
        const auto bits = cxiMask(problem.measured, shape);
        f.array("/entry_1/image_2/mask", H5T_NATIVE_UINT32, dims, bits.data(), true);
        f.closeInto(out);
    }
    out.commit();
}

void writePatternCxi(const std::string& path, const ImageF& magnitude, const Mask& measured,
                     const PatternCxiOptions& options) {
    const Shape shape = magnitude.shape;
    if (shape.empty() || magnitude.data.size() != shape.size())
        detail::fail(path, "nothing to write: the pattern is empty");
    if (!measured.empty() && !(measured.shape == shape))
        detail::fail(path, "the mask's shape does not match the pattern's");
    // Centre the pattern (numpy's fftshift): out[j] = in[(j - n/2) mod n].
    const int R = shape.rows, C = shape.cols;
    std::vector<float> values(shape.size());
    std::vector<std::uint32_t> bits(shape.size(), 0);
    for (int r = 0; r < R; ++r)
        for (int c = 0; c < C; ++c) {
            const std::size_t src = std::size_t((r - R / 2 + R) % R) * C + std::size_t((c - C / 2 + C) % C);
            const std::size_t dst = std::size_t(r) * C + std::size_t(c);
            const float m = magnitude.data[src];
            values[dst] = options.asIntensity ? m * m : m;
            if (!measured.empty() && !measured.data[src]) bits[dst] = kMaskUnmeasured;
        }
    detail::Hdf5Scope scope;
    detail::AtomicFile out(path);
    {
        CxiFile f(path);
        const hsize_t dims[2] = {hsize_t(R), hsize_t(C)};
        f.scalar("/cxi_version", H5T_NATIVE_INT, kCxiVersion);
        f.group("/entry_1/instrument_1/detector_1");
        f.group("/entry_1/data_1");
        f.text("/entry_1/program_name", std::string("PhaseForge ") + version());
        if (!options.note.empty()) f.text("/entry_1/experiment_identifier", options.note);
        const std::string d = "/entry_1/instrument_1/detector_1/";
        f.array(d + "data", H5T_NATIVE_FLOAT, dims, values.data(), true);
        f.array(d + "mask", H5T_NATIVE_UINT32, dims, bits.data(), true);
        f.softLink(d + "data", "/entry_1/data_1/data");
        f.text("/entry_1/data_1/data_type", options.asIntensity ? "intensity" : "amplitude");
        f.text("/entry_1/data_1/data_space", "diffraction");
        f.scalar("/entry_1/data_1/is_fft_shifted", H5T_NATIVE_INT, 0);
        f.closeInto(out);
    }
    out.commit();
}

} // namespace pf::io
