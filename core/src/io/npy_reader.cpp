// NumPy .npy files, header versions 1, 2 and 3 (the format is documented in
// numpy/lib/format.py). A small parser of our own: there is no well-kept C++
// library for it, and the header is a Python dict literal with three keys.
#include "elements.h"
#include "raw_image.h"

#include <algorithm>

#include <cstring>
#include <string_view>
#include <vector>

namespace pf::io::detail {
namespace {

struct NpyHeader {
    std::string descr;
    bool fortranOrder = false;
    bool haveFortran = false;
    std::vector<std::uint64_t> shape;
    bool haveShape = false;
};

/// A strict tokenizer for the header dict: {'descr': '<f4', 'fortran_order':
/// False, 'shape': (3, 4), }. Anything else is an error naming what was found.
class HeaderParser {
public:
    HeaderParser(const std::string& name, std::string_view text) : m_name(name), m_text(text) {}

    NpyHeader parse() {
        NpyHeader h;
        expect('{');
        for (;;) {
            skipSpace();
            if (peek() == '}') break;
            const std::string key = parseString();
            expect(':');
            skipSpace();
            if (key == "descr") {
                if (peek() != '\'' && peek() != '"')
                    fail(m_name, "NPY dtype is structured or not a string; only plain numeric arrays are supported");
                h.descr = parseString();
            } else if (key == "fortran_order") {
                h.fortranOrder = parseBool();
                h.haveFortran = true;
            } else if (key == "shape") {
                h.shape = parseTuple();
                h.haveShape = true;
            } else {
                fail(m_name, "NPY header has an unknown key '" + key + "'");
            }
            skipSpace();
            if (peek() == ',') {
                ++m_pos;
                continue;
            }
            skipSpace();
            if (peek() != '}') fail(m_name, "NPY header is malformed near column " + std::to_string(m_pos));
        }
        if (h.descr.empty() || !h.haveFortran || !h.haveShape)
            fail(m_name, "NPY header lacks 'descr', 'fortran_order' or 'shape'");
        return h;
    }

private:
    char peek() const { return m_pos < m_text.size() ? m_text[m_pos] : '\0'; }
    void skipSpace() {
        while (m_pos < m_text.size() && (m_text[m_pos] == ' ' || m_text[m_pos] == '\n' ||
                                         m_text[m_pos] == '\t' || m_text[m_pos] == '\r'))
            ++m_pos;
    }
    void expect(char c) {
        skipSpace();
        if (peek() != c)
            fail(m_name, std::string("NPY header is malformed: expected '") + c + "' at column " +
                             std::to_string(m_pos));
        ++m_pos;
    }
    std::string parseString() {
        skipSpace();
        const char quote = peek();
        if (quote != '\'' && quote != '"')
            fail(m_name, "NPY header is malformed: expected a quoted key at column " + std::to_string(m_pos));
        ++m_pos;
        const std::size_t end = m_text.find(quote, m_pos);
        if (end == std::string_view::npos || end - m_pos > 64)
            fail(m_name, "NPY header has an unterminated or overlong string");
        std::string s(m_text.substr(m_pos, end - m_pos));
        m_pos = end + 1;
        return s;
    }
    bool parseBool() {
        if (m_text.substr(m_pos, 4) == "True") {
            m_pos += 4;
            return true;
        }
        if (m_text.substr(m_pos, 5) == "False") {
            m_pos += 5;
            return false;
        }
        fail(m_name, "NPY header: fortran_order is neither True nor False");
    }
    std::vector<std::uint64_t> parseTuple() {
        expect('(');
        std::vector<std::uint64_t> dims;
        for (;;) {
            skipSpace();
            if (peek() == ')') {
                ++m_pos;
                return dims;
            }
            if (peek() < '0' || peek() > '9') fail(m_name, "NPY header: shape holds a non-integer");
            std::uint64_t v = 0;
            while (peek() >= '0' && peek() <= '9') {
                if (v > (std::uint64_t(1) << 58)) fail(m_name, "NPY header: a dimension is absurdly large");
                v = v * 10 + std::uint64_t(peek() - '0');
                ++m_pos;
            }
            if (peek() == 'L') ++m_pos; // Python 2 long suffix
            dims.push_back(v);
            if (dims.size() > 32) fail(m_name, "NPY header: shape has too many dimensions");
            skipSpace();
            if (peek() == ',') ++m_pos;
            else if (peek() != ')') fail(m_name, "NPY header: malformed shape tuple");
        }
    }

