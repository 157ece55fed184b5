#pragma once
// Errors carry enough context for a user to act on: which file or setting, what was found,
// what was expected. `main` turns them into a message and an exit code; nothing else does.

#include <stdexcept>
#include <string>
#include <utility>

namespace savant {

// A problem with the input or the environment discovered while running: exit code 1.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A problem with how the program was called (a flag's value, a combination): exit code 2.
class UsageError : public Error {
 public:
  using Error::Error;
};

// A setting with a bad value. The library names the setting by its field in the configuration
// ("learning_rate"), never by a command-line flag: each front end (the command line, the
// Python module) catches it and says the setting its own way (--lr, learning_rate=).
// what() is "<setting> <value>: <problem>", the library's own wording.
class InvalidSetting : public UsageError {
 public:
  InvalidSetting(std::string setting, std::string value, std::string problem)
      : UsageError(setting + " " + value + ": " + problem),
        setting_(std::move(setting)),
        value_(std::move(value)),
        problem_(std::move(problem)) {}
  const std::string& setting() const { return setting_; }
  const std::string& value() const { return value_; }
  const std::string& problem() const { return problem_; }

 private:
  std::string setting_, value_, problem_;
};

}  // namespace savant
