// PNG and TIFF export, both written atomically.
//
// libpng reports errors by longjmp: writeRows() is the only function that
// calls setjmp, and neither it nor the error callback holds an object with a
// destructor; the FILE and the libpng structures are owned by writePng's
// frame, which the longjmp never crosses.
#include "atomic_file.h"
#include "raw_image.h"
#include "tiff_support.h"

#include "phaseforge/io/write.h"
#include "phaseforge/log.h"

#include <png.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <csetjmp>
#include <cstdio>
#include <cstring>
#include <memory>
#include <numbers>
#include <vector>

namespace pf::io {
namespace {

void checkImage(const std::string& path, const ImageF& image) {
    if (image.shape.empty() || image.data.size() != image.shape.size())
        detail::fail(path, "nothing to write: the image is empty");
}

/// Maps the finite range [min, max] onto [0, top]; NaN/Inf become 0.
template <class T> std::vector<T> scaled(const ImageF& image, double top) {
    double lo = INFINITY, hi = -INFINITY;
    for (float v : image.data)
        if (std::isfinite(v)) {
            lo = std::min(lo, double(v));
            hi = std::max(hi, double(v));
        }
    std::vector<T> out(image.data.size(), T(0));
    if (!(hi > lo)) return out; // constant or no finite value: all zero
    const double k = top / (hi - lo);
    for (std::size_t i = 0; i < out.size(); ++i) {
        const float v = image.data[i];
        if (std::isfinite(v)) out[i] = T(std::lround(std::clamp((v - lo) * k, 0.0, top)));
    }
    return out;
}

struct PngSink {
    char error[256];
};

void pngWriteError(png_structp png, png_const_charp message) {
    auto* sink = static_cast<PngSink*>(png_get_error_ptr(png));
    std::strncpy(sink->error, message ? message : "unknown libpng error", sizeof sink->error - 1);
    sink->error[sizeof sink->error - 1] = '\0';
    png_longjmp(png, 1);
}

void pngWriteWarning(png_structp, png_const_charp message) {
    pf::log(LogLevel::Info, std::string("libpng warning: ") + (message ? message : ""));
}

/// Writes the whole image. Returns 0 on a libpng error (message in the sink).
int writeRows(png_structp png, png_infop info, std::FILE* file, png_uint_32 width,
              png_uint_32 height, int bitDepth, png_bytepp rows) {
    if (setjmp(png_jmpbuf(png))) return 0;
    png_init_io(png, file);
    png_set_IHDR(png, info, width, height, bitDepth, PNG_COLOR_TYPE_GRAY, PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_write_info(png, info);
    if (bitDepth == 16) png_set_swap(png); // rows hold little-endian uint16
    png_write_image(png, rows);
    png_write_end(png, nullptr);
    return 1;
}

class PngWriteHandle {
public:
    explicit PngWriteHandle(PngSink* sink) {
        m_png = png_create_write_struct(PNG_LIBPNG_VER_STRING, sink, pngWriteError, pngWriteWarning);
        if (m_png) m_info = png_create_info_struct(m_png);
    }
    ~PngWriteHandle() {
        if (m_png) png_destroy_write_struct(&m_png, m_info ? &m_info : nullptr);
    }
    PngWriteHandle(const PngWriteHandle&) = delete;
    PngWriteHandle& operator=(const PngWriteHandle&) = delete;
    png_structp png() const { return m_png; }
    png_infop info() const { return m_info; }

private:
    png_structp m_png = nullptr;
    png_infop m_info = nullptr;
};

struct FileCloser {
    void operator()(std::FILE* f) const { std::fclose(f); }
};

} // namespace

void writePng(const std::string& path, const ImageF& image, SampleType type) {
    checkImage(path, image);
    if (type == SampleType::Float32)
        detail::fail(path, "PNG cannot hold floating-point samples; export TIFF for float32");
    const bool sixteen = type == SampleType::UInt16;
    const std::size_t bytesPerSample = sixteen ? 2 : 1;
    std::vector<unsigned char> pixels(image.data.size() * bytesPerSample);
    if (sixteen) {
        const auto v = scaled<std::uint16_t>(image, 65535.0);
        std::memcpy(pixels.data(), v.data(), pixels.size());
    } else {
        const auto v = scaled<std::uint8_t>(image, 255.0);
        std::memcpy(pixels.data(), v.data(), pixels.size());
    }
    const std::size_t rowBytes = std::size_t(image.shape.cols) * bytesPerSample;
    std::vector<png_bytep> rows(std::size_t(image.shape.rows));
    for (std::size_t r = 0; r < rows.size(); ++r) rows[r] = pixels.data() + r * rowBytes;

    detail::AtomicFile out(path);
    {
        std::unique_ptr<std::FILE, FileCloser> file(std::fopen(out.tempPath().c_str(), "wb"));
        if (!file) detail::fail(path, std::string("cannot be written: ") + std::strerror(errno));
        PngSink sink{};
        PngWriteHandle handle(&sink);
        if (!handle.png() || !handle.info()) throw std::bad_alloc();
        if (!writeRows(handle.png(), handle.info(), file.get(), png_uint_32(image.shape.cols),
                       png_uint_32(image.shape.rows), sixteen ? 16 : 8, rows.data()))
            detail::fail(path, std::string("PNG cannot be written: ") + sink.error);
        if (std::fflush(file.get()) != 0 || std::ferror(file.get()))
            detail::fail(path, std::string("cannot be written: ") + std::strerror(errno));
    }
    out.commit();
}

void writeTiff(const std::string& path, const ImageF& image, SampleType type) {
    checkImage(path, image);
    detail::AtomicFile out(path);
    {
        detail::TiffMessages messages{path, {}};
        detail::TiffOptionsHandle options = detail::makeTiffOptions(messages, 0);
        detail::TiffHandle tif(TIFFOpenExt(out.tempPath().c_str(), "w", options.get()));
        if (!tif) detail::fail(path, "TIFF cannot be created: " + messages.firstError);
        const int bits = type == SampleType::UInt8 ? 8 : type == SampleType::UInt16 ? 16 : 32;
        const int format = type == SampleType::Float32 ? SAMPLEFORMAT_IEEEFP : SAMPLEFORMAT_UINT;
        TIFF* t = tif.get();
        TIFFSetField(t, TIFFTAG_IMAGEWIDTH, uint32_t(image.shape.cols));
        TIFFSetField(t, TIFFTAG_IMAGELENGTH, uint32_t(image.shape.rows));
        TIFFSetField(t, TIFFTAG_SAMPLESPERPIXEL, uint16_t(1));
        TIFFSetField(t, TIFFTAG_BITSPERSAMPLE, uint16_t(bits));
        TIFFSetField(t, TIFFTAG_SAMPLEFORMAT, uint16_t(format));
        TIFFSetField(t, TIFFTAG_PHOTOMETRIC, uint16_t(PHOTOMETRIC_MINISBLACK));
        TIFFSetField(t, TIFFTAG_PLANARCONFIG, uint16_t(PLANARCONFIG_CONTIG));
        TIFFSetField(t, TIFFTAG_COMPRESSION, uint16_t(COMPRESSION_ADOBE_DEFLATE));
        TIFFSetField(t, TIFFTAG_ROWSPERSTRIP, TIFFDefaultStripSize(t, 0));
        TIFFSetField(t, TIFFTAG_SOFTWARE, "PhaseForge");
        std::vector<unsigned char> pixels;
        if (type == SampleType::Float32) {
            pixels.resize(image.data.size() * 4);
            std::memcpy(pixels.data(), image.data.data(), pixels.size());
        } else if (type == SampleType::UInt16) {
            const auto v = scaled<std::uint16_t>(image, 65535.0);
            pixels.resize(v.size() * 2);
            std::memcpy(pixels.data(), v.data(), pixels.size());
        } else {
            const auto v = scaled<std::uint8_t>(image, 255.0);
            pixels.assign(v.begin(), v.end());
        }
        const std::size_t rowBytes = std::size_t(image.shape.cols) * std::size_t(bits / 8);
        for (int r = 0; r < image.shape.rows; ++r)
            if (TIFFWriteScanline(t, pixels.data() + std::size_t(r) * rowBytes, uint32_t(r), 0) < 0)
                detail::fail(path, "TIFF cannot be written: " + messages.firstError);
        if (!TIFFFlush(t)) detail::fail(path, "TIFF cannot be written: " + messages.firstError);
    }
    out.commit();
}

ImageF centreOfMassToCentre(const ImageF& image) {
    if (image.shape.empty()) return image;
    const int R = image.shape.rows, C = image.shape.cols;
    // Circular means: the object may wrap around the edges of the field.
    double rc = 0, rs = 0, cc = 0, cs = 0;
    const double tr = 2 * std::numbers::pi / R, tc = 2 * std::numbers::pi / C;
    for (int r = 0; r < R; ++r)
        for (int c = 0; c < C; ++c) {
            const float v = image.at(r, c);
            const double w = std::isfinite(v) ? std::fabs(double(v)) : 0.0;
            rc += w * std::cos(tr * r);
            rs += w * std::sin(tr * r);
            cc += w * std::cos(tc * c);
            cs += w * std::sin(tc * c);
        }
    if (rc == 0 && rs == 0 && cc == 0 && cs == 0) return image;
    auto centreOf = [](double s, double c, int n) {
        double a = std::atan2(s, c);
        if (a < 0) a += 2 * std::numbers::pi;
        return int(std::lround(a * n / (2 * std::numbers::pi))) % n;
    };
    const int dr = ((R / 2 - centreOf(rs, rc, R)) % R + R) % R;
    const int dc = ((C / 2 - centreOf(cs, cc, C)) % C + C) % C;
    ImageF out(image.shape);
    for (int r = 0; r < R; ++r)
        for (int c = 0; c < C; ++c) out.at((r + dr) % R, (c + dc) % C) = image.at(r, c);
    return out;
}

} // namespace pf::io
