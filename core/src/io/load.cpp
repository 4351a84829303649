// The public entry points: find the reader, then turn its frame into a Problem
// or an image. The rules are written out in docs/files.md.
#include "cxi_layout.h"
#include "formats_table.h"
#include "mapped_file.h"
#include "raw_image.h"

#include <sys/stat.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

namespace pf::io {

const char* valueKindName(ValueKind kind) {
    return kind == ValueKind::Intensity ? "intensity" : "amplitude";
}

const char* centringName(Centring centring) {
    return centring == Centring::Centred ? "centred" : "fft-shifted";
}

namespace {

bool isRegularFile(const std::string& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

std::string extensionOf(const std::string& path) {
    const std::size_t dot = path.find_last_of('.');
    const std::size_t slash = path.find_last_of('/');
    if (dot == std::string::npos || (slash != std::string::npos && dot < slash)) return "";
    return path.substr(dot + 1);
}

detail::RawImage readAnyFile(const std::string& file, const std::string& dataset, const LoadOptions& options,
                             detail::ReadPurpose purpose) {
    const detail::FormatRow* row = nullptr;
    {
        detail::MappedFile mapped(file);
        row = detail::sniffFormat(mapped.bytes());
        if (!row) {
            const FormatInfo* expected = formatForExtension(extensionOf(file));
            detail::fail(file, expected ? "has the extension ." + extensionOf(file) + " but its content is not " +
                                              std::string(expected->container)
                                        : "is not a " + formatListText(false) + " file");
        }
        if (!row->info.datasetPath && !dataset.empty()) {
            std::string takers;
            for (const FormatInfo& f : supportedFormats())
                if (f.datasetPath) takers += (takers.empty() ? "" : " and ") + std::string(f.name);
            detail::fail(file, "a dataset path (':" + dataset + "') only applies to " + takers + " files");
        }
        if (!row->info.isolated) return row->readMemory(file, mapped.bytes(), dataset, options, purpose);
    }
    // An isolated format's reader opens the file itself (no copy of a large
    // file in memory), in a child process: libhdf5 can crash or hang on a
    // corrupt file.
    return row->readFile(file, dataset, options, purpose);
}

/// Mean-free decision of where the zero frequency is: compare the intensity
/// in a box around the centre with the same box around the corner (wrapped).
Centring guessCentring(const ImageF& magnitude, const Mask& measured, std::string& why) {
    const Shape s = magnitude.shape;
    const int half = std::max(1, std::min(s.rows, s.cols) / 8);
    auto boxEnergy = [&](int r0, int c0) {
        double sum = 0;
        for (int dr = -half; dr <= half; ++dr)
            for (int dc = -half; dc <= half; ++dc) {
                const int r = ((r0 + dr) % s.rows + s.rows) % s.rows;
                const int c = ((c0 + dc) % s.cols + s.cols) % s.cols;
                if (!measured.empty() && !measured.at(r, c)) continue;
                const double m = magnitude.at(r, c);
                sum += m * m;
            }
        return sum;
    };
    double total = 0;
    for (std::size_t i = 0; i < magnitude.data.size(); ++i)
        if (measured.empty() || measured.data[i]) total += double(magnitude.data[i]) * magnitude.data[i];
    const double centre = boxEnergy(s.rows / 2, s.cols / 2);
    const double corner = boxEnergy(0, 0);
    const Centring guess = centre >= corner ? Centring::Centred : Centring::FftShifted;
    char buf[256];
    std::snprintf(buf, sizeof buf,
                  "zero frequency assumed %s: a box of side %d around the centre holds %.1f%% of the "
                  "intensity, around the corner %.1f%% (override with --centred or --fft-shifted)",
                  guess == Centring::Centred ? "at the centre" : "at the corner (fft-shifted)",
                  2 * half + 1, total > 0 ? 100.0 * centre / total : 0.0,
                  total > 0 ? 100.0 * corner / total : 0.0);
    why = buf;
    return guess;
}

/// numpy's ifftshift: out[j] = in[(j + n/2) mod n] along both axes.
template <class T> Image<T> toFftOrder(const Image<T>& in) {
    if (in.empty()) return in;
    Image<T> out(in.shape);
    const int R = in.shape.rows, C = in.shape.cols;
    for (int r = 0; r < R; ++r) {
        const int sr = (r + R / 2) % R;
        for (int c = 0; c < C; ++c) out.at(r, c) = in.at(sr, (c + C / 2) % C);
    }
    return out;
}

void fillCommonInfo(PatternInfo& info, const detail::RawImage& raw, const std::string& path) {
    info.path = path;
    info.format = raw.format;
    info.dataset = raw.dataset;
    info.dtype = raw.dtype;
    info.shape = raw.shape;
    info.frames = raw.frames;
    info.frame = raw.frame;
    info.entry = raw.entry;
    // The reader redirects a saved result's CXI to the magnitudes it was made
    // from (hdf5_reader.cpp); nothing else is read from there.
    info.savedResult = raw.format == "CXI" && raw.dataset == detail::cxi::kMagnitudes;
    double lo = std::numeric_limits<double>::infinity(), hi = -lo;
    for (float v : raw.values)
        if (std::isfinite(v)) {
            lo = std::min(lo, double(v));
            hi = std::max(hi, double(v));
        }
    info.minValue = std::isfinite(lo) ? lo : 0.0;
    info.maxValue = std::isfinite(hi) ? hi : 0.0;
}

} // namespace

std::pair<std::string, std::string> splitDatasetPath(const std::string& path) {
    if (isRegularFile(path)) return {path, ""};
    // "file.h5:/a/b": the first ":/" whose prefix is an existing file.
    for (std::size_t pos = path.find(":/"); pos != std::string::npos; pos = path.find(":/", pos + 1)) {
        const std::string file = path.substr(0, pos);
        if (isRegularFile(file)) return {file, path.substr(pos + 1)};
    }
    return {path, ""};
}

namespace detail {

RawImage readAnyMemory(const std::string& name, Bytes bytes, const LoadOptions& options) {
    const FormatRow* row = sniffFormat(bytes);
    if (!row) fail(name, "is not a " + formatListText(false) + " file");
    return row->readMemory(name, bytes, options.dataset, options, ReadPurpose::Pattern);
}

void checkPatternShape(const std::string& name, Shape shape) {
    if (shape.rows < kMinPatternSide || shape.cols < kMinPatternSide)
        fail(name, "the pattern is only " + shape.toString() + " pixels; at least " +
                       std::to_string(kMinPatternSide) + " x " + std::to_string(kMinPatternSide) +
                       " are needed to reconstruct anything");
}

LoadedPattern toPattern(RawImage raw, const std::string& path, const LoadOptions& options) {
    if (raw.realSpace)
        fail(path, "'" + raw.dataset + "' is a real-space image (CXI data_space 'real'), not a diffraction pattern");
    checkPatternShape(path, raw.shape);
    LoadedPattern out;
    PatternInfo& info = out.info;
    fillCommonInfo(info, raw, path);
    out.notices = std::move(raw.notices);

    // Intensity or amplitude.
    if (options.kind) {
        info.kind = *options.kind;
        info.kindSource = "option";
        if (raw.kind && *raw.kind != *options.kind)
            out.notices.push_back(std::string("the file says ") + valueKindName(*raw.kind) +
                                  " but " + valueKindName(*options.kind) + " was requested; using " +
                                  valueKindName(*options.kind));
    } else if (raw.kind) {
        info.kind = *raw.kind;
        info.kindSource = "file";
    } else {
        info.kind = ValueKind::Intensity;
        info.kindSource = "default";
        out.notices.push_back("values taken as intensities (detector counts) and square-rooted; "
                              "pass --amplitude if they are magnitudes");
    }

    // Values: NaN/Inf -> unmeasured, negative -> 0, intensity -> sqrt.
    const Shape shape = raw.shape;
    Mask measured(shape, 1);
    bool anyUnmeasured = false;
    if (!raw.unmeasured.empty()) {
        for (std::size_t i = 0; i < measured.data.size(); ++i)
            if (raw.unmeasured.data[i]) measured.data[i] = 0;
        info.maskedPixels = raw.maskedPixels;
        anyUnmeasured = raw.maskedPixels > 0;
    }
    std::vector<float>& v = raw.values;
    const bool intensity = info.kind == ValueKind::Intensity;
    for (std::size_t i = 0; i < v.size(); ++i) {
        float x = v[i];
        if (!std::isfinite(x)) {
            ++info.nonFinitePixels;
            measured.data[i] = 0;
            anyUnmeasured = true;
            x = 0;
        } else if (x < 0) {
            ++info.negativePixels;
            x = 0;
        }
        v[i] = intensity ? std::sqrt(x) : x;
    }
    if (info.maskedPixels > 0)
        out.notices.push_back(std::to_string(info.maskedPixels) +
                              " pixels flagged invalid, saturated, hot, dead or shadowed in the CXI mask are unmeasured");
    if (info.nonFinitePixels > 0)
        out.notices.push_back(std::to_string(info.nonFinitePixels) + " NaN/Inf values are treated as unmeasured");
    if (info.negativePixels > 0)
        out.notices.push_back(std::to_string(info.negativePixels) + " negative values were set to zero");

    ImageF magnitude;
    magnitude.shape = shape;
    magnitude.data = std::move(v);
    std::int64_t unmeasured = 0;
    bool anyNonZero = false;
    for (std::size_t i = 0; i < magnitude.data.size(); ++i) {
        if (!measured.data[i]) {
            ++unmeasured;
            magnitude.data[i] = 0; // unmeasured magnitudes float free; keep them finite
        } else if (magnitude.data[i] > 0) {
            anyNonZero = true;
        }
    }
    info.unmeasuredPixels = unmeasured;
    if (unmeasured == std::int64_t(shape.size()))
        fail(path, "no measured pixel: every value is NaN/Inf or masked");
    if (!anyNonZero) fail(path, "every measured value is zero (or negative): there is nothing to reconstruct");
    if (!anyUnmeasured) measured = Mask{};

    // Centred or fft-shifted.
    if (options.centring) {
        info.centring = *options.centring;
        info.centringSource = "option";
    } else if (raw.centring) {
        info.centring = *raw.centring;
        info.centringSource = "file";
    } else {
        std::string why;
        info.centring = guessCentring(magnitude, measured, why);
        info.centringSource = "heuristic";
        out.notices.push_back(why);
    }
    if (info.centring == Centring::Centred) {
        magnitude = toFftOrder(magnitude);
        measured = toFftOrder(measured);
    }
    out.problem.magnitude = std::move(magnitude);
    out.problem.measured = std::move(measured);
    try {
        out.problem.validate();
    } catch (const Error& e) {
        fail(path, e.what());
    }
    return out;
}

LoadedImage toImage(RawImage raw, const std::string& path) {
    LoadedImage out;
    fillCommonInfo(out.info, raw, path);
    out.notices = std::move(raw.notices);
    if (raw.integerMax > 0) {
        const float scale = float(1.0 / raw.integerMax);
        for (float& x : raw.values) x *= scale;
        char divisor[32];
        std::snprintf(divisor, sizeof divisor, "%.0f", raw.integerMax);
        out.notices.push_back(raw.dtype + " values scaled to [0, 1] (divided by " + divisor + ")");
    }
    out.image.shape = raw.shape;
    out.image.data = std::move(raw.values);
    return out;
}

} // namespace detail

LoadedPattern loadDiffraction(const std::string& path, const LoadOptions& options) {
    auto [file, dataset] = splitDatasetPath(path);
    if (!options.dataset.empty()) dataset = options.dataset;
    return detail::toPattern(readAnyFile(file, dataset, options, detail::ReadPurpose::Pattern), file, options);
}

LoadedImage loadImage(const std::string& path, const LoadOptions& options) {
    auto [file, dataset] = splitDatasetPath(path);
    if (!options.dataset.empty()) dataset = options.dataset;
    return detail::toImage(readAnyFile(file, dataset, options, detail::ReadPurpose::Image), file);
}

} // namespace pf::io
