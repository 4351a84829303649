// SHA-256 through OpenSSL's EVP digest interface: records which input file a
// reconstruction came from. A digest is security-sensitive code; a library
// that is widely reviewed and kept up to date by the distribution replaces the
// project's own implementation (checked against Python's hashlib in tests).
#include "mapped_file.h"
#include "phaseforge/error.h"
#include "phaseforge/io/write.h"

#include <openssl/evp.h>

#include <memory>

namespace pf::io {

std::string sha256Hex(std::span<const unsigned char> bytes) {
    const std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    if (!ctx || EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) != 1 ||
        EVP_DigestUpdate(ctx.get(), bytes.data(), bytes.size()) != 1 ||
        EVP_DigestFinal_ex(ctx.get(), digest, &length) != 1 || length != 32)
        throw Error("SHA-256: OpenSSL's digest failed");
    static const char hexDigits[] = "0123456789abcdef";
    std::string out;
    out.reserve(2 * length);
    for (unsigned int i = 0; i < length; ++i) {
        out.push_back(hexDigits[digest[i] >> 4]);
        out.push_back(hexDigits[digest[i] & 0xf]);
    }
    return out;
}

std::string sha256File(const std::string& path) {
    detail::MappedFile file(path);
    return sha256Hex(file.bytes());
}

} // namespace pf::io
