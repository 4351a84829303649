// Decoding stored elements (any endianness) to float. Private to core/src/io.
#pragma once

#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>

namespace pf::io::detail {

/// The element types the readers understand.
enum class ElementType { Bool, Int8, UInt8, Int16, UInt16, Int32, UInt32, Int64, UInt64,
                         Float16, Float32, Float64 };

std::size_t elementSize(ElementType t);
/// numpy spelling: "int16", "float32", "bool", ...
std::string elementName(ElementType t);
bool isInteger(ElementType t);
/// Largest value of an integer type (1 for bool); 0 for floats.
double integerMax(ElementType t);

/// Reverses the bytes of an unsigned integer (std::byteswap is C++23).
inline std::uint16_t swapBytes(std::uint16_t v) { return __builtin_bswap16(v); }
inline std::uint32_t swapBytes(std::uint32_t v) { return __builtin_bswap32(v); }
inline std::uint64_t swapBytes(std::uint64_t v) { return __builtin_bswap64(v); }

/// IEEE half to float.
float halfToFloat(std::uint16_t h);

/// Decodes element i (0-based) of a packed array. `swap`: stored in the other
/// byte order than this machine's.
inline float decodeElement(const unsigned char* base, std::size_t i, ElementType t, bool swap) {
    auto load = [&]<class U>(U) {
        U u;
        std::memcpy(&u, base + i * sizeof(U), sizeof(U));
        if (swap) u = swapBytes(u);
        return u;
    };
    switch (t) {
    case ElementType::Bool: return base[i] ? 1.0f : 0.0f;
    case ElementType::Int8: return float(std::int8_t(base[i]));
    case ElementType::UInt8: return float(base[i]);
    case ElementType::Int16: return float(std::int16_t(load(std::uint16_t{})));
    case ElementType::UInt16: return float(load(std::uint16_t{}));
    case ElementType::Int32: return float(std::int32_t(load(std::uint32_t{})));
    case ElementType::UInt32: return float(load(std::uint32_t{}));
    case ElementType::Int64: return float(std::int64_t(load(std::uint64_t{})));
    case ElementType::UInt64: return float(load(std::uint64_t{}));
    case ElementType::Float16: return halfToFloat(load(std::uint16_t{}));
    case ElementType::Float32: return std::bit_cast<float>(load(std::uint32_t{}));
    case ElementType::Float64: return float(std::bit_cast<double>(load(std::uint64_t{})));
    }
    return 0.0f;
}

/// Decodes n consecutive elements into out (fast paths for native types).
void decodeRun(const unsigned char* src, std::size_t n, ElementType t, bool swap, float* out);

} // namespace pf::io::detail
