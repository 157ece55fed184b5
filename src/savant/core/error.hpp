#pragma once
// Errors carry enough context for a user to act on: which file or flag, what was found,
// what was expected. `main` turns them into a message and an exit code; nothing else does.

#include <stdexcept>
#include <string>

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

}  // namespace savant
