#include "tiff_support.h"

#include "phaseforge/log.h"

#include <cstdarg>
#include <cstdio>
#include <mutex>
#include <new>

namespace pf::io::detail {
namespace {

std::string format(const char* module, const char* fmt, va_list ap) {
    char buf[512];
    std::vsnprintf(buf, sizeof buf, fmt, ap);
    std::string text = buf;
    if (module && *module) text = std::string(module) + ": " + text;
    return text;
}

int onError(TIFF*, void* user, const char* module, const char* fmt, va_list ap) {
    auto* m = static_cast<TiffMessages*>(user);
    const std::string text = format(module, fmt, ap);
    if (m->firstError.empty()) m->firstError = text;
    pf::log(LogLevel::Debug, m->name + ": libtiff: " + text);
    return 1; // handled: do not reach the global (stderr) handler
}

int onWarning(TIFF*, void* user, const char* module, const char* fmt, va_list ap) {
    auto* m = static_cast<TiffMessages*>(user);
    pf::log(LogLevel::Info, m->name + ": libtiff warning: " + format(module, fmt, ap));
    return 1;
}

// Messages libtiff raises without a handle (through the process-wide
// handlers) go to the log sink as well.
void onGlobalError(const char* module, const char* fmt, va_list ap) {
    pf::log(LogLevel::Debug, "libtiff: " + format(module, fmt, ap));
}
void onGlobalWarning(const char* module, const char* fmt, va_list ap) {
    pf::log(LogLevel::Debug, "libtiff warning: " + format(module, fmt, ap));
}

} // namespace

TiffOptionsHandle makeTiffOptions(TiffMessages& messages, tmsize_t maxAlloc) {
    static std::once_flag once;
    std::call_once(once, [] {
        TIFFSetErrorHandler(onGlobalError);
        TIFFSetWarningHandler(onGlobalWarning);
    });
    TiffOptionsHandle options(TIFFOpenOptionsAlloc());
    if (!options) throw std::bad_alloc();
    TIFFOpenOptionsSetErrorHandlerExtR(options.get(), onError, &messages);
    TIFFOpenOptionsSetWarningHandlerExtR(options.get(), onWarning, &messages);
    if (maxAlloc > 0) TIFFOpenOptionsSetMaxSingleMemAlloc(options.get(), maxAlloc);
    return options;
}

} // namespace pf::io::detail
