// The cache of big gzip IDX files' content (data/idx_cache.hpp): a second reading comes from it,
// and anything wrong with an entry or the cache directory falls back to inflating the file.

#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <iterator>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "savant/core/error.hpp"
#include "savant/data/idx.hpp"
#include "savant/data/idx_cache.hpp"
#include "support/test_support.hpp"

namespace savant {
namespace {

namespace fs = std::filesystem;

std::string read_bytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_bytes(const fs::path& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

// Sets SAVANT_CACHE for the test's life.
class CacheEnv {
 public:
  explicit CacheEnv(const std::string& value) {
    if (const char* old = std::getenv("SAVANT_CACHE")) old_ = old;
    ::setenv("SAVANT_CACHE", value.c_str(), 1);
  }
  ~CacheEnv() {
    if (old_) {
      ::setenv("SAVANT_CACHE", old_->c_str(), 1);
    } else {
      ::unsetenv("SAVANT_CACHE");
    }
  }

 private:
  std::optional<std::string> old_;
};

class IdxCache : public ::testing::Test {
 protected:
  void SetUp() override {
    // 2000 random 28 x 28 images: 1.5 MB that gzip cannot shrink, above kMinCachedGzip.
    images_ = testing::random_split(2000, 28, 28, 10, 7).images;
    gz_ = tmp_ / "images-idx3-ubyte.gz";
    write_idx_images(gz_, images_);
    ASSERT_GE(fs::file_size(gz_), kMinCachedGzip);
    cache_ = tmp_ / "cache";
  }

  // The entry the gzip file's content goes to.
  fs::path entry() const {
    const int fd = ::open(gz_.c_str(), O_RDONLY | O_CLOEXEC);
    const std::optional<GzipIdentity> id = gzip_identity(fd);
    ::close(fd);
    return id ? idx_cache_entry(cache_, *id) : fs::path();
  }

  // Damages one byte in the middle of the gzip file, keeping its size, trailer and modification
  // time: inflating it fails, so a reading that succeeds came from the cache.
  void damage_gzip_keeping_its_identity() const {
    struct stat st {};
    ASSERT_EQ(::stat(gz_.c_str(), &st), 0);
    std::string bytes = read_bytes(gz_);
    for (std::size_t i = bytes.size() / 2; i < bytes.size() / 2 + 64; ++i) bytes[i] ^= 0x5a;
    write_bytes(gz_, bytes);
    const timespec times[2] = {st.st_atim, st.st_mtim};
    ASSERT_EQ(::utimensat(AT_FDCWD, gz_.c_str(), times, 0), 0);
  }

  void expect_read_from_the_cache() const {
    damage_gzip_keeping_its_identity();
    EXPECT_EQ(read_idx_images(gz_).pixels, images_.pixels);
  }

  testing::TempDir tmp_;
  ImageSet images_;
  fs::path gz_, cache_;
};

TEST_F(IdxCache, SecondReadingComesFromTheCache) {
  CacheEnv env(cache_.string());
  EXPECT_EQ(read_idx_images(gz_).pixels, images_.pixels);
  ASSERT_TRUE(fs::is_regular_file(entry()));
  expect_read_from_the_cache();
}

TEST_F(IdxCache, WithoutACacheADamagedFileIsAnError) {
  // The check of the test above: the damage is seen when the file is inflated.
  CacheEnv env("off");
  EXPECT_EQ(read_idx_images(gz_).pixels, images_.pixels);
  EXPECT_FALSE(fs::exists(cache_));
  damage_gzip_keeping_its_identity();
  EXPECT_THROW(read_idx_images(gz_), InputError);
}

TEST_F(IdxCache, ADamagedEntryIsIgnoredAndWrittenAgain) {
  CacheEnv env(cache_.string());
  (void)read_idx_images(gz_);
  const std::string good = read_bytes(entry());
  std::string bad = good;
  bad[bad.size() / 2] ^= 1;  // in the content: its CRC-32 no longer matches the trailer's
  write_bytes(entry(), bad);
  EXPECT_EQ(read_idx_images(gz_).pixels, images_.pixels);
  EXPECT_EQ(read_bytes(entry()), good);
  expect_read_from_the_cache();
}

TEST_F(IdxCache, AnEntryWithAnotherHeaderOrLengthIsIgnored) {
  CacheEnv env(cache_.string());
  (void)read_idx_images(gz_);
  const std::string good = read_bytes(entry());
  std::string wrong_crc = good;
  wrong_crc[24 + 16] ^= 1;  // the trailer's CRC-32 as the entry records it
  for (const std::string& bad : {wrong_crc, good.substr(0, good.size() - 1), good.substr(0, 30),
                                 std::string(), good + "x"}) {
    write_bytes(entry(), bad);
    EXPECT_EQ(read_idx_images(gz_).pixels, images_.pixels);
    EXPECT_EQ(read_bytes(entry()), good);
  }
}

TEST_F(IdxCache, ALinkAtTheEntrysNameIsNeitherReadNorFollowed) {
  CacheEnv env(cache_.string());
  (void)read_idx_images(gz_);
  const std::string good = read_bytes(entry());
  // A copy of a good entry elsewhere, and a victim file: the link is a miss, and writing the
  // entry again neither follows it nor replaces it (write_file_atomically refuses links).
  const fs::path copy = tmp_ / "copy", victim = tmp_ / "victim";
  write_bytes(copy, good);
  write_bytes(victim, "precious");
  for (const fs::path& target : {copy, victim}) {
    fs::remove(entry());
    fs::create_symlink(target, entry());
    damage_gzip_keeping_its_identity();
    EXPECT_THROW(read_idx_images(gz_), InputError) << target;  // not read through the link
    write_idx_images(gz_, images_);
    EXPECT_EQ(read_idx_images(gz_).pixels, images_.pixels);
    EXPECT_TRUE(fs::is_symlink(entry()));
  }
  EXPECT_EQ(read_bytes(victim), "precious");
  EXPECT_EQ(read_bytes(copy), good);
}

TEST_F(IdxCache, ACacheThatCannotBeWrittenIsLeftAlone) {
  // A regular file where the directory should be: no entry, the images as without a cache.
  write_bytes(cache_, "not a directory");
  {
    CacheEnv env(cache_.string());
    EXPECT_EQ(read_idx_images(gz_).pixels, images_.pixels);
  }
  EXPECT_EQ(read_bytes(cache_), "not a directory");
  // A read-only directory (the permission is not enforced for root).
  if (::geteuid() == 0) return;
  const fs::path read_only = tmp_ / "read-only";
  fs::create_directories(read_only);
  fs::permissions(read_only, fs::perms::owner_read | fs::perms::owner_exec);
  CacheEnv env(read_only.string());
  EXPECT_EQ(read_idx_images(gz_).pixels, images_.pixels);
  EXPECT_TRUE(fs::is_empty(read_only));
  fs::permissions(read_only, fs::perms::owner_all);
}

TEST_F(IdxCache, AnotherUsersEntryIsIgnored) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to give a file to another user";
  CacheEnv env(cache_.string());
  (void)read_idx_images(gz_);
  ASSERT_EQ(::chown(entry().c_str(), 65534, 65534), 0);
  damage_gzip_keeping_its_identity();
  EXPECT_THROW(read_idx_images(gz_), InputError);
}

TEST_F(IdxCache, ConcurrentWritersLeaveOneWholeEntry) {
  CacheEnv env(cache_.string());
  std::vector<std::vector<std::uint8_t>> read(6);
  {
    std::vector<std::jthread> readers;
    for (auto& pixels : read) {
      readers.emplace_back([&] { pixels = read_idx_images(gz_).pixels; });
    }
  }
  for (const auto& pixels : read) EXPECT_EQ(pixels, images_.pixels);
  EXPECT_EQ(std::distance(fs::directory_iterator(cache_), fs::directory_iterator()), 1)
      << "temporaries left beside the entry";
  expect_read_from_the_cache();
}

TEST_F(IdxCache, SmallFilesAndFilesOfSeveralMembersAreNotCached) {
  CacheEnv env(cache_.string());
  const fs::path small = tmp_ / "small-idx3-ubyte.gz";
  write_idx_images(small, testing::random_split(20, 28, 28, 10, 1).images);
  (void)read_idx_images(small);
  EXPECT_FALSE(fs::exists(cache_));
  // Two gzip members (gzip(1) appends one with -c >>): the trailer's CRC-32 is the second one's
  // only, so the content cannot be checked against it.
  const fs::path raw = tmp_ / "raw-idx3-ubyte";
  write_idx_images(raw, images_);
  const std::string content = read_bytes(raw);
  write_bytes(tmp_ / "first", content.substr(0, content.size() / 2));
  write_bytes(tmp_ / "second", content.substr(content.size() / 2));
  const testing::CommandResult gzip =
      testing::run_command("cd " + tmp_.path().string() +
                           " && gzip -1 -c first > two.gz && gzip -1 -c second >> two.gz");
  ASSERT_EQ(gzip.exit_code, 0) << gzip.output;
  EXPECT_EQ(read_idx_images(tmp_ / "two.gz").pixels, images_.pixels);
  EXPECT_FALSE(fs::exists(cache_));
}

}  // namespace
}  // namespace savant