    const std::string& m_name;
    std::string_view m_text;
    std::size_t m_pos = 0;
};

/// Parses "<f4", ">i2", "|u1", "<f8", "|b1", "<f2"; returns false when the
/// dtype is not a plain real number.
bool parseDescr(const std::string& d, ElementType& type, bool& swap) {
    if (d.size() < 3) return false;
    const char order = d[0];
    const char kind = d[1];
    const std::string size = d.substr(2);
    if (order != '<' && order != '>' && order != '|' && order != '=') return false;
    const bool littleMachine = std::endian::native == std::endian::little;
    swap = (order == '<' && !littleMachine) || (order == '>' && littleMachine);
    struct Entry { char kind; const char* size; ElementType type; };
    static const Entry table[] = {
        {'b', "1", ElementType::Bool},    {'i', "1", ElementType::Int8},
        {'u', "1", ElementType::UInt8},   {'i', "2", ElementType::Int16},
        {'u', "2", ElementType::UInt16},  {'i', "4", ElementType::Int32},
        {'u', "4", ElementType::UInt32},  {'i', "8", ElementType::Int64},
        {'u', "8", ElementType::UInt64},  {'f', "2", ElementType::Float16},
        {'f', "4", ElementType::Float32}, {'f', "8", ElementType::Float64},
    };
    for (const Entry& e : table)
        if (e.kind == kind && size == e.size) {
            type = e.type;
            return true;
        }
    return false;
}

} // namespace

RawImage readNpy(const std::string& name, Bytes bytes, const LoadOptions& options) {
    static const unsigned char magic[6] = {0x93, 'N', 'U', 'M', 'P', 'Y'};
    if (bytes.size() < 10 || std::memcmp(bytes.data(), magic, 6) != 0)
        fail(name, "not an NPY file (bad magic)");
    const int major = bytes[6];
    std::size_t headerLength = 0;
    std::size_t headerStart = 0;
    if (major == 1) {
        headerLength = std::size_t(bytes[8]) | std::size_t(bytes[9]) << 8;
        headerStart = 10;
    } else if (major == 2 || major == 3) {
        if (bytes.size() < 12) fail(name, "NPY file is truncated in its header");
        headerLength = std::size_t(bytes[8]) | std::size_t(bytes[9]) << 8 |
                       std::size_t(bytes[10]) << 16 | std::size_t(bytes[11]) << 24;
        headerStart = 12;
    } else {
        fail(name, "NPY format version " + std::to_string(major) + " is not supported (1, 2, 3 are)");
    }
    if (headerLength > bytes.size() - headerStart)
        fail(name, "NPY file is truncated: the header claims " + byteCount(headerLength) +
                       " but the file holds " + byteCount(bytes.size()));
    const std::string_view headerText(reinterpret_cast<const char*>(bytes.data() + headerStart),
                                      headerLength);
    const NpyHeader header = HeaderParser(name, headerText).parse();

    ElementType type{};
    bool swap = false;
    if (!parseDescr(header.descr, type, swap))
        fail(name, "NPY dtype '" + header.descr +
                       "' is not supported (bool, integers and float16/32/64 are)");

    RawImage raw;
    raw.format = "NPY";
    raw.dtype = elementName(type);
    raw.integerMax = integerMax(type);
    const auto& dims = header.shape;
    std::uint64_t frames = 1, rows = 0, cols = 0;
    if (dims.size() == 2) {
        rows = dims[0];
        cols = dims[1];
    } else if (dims.size() == 3) {
        frames = dims[0];
        rows = dims[1];
        cols = dims[2];
    } else {
        fail(name, "NPY array is " + std::to_string(dims.size()) +
                       "-D; a 2-D image or a 3-D stack of images is needed");
    }
    if (frames == 0) fail(name, "NPY stack holds zero frames");
    const Shape shape = checkedShape(name, rows, cols, options.maxPixels);
    // The whole array must be in the file before any allocation.
    const std::uint64_t itemSize = elementSize(type);
    const std::uint64_t frameBytes = std::uint64_t(shape.size()) * itemSize;
    const std::uint64_t available = bytes.size() - headerStart - headerLength;
    if (frames > available / frameBytes || frames * frameBytes > available)
        fail(name, "NPY file is truncated: the header promises " +
                       std::to_string(frames) + " x " + shape.toString() + " " + raw.dtype +
                       " but only " + byteCount(available) + " of data follow");
    if (frames * frameBytes < available)
        raw.notices.push_back(byteCount(available - frames * frameBytes) +
                              " of trailing data after the array were ignored");
    raw.frames = int(frames);
    raw.frame = pickFrame(name, frames, options.frame, raw.notices, "frame");
    raw.shape = shape;
    raw.values.resize(shape.size());

    const unsigned char* data = bytes.data() + headerStart + headerLength;
    const std::size_t R = std::size_t(shape.rows), C = std::size_t(shape.cols);
    const std::size_t F = std::size_t(frames), f = std::size_t(raw.frame);
    if (!header.fortranOrder) {
        decodeRun(data + f * R * C * itemSize, R * C, type, swap, raw.values.data());
    } else {
        // Fortran order: element (f, r, c) lives at f + F·(r + R·c). The
        // transpose goes block by block so that both the column reads and the
        // row writes stay in cache (element by element over a whole 4096²
        // column, every write missed: 0.31 s for a 4096² float32 file).
        constexpr std::size_t kBlock = 64;
        std::vector<float> block(kBlock * kBlock); // block[(c - c0)·kBlock + (r - r0)]
        for (std::size_t c0 = 0; c0 < C; c0 += kBlock)
            for (std::size_t r0 = 0; r0 < R; r0 += kBlock) {
                const std::size_t c1 = std::min(C, c0 + kBlock), r1 = std::min(R, r0 + kBlock);
                for (std::size_t c = c0; c < c1; ++c) {
                    float* column = block.data() + (c - c0) * kBlock;
                    if (F == 1) // a 2-D array: the column segment is contiguous
                        decodeRun(data + (r0 + R * c) * itemSize, r1 - r0, type, swap, column);
                    else
                        for (std::size_t r = r0; r < r1; ++r)
                            column[r - r0] = decodeElement(data, f + F * (r + R * c), type, swap);
                }
                for (std::size_t r = r0; r < r1; ++r)
                    for (std::size_t c = c0; c < c1; ++c)
                        raw.values[r * C + c] = block[(c - c0) * kBlock + (r - r0)];
            }
    }
    return raw;
}

} // namespace pf::io::detail
