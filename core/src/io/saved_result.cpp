// A result saved by PhaseForge, read back: the child process reads the object,
// the support and process_1's fields (as text, so that they cross the pipe
// like a notice); the caller's process turns the text into Parameters.
#include "phaseforge/io/saved_result.h"

#include "cxi_layout.h"
#include "hdf5_support.h"
#include "raw_image.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <optional>

namespace pf::io {
namespace detail {
namespace {

/// process_1's fields that a continued run needs; each is read as text.
constexpr const char* kTextFields[] = {"schedule", "initial_guess", "initial_support", "engine",
                                       "device", "version", "input_file", "input_sha256",
                                       "continued_from"};
constexpr const char* kNumberFields[] = {"beta", "starts", "best_start", "iterations",
                                         "autocorrelation_threshold", "metrics_every",
                                         "shrink_wrap_enabled", "shrink_wrap_every",
                                         "shrink_wrap_sigma_start", "shrink_wrap_sigma_end",
                                         "shrink_wrap_sigma_decay", "shrink_wrap_threshold",
                                         "keep", "shrink_wrap_starts", "shrink_wrap_gentle_threshold",
                                         "free_fraction", "detwin_iterations", "centred", "kicks"};

/// Marks, among the fields, a result read from image_1 because it has no raw
/// object (files from before raw_object, or written by other programs).
constexpr const char* kNoRawObject = "no_raw_object";

/// The field that carries process_1/history across the pipe: its records
/// packed as bytes (the strings are length-prefixed, so any byte may occur).
constexpr const char* kHistory = "history";
/// More records than this (24 bytes each once packed) are not read.
constexpr std::uint64_t kMaxHistoryRecords = std::uint64_t(1) << 24;

/// One history record as packed into the kHistory field.
struct PackedRecord {
    std::int64_t iteration;
    float fourierError;
    float realError;
    std::int64_t supportSize;
};

/// process_1/history (the best start's metrics) packed, or nullopt when the
/// file has none. Columns that are not 1-D numbers of one length are refused
/// with a notice: the history is shown, never needed to continue.
std::optional<std::string> readHistory(hid_t file, std::vector<std::string>& notices) {
    const std::string h = std::string(cxi::kProcess) + "history/";
    if (!objectExists(file, h + "iteration")) return std::nullopt;
    const char* columns[] = {"iteration", "fourier_error", "real_error", "support_size"};
    const std::optional<std::uint64_t> n = vectorLength(file, h + columns[0], kMaxHistoryRecords);
    for (const char* column : columns)
        if (!n || (column != columns[0] && vectorLength(file, h + column, kMaxHistoryRecords) != n)) {
            notices.push_back("the saved history is not understood; it is not shown");
            return std::nullopt;
        }
    std::vector<std::int64_t> iteration(*n), supportSize(*n);
    std::vector<float> fourier(*n), real(*n);
    if (*n > 0 && !(readVector(file, h + "iteration", H5T_NATIVE_INT64, iteration.data()) &&
                    readVector(file, h + "fourier_error", H5T_NATIVE_FLOAT, fourier.data()) &&
                    readVector(file, h + "real_error", H5T_NATIVE_FLOAT, real.data()) &&
                    readVector(file, h + "support_size", H5T_NATIVE_INT64, supportSize.data()))) {
        notices.push_back("the saved history cannot be read; it is not shown");
        return std::nullopt;
    }
    std::string packed(*n * sizeof(PackedRecord), '\0');
    for (std::size_t i = 0; i < *n; ++i) {
        const PackedRecord r{iteration[i], fourier[i], real[i], supportSize[i]};
        std::memcpy(packed.data() + i * sizeof r, &r, sizeof r);
    }
    return packed;
}

} // namespace

RawImage readSavedResult(const std::string& name, hid_t file, const LoadOptions& options) {
    if (!objectExists(file, cxi::kObject) ||
        lower(readString(file, parentOf(cxi::kObject) + "/data_space")) != "real")
        fail(name, std::string("not a result saved by PhaseForge (no real-space object at ") + cxi::kObject + ")");
    const std::string p = cxi::kProcess;
    // The best start's iterate and support as the engine left them, which a
    // continued run starts from; image_1's (aligned, averaged, centred) only
    // where the file has no raw object.
    const bool hasRaw = objectExists(file, p + cxi::kRawObject);
    const std::string objectPath = hasRaw ? p + cxi::kRawObject : cxi::kObject;
    const std::string supportPath = hasRaw ? p + cxi::kRawSupport : cxi::kSupport;
    RawImage raw;
    raw.format = "CXI";
    raw.dataset = objectPath;
    raw.entry = 1;
    Hid ds = openDataset(name, file, objectPath);
    const DatasetGeometry g = checkGeometry(name, objectPath, ds.get(), options, raw.dtype);
    if (g.stack) fail(name, "the saved object " + objectPath + " is a stack, not one image");
    raw.shape = g.shape;
    raw.values.resize(g.shape.size());
    readFrame(name, objectPath, ds.get(), g, 0, H5T_NATIVE_FLOAT, raw.values.data());

    if (objectExists(file, supportPath)) {
        Hid sds = openDataset(name, file, supportPath);
        std::string supportType;
        const DatasetGeometry sg = checkGeometry(name, supportPath, sds.get(), options, supportType);
        if (sg.stack || !(sg.shape == g.shape))
            fail(name, "the saved support " + supportPath + " is " + sg.shape.toString() +
                           " but the object is " + g.shape.toString());
        raw.support = Mask(g.shape, 0);
        readFrame(name, supportPath, sds.get(), sg, 0, H5T_NATIVE_UINT8, raw.support.data.data());
        for (auto& v : raw.support.data) v = v ? 1 : 0;
    }
    if (!hasRaw) raw.fields.emplace_back(kNoRawObject, "1");
    for (const char* field : kTextFields)
        if (objectExists(file, p + field)) raw.fields.emplace_back(field, readString(file, p + field));
    for (const char* field : kNumberFields) {
        double v = 0;
        if (readScalar(file, p + field, H5T_NATIVE_DOUBLE, &v)) {
            char text[40];
            std::snprintf(text, sizeof text, "%.17g", v);
            raw.fields.emplace_back(field, text);
        }
    }
    // The seed is a 64-bit integer: read as such, not through a double.
    std::uint64_t seed = 0;
    if (readScalar(file, p + "seed", H5T_NATIVE_UINT64, &seed)) raw.fields.emplace_back("seed", std::to_string(seed));
    if (auto history = readHistory(file, raw.notices)) raw.fields.emplace_back(kHistory, std::move(*history));
    return raw;
}

namespace {

/// The records readHistory() packed, each on start `bestStart`.
std::vector<MetricsRecord> unpackHistory(const std::string& packed, int bestStart) {
    std::vector<MetricsRecord> history(packed.size() / sizeof(PackedRecord));
    for (std::size_t i = 0; i < history.size(); ++i) {
        PackedRecord r;
        std::memcpy(&r, packed.data() + i * sizeof r, sizeof r);
        history[i] = {r.iteration, bestStart, r.fourierError, r.realError, r.supportSize};
    }
    return history;
}

/// Turns process_1's fields into a SavedResult's parameters. A field that is
/// missing or out of range keeps the default, with a notice: the object and
/// support are what a continued run needs most.
void applyFields(const RawImage& raw, SavedResult& out) {
    auto find = [&](const char* name) -> const std::string* {
        for (const auto& [key, value] : raw.fields)
            if (key == name) return &value;
        out.notices.push_back(std::string("the saved result has no ") + name + "; the default is used");
        return nullptr;
    };
    auto number = [&](const char* name, double lo, double hi) -> std::optional<double> {
        const std::string* text = find(name);
        if (!text) return std::nullopt;
        char* end = nullptr;
        const double v = std::strtod(text->c_str(), &end);
        if (end == text->c_str() || *end != '\0' || !(v >= lo && v <= hi)) {
            out.notices.push_back(std::string("the saved ") + name + " '" + *text + "' is not understood; the default is used");
            return std::nullopt;
        }
        return v;
    };
    Parameters& p = out.parameters;
    if (const std::string* s = find("schedule")) {
        try {
            p.schedule = Schedule::parse(*s);
        } catch (const Error& e) {
            out.notices.push_back("the saved schedule '" + *s + "' is not understood (" + e.what() + "); the default is used");
        }
    }
    if (auto v = number("beta", 0, 1); v && *v > 0) p.beta = float(*v);
    if (const std::string* s = find("seed")) p.seed = std::strtoull(s->c_str(), nullptr, 10);
    if (auto v = number("starts", 1, 256)) p.starts = int(*v);
    if (const std::string* s = find("initial_support")) {
        if (*s == cxi::initialSupportName(InitialSupport::Automatic)) p.initialSupport = InitialSupport::Automatic;
        else if (*s == cxi::initialSupportName(InitialSupport::Autocorrelation)) p.initialSupport = InitialSupport::Autocorrelation;
        else if (*s == cxi::initialSupportName(InitialSupport::Problem)) p.initialSupport = InitialSupport::Problem;
        else out.notices.push_back("the saved initial_support '" + *s + "' is not understood; the default is used");
    }
    if (const std::string* s = find("initial_guess")) {
        for (auto kind : {InitialGuess::Kind::RandomPhase, InitialGuess::Kind::UserPhase, InitialGuess::Kind::ZeroPhase})
            if (*s == cxi::guessName(kind)) p.guess = kind;
        // The object a continued run started from is not saved: its
        // parameters replay from a random phase (a continuation of it starts
        // from its own object anyway).
        if (*s == cxi::guessName(InitialGuess::Kind::Object))
            out.notices.push_back("the saved run started from an object (it continued another result); "
                                  "its parameters start from a random phase instead");
    }
    if (auto v = number("autocorrelation_threshold", 0, 1)) p.autocorrelationThreshold = float(*v);
    if (auto v = number("metrics_every", 1, std::numeric_limits<int>::max())) p.metricsEvery = int(*v);
    if (auto v = number("shrink_wrap_enabled", 0, 1)) p.shrinkWrap.enabled = *v != 0;
    if (auto v = number("shrink_wrap_every", 1, std::numeric_limits<int>::max())) p.shrinkWrap.every = int(*v);
    if (auto v = number("shrink_wrap_sigma_start", 0, 1e6)) p.shrinkWrap.sigmaStart = float(*v);
    if (auto v = number("shrink_wrap_sigma_end", 0, 1e6)) p.shrinkWrap.sigmaEnd = float(*v);
    if (auto v = number("shrink_wrap_sigma_decay", 0, 1)) p.shrinkWrap.sigmaDecay = float(*v);
    if (auto v = number("shrink_wrap_threshold", 0, 1)) p.shrinkWrap.threshold = float(*v);
    if (auto v = number("keep", 1, 256)) p.keep = int(*v);
    if (auto v = number("shrink_wrap_starts", -1, 256)) p.shrinkWrapStarts = int(*v);
    if (auto v = number("shrink_wrap_gentle_threshold", 0, 1)) p.gentleThreshold = float(*v);
    if (auto v = number("free_fraction", 0, 1)) p.freeFraction = float(*v);
    if (auto v = number("detwin_iterations", 0, std::numeric_limits<int>::max())) p.detwinIterations = int(*v);
    if (auto v = number("centred", 0, 1)) p.centre = *v != 0;
    if (auto v = number("kicks", 0, 1000)) p.kicks = int(*v);
    if (auto v = number("iterations", 0, 9e18)) out.iterations = static_cast<long long>(*v);
    if (auto v = number("best_start", 0, 256)) out.bestStart = int(*v);
    for (const auto& [key, value] : raw.fields) {
        if (key == "engine") out.engine = value;
        else if (key == "device") out.device = value;
        else if (key == "version") out.version = value;
        else if (key == "input_file") out.inputFile = value;
        else if (key == "input_sha256") out.inputSha256 = value;
        else if (key == "continued_from") out.continuedFrom = value;
        else if (key == kHistory) out.history = unpackHistory(value, out.bestStart);
        else if (key == kNoRawObject)
            out.notices.push_back("the saved result has no raw object (" + std::string(cxi::kProcess) +
                                  cxi::kRawObject + "); its aligned, averaged and centred object is used");
    }
    try {
        p.validate();
    } catch (const Error& e) {
        out.notices.push_back(std::string("the saved parameters do not validate (") + e.what() + "); the defaults are used");
        const Parameters defaults;
        p = defaults;
    }
}

} // namespace

SavedResult toSavedResult(RawImage raw, const std::string& path) {
    SavedResult out;
    out.path = path;
    out.object.shape = raw.shape;
    out.object.data = std::move(raw.values);
    out.support = std::move(raw.support);
    out.notices = std::move(raw.notices); // what the child found (an unreadable history)
    applyFields(raw, out);
    return out;
}

} // namespace detail

SavedResult loadSavedResult(const std::string& path, const LoadOptions& options) {
    const std::string file = splitDatasetPath(path).first;
    return detail::toSavedResult(detail::readHdf5FileIsolated(file, "", options, detail::ReadPurpose::SavedResult),
                                 file);
}

} // namespace pf::io
