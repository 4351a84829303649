// PNG through libpng: 8 and 16-bit grey; palette, low bit depths, alpha and
// colour are expanded, and colour becomes luminance with a notice.
//
// libpng reports errors by longjmp. The two functions that call setjmp
// (readHeader, readRows) are plain C-style code: no object with a destructor
// is alive in their frames or in the callbacks between the setjmp and the
// longjmp, so no C++ cleanup is skipped. Everything owning memory lives in
// readPng's frame, which the longjmp never crosses.
#include "elements.h"
#include "raw_image.h"

#include "phaseforge/log.h"

#include <png.h>

#include <csetjmp>
#include <cstring>
#include <vector>

namespace pf::io::detail {
namespace {

/// Plain data shared with the callbacks (trivially destructible on purpose).
struct PngSource {
    const unsigned char* data;
    std::size_t size;
    std::size_t pos;
    char error[256];
};

struct PngHeader {
    png_uint_32 width;
    png_uint_32 height;
    int bitDepth;
    int colourType;   // after the transforms
    int channels;     // after the transforms
    int hadAlpha;
    int wasColour;
    png_size_t rowBytes;
};

void pngOnError(png_structp png, png_const_charp message) {
    auto* src = static_cast<PngSource*>(png_get_error_ptr(png));
    std::strncpy(src->error, message ? message : "unknown libpng error", sizeof src->error - 1);
    src->error[sizeof src->error - 1] = '\0';
    png_longjmp(png, 1);
}

void pngOnWarning(png_structp, png_const_charp message) {
    pf::log(LogLevel::Info, std::string("libpng warning: ") + (message ? message : ""));
}

void pngOnRead(png_structp png, png_bytep out, png_size_t n) {
    auto* src = static_cast<PngSource*>(png_get_io_ptr(png));
    if (n > src->size - src->pos) png_error(png, "file is truncated");
    std::memcpy(out, src->data + src->pos, n);
    src->pos += n;
}

/// Reads the header and sets up the transforms. Returns 0 on a libpng error.
int readHeader(png_structp png, png_infop info, PngSource* src, png_uint_32 maxSide,
               PngHeader* h) {
    if (setjmp(png_jmpbuf(png))) return 0;
    png_set_read_fn(png, src, pngOnRead);
    png_set_user_limits(png, maxSide, maxSide);
    png_set_chunk_malloc_max(png, 8u << 20);
    png_read_info(png, info);
    const int colourType = png_get_color_type(png, info);
    h->wasColour = (colourType & PNG_COLOR_MASK_COLOR) != 0;
    h->hadAlpha = (colourType & PNG_COLOR_MASK_ALPHA) != 0 ||
                  png_get_valid(png, info, PNG_INFO_tRNS) != 0;
    png_set_expand(png); // palette -> RGB, grey < 8 bits -> 8 bits, tRNS -> alpha
    png_set_strip_alpha(png);
    if (png_get_bit_depth(png, info) == 16) png_set_swap(png); // to little-endian
    png_set_interlace_handling(png);
    png_read_update_info(png, info);
    h->width = png_get_image_width(png, info);
    h->height = png_get_image_height(png, info);
    h->bitDepth = png_get_bit_depth(png, info);
    h->colourType = png_get_color_type(png, info);
    h->channels = png_get_channels(png, info);
    h->rowBytes = png_get_rowbytes(png, info);
    return 1;
}

/// Decodes every row into the caller's buffers. Returns 0 on a libpng error.
int readRows(png_structp png, png_bytepp rows) {
    if (setjmp(png_jmpbuf(png))) return 0;
    png_read_image(png, rows);
    return 1;
}

/// Owns the libpng read structures (destroyed outside any setjmp frame).
class PngReadHandle {
public:
    explicit PngReadHandle(PngSource* src) {
        m_png = png_create_read_struct(PNG_LIBPNG_VER_STRING, src, pngOnError, pngOnWarning);
        if (m_png) m_info = png_create_info_struct(m_png);
    }
    ~PngReadHandle() {
        if (m_png) png_destroy_read_struct(&m_png, m_info ? &m_info : nullptr, nullptr);
    }
    PngReadHandle(const PngReadHandle&) = delete;
    PngReadHandle& operator=(const PngReadHandle&) = delete;
    png_structp png() const { return m_png; }
    png_infop info() const { return m_info; }

private:
    png_structp m_png = nullptr;
    png_infop m_info = nullptr;
};

} // namespace

RawImage readPng(const std::string& name, Bytes bytes, const LoadOptions& options) {
    if (bytes.size() < 8 || png_sig_cmp(bytes.data(), 0, 8) != 0)
        fail(name, "not a PNG file (bad signature)");
    PngSource src{bytes.data(), bytes.size(), 0, {}};
    PngReadHandle handle(&src);
    if (!handle.png() || !handle.info()) throw std::bad_alloc();

    const png_uint_32 maxSide = png_uint_32(std::min<std::int64_t>(options.maxPixels, 0x7fffffff));
    PngHeader h{};
    if (!readHeader(handle.png(), handle.info(), &src, maxSide, &h))
        fail(name, std::string("PNG cannot be read: ") + src.error);

    RawImage raw;
    raw.format = "PNG";
    const Shape shape = checkedShape(name, h.height, h.width, options.maxPixels);
    const std::size_t bytesPerSample = h.bitDepth == 16 ? 2 : 1;
    if (h.rowBytes != std::size_t(h.width) * std::size_t(h.channels) * bytesPerSample ||
        (h.channels != 1 && h.channels != 3))
        fail(name, "PNG has an unexpected pixel layout after decoding");
    // zlib expands at most about 1032:1; refuse claims the file cannot hold.
    const std::uint64_t rawBytes = std::uint64_t(h.rowBytes) * h.height;
    if (rawBytes > std::uint64_t(bytes.size()) * 1100 + (1u << 20))
        fail(name, "PNG claims a " + shape.toString() + " image but the file holds only " +
                       byteCount(bytes.size()));

    std::vector<unsigned char> pixels(rawBytes);
    std::vector<png_bytep> rows(h.height);
    for (png_uint_32 y = 0; y < h.height; ++y) rows[y] = pixels.data() + std::size_t(y) * h.rowBytes;
    if (!readRows(handle.png(), rows.data()))
        fail(name, std::string("PNG cannot be decoded: ") + src.error);

    const ElementType type = bytesPerSample == 2 ? ElementType::UInt16 : ElementType::UInt8;
    raw.dtype = elementName(type);
    raw.integerMax = integerMax(type);
    raw.shape = shape;
    raw.values.resize(shape.size());
    if (h.channels == 1) {
        decodeRun(pixels.data(), shape.size(), type, false, raw.values.data());
    } else {
        for (std::size_t i = 0; i < shape.size(); ++i)
            raw.values[i] = 0.2126f * decodeElement(pixels.data(), 3 * i, type, false) +
                            0.7152f * decodeElement(pixels.data(), 3 * i + 1, type, false) +
                            0.0722f * decodeElement(pixels.data(), 3 * i + 2, type, false);
    }
    if (h.wasColour)
        raw.notices.push_back("colour PNG converted to luminance (0.2126 R + 0.7152 G + 0.0722 B)");
    if (h.hadAlpha) raw.notices.push_back("PNG transparency (alpha) was ignored");
    return raw;
}

} // namespace pf::io::detail
