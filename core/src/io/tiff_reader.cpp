// TIFF through libtiff: 8/16/32/64-bit integers (signed and unsigned),
// float16/32/64, stripped or tiled, one page of a multi-page stack. The file
// is read from memory through client procs so that every size is checked
// against the real byte count first.
#include "elements.h"
#include "raw_image.h"
#include "tiff_support.h"

#include <algorithm>
#include <cstring>
#include <vector>

namespace pf::io::detail {
namespace {

struct MemoryStream {
    const unsigned char* data;
    toff_t size;
    toff_t pos;
};

tmsize_t memRead(thandle_t h, void* buf, tmsize_t n) {
    auto* s = static_cast<MemoryStream*>(h);
    if (n <= 0 || s->pos >= s->size) return 0;
    const toff_t count = std::min<toff_t>(toff_t(n), s->size - s->pos);
    std::memcpy(buf, s->data + s->pos, count);
    s->pos += count;
    return tmsize_t(count);
}
tmsize_t memWrite(thandle_t, void*, tmsize_t) { return -1; }
toff_t memSeek(thandle_t h, toff_t off, int whence) {
    auto* s = static_cast<MemoryStream*>(h);
    toff_t base = 0;
    if (whence == SEEK_CUR) base = s->pos;
    else if (whence == SEEK_END) base = s->size;
    s->pos = base + off;
    return s->pos;
}
int memClose(thandle_t) { return 0; }
toff_t memSize(thandle_t h) { return static_cast<MemoryStream*>(h)->size; }
int memMap(thandle_t h, void** base, toff_t* size) {
    auto* s = static_cast<MemoryStream*>(h);
    *base = const_cast<unsigned char*>(s->data);
    *size = s->size;
    return 1;
}
void memUnmap(thandle_t, void*, toff_t) {}

bool elementTypeOf(int sampleFormat, int bits, ElementType& t) {
    if (sampleFormat == SAMPLEFORMAT_UINT) {
        if (bits == 8) t = ElementType::UInt8;
        else if (bits == 16) t = ElementType::UInt16;
        else if (bits == 32) t = ElementType::UInt32;
        else if (bits == 64) t = ElementType::UInt64;
        else return false;
    } else if (sampleFormat == SAMPLEFORMAT_INT) {
        if (bits == 8) t = ElementType::Int8;
        else if (bits == 16) t = ElementType::Int16;
        else if (bits == 32) t = ElementType::Int32;
        else if (bits == 64) t = ElementType::Int64;
        else return false;
    } else if (sampleFormat == SAMPLEFORMAT_IEEEFP) {
        if (bits == 16) t = ElementType::Float16;
        else if (bits == 32) t = ElementType::Float32;
        else if (bits == 64) t = ElementType::Float64;
        else return false;
    } else {
        return false;
    }
    return true;
}

/// Converts `n` pixels of `spp` interleaved samples (native byte order) to
/// grey: the first sample, or Rec. 709 luminance for colour.
void toGrey(const unsigned char* src, std::size_t n, int spp, bool colour, ElementType t,
            float* out) {
    if (spp == 1) {
        decodeRun(src, n, t, false, out);
        return;
    }
    for (std::size_t i = 0; i < n; ++i) {
        const std::size_t k = i * std::size_t(spp);
        if (colour)
            out[i] = 0.2126f * decodeElement(src, k, t, false) +
                     0.7152f * decodeElement(src, k + 1, t, false) +
                     0.0722f * decodeElement(src, k + 2, t, false);
        else
            out[i] = decodeElement(src, k, t, false);
    }
}

std::string libtiffProblem(const TiffMessages& m, const char* fallback) {
    std::string text = "TIFF " + std::string(fallback);
    return m.firstError.empty() ? text : text + " (" + m.firstError + ")";
}

} // namespace

RawImage readTiff(const std::string& name, Bytes bytes, const LoadOptions& options) {
    if (bytes.size() < 8) fail(name, "not a TIFF file (only " + byteCount(bytes.size()) + ")");
    TiffMessages messages{name, {}};
    // libtiff's own allocations stay below what a legitimate file of this size needs.
    const tmsize_t maxAlloc = tmsize_t(std::min<std::uint64_t>(
        std::uint64_t(options.maxPixels) * 8 + (64u << 20), std::uint64_t(1) << 40));
    TiffOptionsHandle tiffOptions = makeTiffOptions(messages, maxAlloc);
    MemoryStream stream{bytes.data(), toff_t(bytes.size()), 0};
    TiffHandle tif(TIFFClientOpenExt(name.c_str(), "r", &stream, memRead, memWrite, memSeek,
                                     memClose, memSize, memMap, memUnmap, tiffOptions.get()));
    if (!tif) fail(name, libtiffProblem(messages, "cannot be opened"));

    RawImage raw;
    raw.format = "TIFF";
    // Count pages (libtiff guards against IFD loops); stop at a sane bound.
    const tdir_t pages = TIFFNumberOfDirectories(tif.get());
    if (pages == 0) fail(name, "TIFF holds no image directory");
    raw.frames = int(pages);
    raw.frame = pickFrame(name, pages, options.frame, raw.notices, "page");
    if (!TIFFSetDirectory(tif.get(), tdir_t(raw.frame)))
        fail(name, libtiffProblem(messages, "page cannot be read"));

    uint32_t width = 0, height = 0;
    uint16_t bits = 1, spp = 1, sampleFormat = SAMPLEFORMAT_UINT, planar = PLANARCONFIG_CONTIG;
    uint16_t compression = COMPRESSION_NONE, photometric = PHOTOMETRIC_MINISBLACK;
    if (!TIFFGetField(tif.get(), TIFFTAG_IMAGEWIDTH, &width) ||
        !TIFFGetField(tif.get(), TIFFTAG_IMAGELENGTH, &height))
        fail(name, "TIFF page lacks its width or height");
    TIFFGetFieldDefaulted(tif.get(), TIFFTAG_BITSPERSAMPLE, &bits);
    TIFFGetFieldDefaulted(tif.get(), TIFFTAG_SAMPLESPERPIXEL, &spp);
    TIFFGetFieldDefaulted(tif.get(), TIFFTAG_SAMPLEFORMAT, &sampleFormat);
    TIFFGetFieldDefaulted(tif.get(), TIFFTAG_PLANARCONFIG, &planar);
    TIFFGetFieldDefaulted(tif.get(), TIFFTAG_COMPRESSION, &compression);
    if (!TIFFGetField(tif.get(), TIFFTAG_PHOTOMETRIC, &photometric))
        photometric = PHOTOMETRIC_MINISBLACK;

    ElementType type{};
    if (!elementTypeOf(sampleFormat, bits, type))
        fail(name, "TIFF samples of " + std::to_string(bits) + " bits (format " +
                       std::to_string(sampleFormat) +
                       ") are not supported (8/16/32/64-bit integers, 16/32/64-bit floats are)");
    if (photometric == PHOTOMETRIC_PALETTE)
        fail(name, "palette (indexed colour) TIFF is not supported; save it as greyscale");
    if (photometric == PHOTOMETRIC_YCBCR || photometric == PHOTOMETRIC_SEPARATED ||
        photometric == PHOTOMETRIC_CIELAB)
        fail(name, "TIFF colour space " + std::to_string(photometric) + " is not supported");
    if (spp < 1 || spp > 8) fail(name, "TIFF has " + std::to_string(spp) + " samples per pixel");
    if (spp > 1 && planar != PLANARCONFIG_CONTIG)
        fail(name, "TIFF with separate colour planes is not supported");
    const bool colour = photometric == PHOTOMETRIC_RGB && spp >= 3;
    if (colour)
        raw.notices.push_back("colour TIFF converted to luminance (0.2126 R + 0.7152 G + 0.0722 B)");
    else if (spp > 1)
        raw.notices.push_back("TIFF has " + std::to_string(spp) +
                              " samples per pixel; the first one was used");

    const Shape shape = checkedShape(name, height, width, options.maxPixels);
    // Validate the claimed size against the bytes in the file before allocating.
    const std::uint64_t rawBytes = std::uint64_t(shape.size()) * spp * elementSize(type);
    const std::uint64_t maxRatio = compression == COMPRESSION_NONE ? 1 : 4096;
    if (rawBytes > std::uint64_t(bytes.size()) * maxRatio)
        fail(name, "TIFF claims a " + shape.toString() + " image (" + byteCount(rawBytes) +
                       ") but the file holds only " + byteCount(bytes.size()));

    raw.dtype = elementName(type);
    raw.integerMax = integerMax(type);
    raw.shape = shape;
    const std::size_t pixelBytes = std::size_t(spp) * elementSize(type);
    const std::size_t W = std::size_t(width);

    if (TIFFIsTiled(tif.get())) {
        uint32_t tileW = 0, tileH = 0;
        TIFFGetField(tif.get(), TIFFTAG_TILEWIDTH, &tileW);
        TIFFGetField(tif.get(), TIFFTAG_TILELENGTH, &tileH);
        const tmsize_t tileBytes = TIFFTileSize(tif.get());
        if (tileW == 0 || tileH == 0 || tileBytes <= 0 ||
            std::uint64_t(tileBytes) != std::uint64_t(tileW) * tileH * pixelBytes ||
            std::uint64_t(tileBytes) > rawBytes * 4 + (16u << 20))
            fail(name, libtiffProblem(messages, "has an invalid tile size"));
        std::vector<unsigned char> tile(static_cast<std::size_t>(tileBytes));
        raw.values.resize(shape.size());
        for (uint32_t y0 = 0; y0 < height; y0 += tileH)
            for (uint32_t x0 = 0; x0 < width; x0 += tileW) {
                const ttile_t index = TIFFComputeTile(tif.get(), x0, y0, 0, 0);
                if (TIFFReadEncodedTile(tif.get(), index, tile.data(), tileBytes) < 0)
                    fail(name, libtiffProblem(messages, "tile cannot be decoded"));
                const uint32_t h = std::min(tileH, height - y0);
                const uint32_t w = std::min(tileW, width - x0);
                for (uint32_t y = 0; y < h; ++y)
                    toGrey(tile.data() + std::size_t(y) * tileW * pixelBytes, w, spp, colour, type,
                           raw.values.data() + (std::size_t(y0) + y) * W + x0);
            }
    } else {
        uint32_t rowsPerStrip = height;
        TIFFGetFieldDefaulted(tif.get(), TIFFTAG_ROWSPERSTRIP, &rowsPerStrip);
        rowsPerStrip = std::clamp<uint32_t>(rowsPerStrip, 1, height);
        const tmsize_t stripBytes = TIFFStripSize(tif.get());
        if (stripBytes <= 0 ||
            std::uint64_t(stripBytes) < std::uint64_t(rowsPerStrip) * W * pixelBytes)
            fail(name, libtiffProblem(messages, "has an invalid strip size"));
        std::vector<unsigned char> strip(static_cast<std::size_t>(stripBytes));
        raw.values.resize(shape.size());
        const tstrip_t strips = TIFFNumberOfStrips(tif.get());
        for (uint32_t y0 = 0; y0 < height; y0 += rowsPerStrip) {
            const tstrip_t index = TIFFComputeStrip(tif.get(), y0, 0);
            if (index >= strips) fail(name, "TIFF has fewer strips than its height needs");
            const uint32_t h = std::min(rowsPerStrip, height - y0);
            const tmsize_t want = tmsize_t(std::size_t(h) * W * pixelBytes);
            const tmsize_t got = TIFFReadEncodedStrip(tif.get(), index, strip.data(), want);
            if (got < want) fail(name, libtiffProblem(messages, "strip cannot be decoded (truncated?)"));
            toGrey(strip.data(), std::size_t(h) * W, spp, colour, type,
                   raw.values.data() + std::size_t(y0) * W);
        }
    }
    if (photometric == PHOTOMETRIC_MINISWHITE) {
        raw.notices.push_back("TIFF stores white as zero (MinIsWhite); values were inverted");
        const float top = isInteger(type) ? float(integerMax(type)) : 1.0f;
        for (float& v : raw.values) v = top - v;
    }
    return raw;
}

} // namespace pf::io::detail
