#pragma once
// Errors carry enough context for a user to act on: which file or setting, what was found,
// what was expected, and a kind. The library throws them; each front end turns the kind into
// its own terms: `main` into a message and an exit code, the Python module into an exception
// class (savant.Error's subclasses). Nothing else catches them to rephrase them.

#include <stdexcept>
#include <string>
#include <utility>

namespace savant {

// What went wrong, as a front end needs to tell it apart.
enum class ErrorKind {
  kInvalidSetting,  // a setting's value is out of its type or range (InvalidSetting)
  kUsage,           // how a command or function was called: a combination, a missing input
  kInput,           // a file, directory or array whose content savant cannot use (InputError)
  kDidNotLearn,     // training that diverged: a loss or weights no longer finite (TrainingError)
  kSystem,          // the operating system refused: open, read, write, rename, lock, space
  kResource,        // over a limit savant sets, or out of memory (ResourceError)
};

// The base of every error savant throws. A plain Error is of kind kInput: what the library
// found in what it was given is not what it can use.
class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message, ErrorKind kind = ErrorKind::kInput)
      : std::runtime_error(message), kind_(kind) {}
  ErrorKind kind() const { return kind_; }

 private:
  ErrorKind kind_;
};

// A problem with how the program or function was called (a combination, a missing argument):
// exit code 2 at the command line, ValueError in Python.
class UsageError : public Error {
 public:
  explicit UsageError(const std::string& message, ErrorKind kind = ErrorKind::kUsage)
      : Error(message, kind) {}
};

// A setting with a bad value. The library names the setting by its field in the configuration
// ("train_limit"), never by a command-line flag: each front end (the command line, the
// Python module) catches it and says the setting its own way (--learning-rate,
// learning_rate=). what() is "<setting> <value>: <problem>", the library's own wording.
class InvalidSetting : public UsageError {
 public:
  InvalidSetting(std::string setting, std::string value, std::string problem)
      : UsageError(setting + " " + value + ": " + problem, ErrorKind::kInvalidSetting),
        setting_(std::move(setting)),
        value_(std::move(value)),
        problem_(std::move(problem)) {}
  const std::string& setting() const { return setting_; }
  const std::string& value() const { return value_; }
  const std::string& problem() const { return problem_; }

 private:
  std::string setting_, value_, problem_;
};

// Content savant cannot use: a malformed file, an array of the wrong shape, data that does not
// match a model. Spelled out for readability where a throw site wants to say so; a plain Error
// is the same kind.
class InputError : public Error {
 public:
  explicit InputError(const std::string& message) : Error(message, ErrorKind::kInput) {}
};

// Training that stopped being finite (a learning rate far too large, say): the model learned
// nothing usable. `setting` names the setting to change (the learning rate's), empty when none:
// the message says it in words, each front end adds its own spelling (a flag, a keyword).
class TrainingError : public Error {
 public:
  explicit TrainingError(const std::string& message, std::string setting = {})
      : Error(message, ErrorKind::kDidNotLearn), setting_(std::move(setting)) {}
  const std::string& setting() const { return setting_; }

 private:
  std::string setting_;
};

// The operating system refused (errno `code`, 0 when unknown) on `path` (empty when none).
class SystemError : public Error {
 public:
  SystemError(const std::string& message, int code, std::string path = {})
      : Error(message, ErrorKind::kSystem), code_(code), path_(std::move(path)) {}
  int code() const { return code_; }
  const std::string& path() const { return path_; }

 private:
  int code_;
  std::string path_;
};

// Over a limit savant sets (image size, file size, job count, nesting) or out of memory.
class ResourceError : public Error {
 public:
  explicit ResourceError(const std::string& message) : Error(message, ErrorKind::kResource) {}
};

}  // namespace savant
