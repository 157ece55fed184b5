// A library message that names a command-line flag: check-messages must refuse it. The flag
// in this comment (--lr) and the one in the character literal below are not messages.
#include <stdexcept>

void diverged(char c) {
  if (c == '-') throw std::runtime_error("training diverged: lower --lr");
}
