#include "elements.h"

namespace pf::io::detail {

std::size_t elementSize(ElementType t) {
    switch (t) {
    case ElementType::Bool:
    case ElementType::Int8:
    case ElementType::UInt8: return 1;
    case ElementType::Int16:
    case ElementType::UInt16:
    case ElementType::Float16: return 2;
    case ElementType::Int32:
    case ElementType::UInt32:
    case ElementType::Float32: return 4;
    case ElementType::Int64:
    case ElementType::UInt64:
    case ElementType::Float64: return 8;
    }
    return 1;
}

std::string elementName(ElementType t) {
    switch (t) {
    case ElementType::Bool: return "bool";
    case ElementType::Int8: return "int8";
    case ElementType::UInt8: return "uint8";
    case ElementType::Int16: return "int16";
    case ElementType::UInt16: return "uint16";
    case ElementType::Int32: return "int32";
    case ElementType::UInt32: return "uint32";
    case ElementType::Int64: return "int64";
    case ElementType::UInt64: return "uint64";
    case ElementType::Float16: return "float16";
    case ElementType::Float32: return "float32";
    case ElementType::Float64: return "float64";
    }
    return "?";
}

bool isInteger(ElementType t) {
    return t != ElementType::Float16 && t != ElementType::Float32 && t != ElementType::Float64;
}

double integerMax(ElementType t) {
    switch (t) {
    case ElementType::Bool: return 1.0;
    case ElementType::Int8: return 127.0;
    case ElementType::UInt8: return 255.0;
    case ElementType::Int16: return 32767.0;
    case ElementType::UInt16: return 65535.0;
    case ElementType::Int32: return 2147483647.0;
    case ElementType::UInt32: return 4294967295.0;
    case ElementType::Int64: return 9223372036854775807.0;
    case ElementType::UInt64: return 18446744073709551615.0;
    default: return 0.0;
    }
}

float halfToFloat(std::uint16_t h) {
    const int sign = (h >> 15) & 1;
    const int exponent = (h >> 10) & 0x1f;
    const int mantissa = h & 0x3ff;
    float v;
    if (exponent == 0)
        v = std::ldexp(float(mantissa), -24); // subnormal
    else if (exponent == 31)
        v = mantissa ? std::nanf("") : INFINITY;
    else
        v = std::ldexp(float(mantissa | 0x400), exponent - 25);
    return sign ? -v : v;
}

void decodeRun(const unsigned char* src, std::size_t n, ElementType t, bool swap, float* out) {
    if (t == ElementType::Float32 && !swap) {
        std::memcpy(out, src, n * sizeof(float));
        return;
    }
    if (t == ElementType::UInt16 && !swap) {
        for (std::size_t i = 0; i < n; ++i) {
            std::uint16_t u;
            std::memcpy(&u, src + 2 * i, 2);
            out[i] = float(u);
        }
        return;
    }
    for (std::size_t i = 0; i < n; ++i) out[i] = decodeElement(src, i, t, swap);
}

} // namespace pf::io::detail
