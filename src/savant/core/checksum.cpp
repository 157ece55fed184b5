#include "savant/core/checksum.hpp"

#include <openssl/evp.h>

#include <array>
#include <memory>
#include <vector>

#include <fmt/format.h>

#include "savant/core/error.hpp"
#include "savant/core/input_file.hpp"

namespace savant {
namespace {

class Sha256 {
 public:
  Sha256() : context_(EVP_MD_CTX_new(), &EVP_MD_CTX_free) {
    if (!context_ || EVP_DigestInit_ex(context_.get(), EVP_sha256(), nullptr) != 1) {
      throw Error("SHA-256: OpenSSL could not start a digest");
    }
  }
  void update(const void* data, std::size_t size) {
    if (EVP_DigestUpdate(context_.get(), data, size) != 1) throw Error("SHA-256: update failed");
  }
  std::string hex() {
    std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
    unsigned int size = 0;
    if (EVP_DigestFinal_ex(context_.get(), digest.data(), &size) != 1) {
      throw Error("SHA-256: final failed");
    }
    std::string text;
    for (unsigned int i = 0; i < size; ++i) text += fmt::format("{:02x}", digest[i]);
    return text;
  }

 private:
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> context_;
};

}  // namespace

std::string sha256_hex(std::string_view bytes) {
  Sha256 sha;
  sha.update(bytes.data(), bytes.size());
  return sha.hex();
}

std::string file_sha256(const std::filesystem::path& path) {
  InputFile in(path, "a file of a run's manifest");
  Sha256 sha;
  std::vector<char> buffer(1 << 16);
  while (const std::size_t n = in.read(buffer.data(), buffer.size())) sha.update(buffer.data(), n);
  return sha.hex();
}

}  // namespace savant
