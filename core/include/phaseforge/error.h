// Errors thrown by PhaseForge. Inside the libraries every failure is an
// exception carrying context; front ends turn it into one line for the user.
#pragma once

#include <stdexcept>
#include <string>

namespace pf {

/// Base of every PhaseForge exception. what() is one line, fit for a user.
class Error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// A caller passed something invalid: a NaN magnitude, a β out of range, a
/// mask of the wrong shape, a malformed schedule.
class InvalidArgument : public Error {
public:
    using Error::Error;
};

/// A file could not be read or written. what() starts with the file's name.
class FileError : public Error {
public:
    FileError(const std::string& path, const std::string& problem)
        : Error(path + ": " + problem), m_path(path) {}
    const std::string& path() const { return m_path; }

private:
    std::string m_path;
};

/// A device or backend failure (cuFFT, CUDA, FFTW planning, out of memory).
class EngineError : public Error {
public:
    using Error::Error;
};

} // namespace pf
