// gunzip_compare: the decompressors savant could read its gzip IDX files with, on the files of
// a data set: zlib's gzread (128 KiB at a time, as savant did), zlib's inflate on the whole file,
// libdeflate (what savant uses, data/idx.cpp) and, where the build found it, ISA-L's igzip. Each
// decodes the four files one after the other, `REPEATS` times; prints the median and the minimum
// of the wall and of the CPU seconds, and checks that all give the same bytes. Not a test, a tool
// for docs/PERFORMANCE.md.
//
//   gunzip_compare [DATA_DIR] [REPEATS=11]

#include <libdeflate.h>
#include <zlib.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <string>
#include <vector>

#ifdef SAVANT_HAVE_ISAL
#include <isa-l/igzip_lib.h>
#endif

#include <fmt/format.h>

#include "savant/data/dataset.hpp"

namespace {

using Bytes = std::vector<std::uint8_t>;

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

// The gzip trailer's size of the content (one member; mod 2^32).
std::size_t content_size(const std::string& gz) {
  const auto* p = reinterpret_cast<const std::uint8_t*>(gz.data() + gz.size() - 4);
  return std::size_t{p[0]} | std::size_t{p[1]} << 8 | std::size_t{p[2]} << 16 |
         std::size_t{p[3]} << 24;
}

Bytes zlib_gzread(const std::filesystem::path& path, const std::string&) {
  gzFile file = gzopen(path.c_str(), "rb");
  gzbuffer(file, 1 << 17);
  Bytes out;
  std::vector<std::uint8_t> buffer(1 << 17);
  int n = 0;
  while ((n = gzread(file, buffer.data(), static_cast<unsigned>(buffer.size()))) > 0) {
    out.insert(out.end(), buffer.begin(), buffer.begin() + n);
  }
  gzclose(file);
  return out;
}

Bytes zlib_inflate(const std::filesystem::path&, const std::string& gz) {
  Bytes out(content_size(gz));
  z_stream stream{};
  inflateInit2(&stream, 15 + 16);
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(gz.data()));
  stream.avail_in = static_cast<uInt>(gz.size());
  stream.next_out = out.data();
  stream.avail_out = static_cast<uInt>(out.size());
  if (inflate(&stream, Z_FINISH) != Z_STREAM_END) out.clear();
  inflateEnd(&stream);
  return out;
}

Bytes with_libdeflate(const std::filesystem::path&, const std::string& gz) {
  Bytes out(content_size(gz));
  libdeflate_decompressor* d = libdeflate_alloc_decompressor();
  std::size_t n = 0;
  if (libdeflate_gzip_decompress(d, gz.data(), gz.size(), out.data(), out.size(), &n) !=
      LIBDEFLATE_SUCCESS) {
    out.clear();
  }
  libdeflate_free_decompressor(d);
  return out;
}

#ifdef SAVANT_HAVE_ISAL
Bytes with_isal(const std::filesystem::path&, const std::string& gz) {
  Bytes out(content_size(gz));
  inflate_state state;
  isal_inflate_init(&state);
  state.crc_flag = ISAL_GZIP;
  state.next_in = reinterpret_cast<std::uint8_t*>(const_cast<char*>(gz.data()));
  state.avail_in = static_cast<std::uint32_t>(gz.size());
  state.next_out = out.data();
  state.avail_out = static_cast<std::uint32_t>(out.size());
  if (isal_inflate(&state) != ISAL_DECOMP_OK || state.block_state != ISAL_BLOCK_FINISH) out.clear();
  return out;
}
#endif

double cpu_seconds() {
  timespec t{};
  ::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) * 1e-9;
}

}  // namespace

int main(int argc, char** argv) {
  const std::filesystem::path dir = argc > 1 ? argv[1] : savant::default_data_dir();
  const int repeats = argc > 2 ? std::max(1, std::stoi(argv[2])) : 11;
  std::vector<std::filesystem::path> paths;
  std::vector<std::string> stored;
  for (const char* stem : {"train-images-idx3-ubyte", "train-labels-idx1-ubyte",
                           "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"}) {
    paths.push_back(dir / (std::string(stem) + ".gz"));
    stored.push_back(read_file(paths.back()));
  }
  using Decoder = std::function<Bytes(const std::filesystem::path&, const std::string&)>;
  std::vector<std::pair<const char*, Decoder>> decoders = {
      {"zlib gzread, 128 KiB at a time", zlib_gzread},
      {"zlib inflate, whole file", zlib_inflate},
      {"libdeflate, whole file", with_libdeflate},
#ifdef SAVANT_HAVE_ISAL
      {"ISA-L igzip, whole file", with_isal},
#endif
  };
  std::FILE* load = std::fopen("/proc/loadavg", "r");
  char average[64] = "unknown";
  if (load != nullptr && std::fgets(average, sizeof average, load) == nullptr) average[0] = 0;
  if (load != nullptr) std::fclose(load);
  fmt::print("gunzip_compare: the four files of {}, {} repeats; load average {}", dir.string(),
             repeats, average);
  const Bytes reference = zlib_gzread(paths[0], stored[0]);
  for (const auto& [name, decode] : decoders) {
    std::vector<double> wall, cpu;
    bool same = true;
    for (int r = 0; r < repeats; ++r) {
      const auto start = std::chrono::steady_clock::now();
      const double cpu_start = cpu_seconds();
      for (std::size_t f = 0; f < paths.size(); ++f) {
        const Bytes bytes = decode(paths[f], stored[f]);
        if (f == 0 && bytes != reference) same = false;
      }
      cpu.push_back(cpu_seconds() - cpu_start);
      wall.push_back(
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    }
    std::sort(wall.begin(), wall.end());
    std::sort(cpu.begin(), cpu.end());
    fmt::print("  {:<32} wall median {:.4f} s, min {:.4f} s; CPU median {:.4f} s, min {:.4f} s{}\n",
               name, wall[wall.size() / 2], wall[0], cpu[cpu.size() / 2], cpu[0],
               same ? "" : "  (DIFFERENT BYTES)");
  }
  return 0;
}
