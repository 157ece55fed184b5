#include "targets.hpp"

#include <sys/mman.h>
#include <unistd.h>
#include <zlib.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <set>
#include <string>
#include <string_view>

#include "savant/analysis/cka.hpp"
#include "savant/core/error.hpp"
#include "savant/core/json_input.hpp"
#include "savant/data/idx.hpp"
#include "savant/data/image_limits.hpp"
#include "savant/experiment/results_schema.hpp"
#include "savant/experiment/run_set.hpp"
#include "savant/experiment/steps.hpp"
#include "savant/formats/model_file.hpp"
#include "savant/formats/safetensors.hpp"
#include "savant/model/evaluate.hpp"
#include "savant/report/page_encoding.hpp"
#include "savant/sweep/sweep.hpp"

namespace savant::fuzz {
namespace {

[[noreturn]] void die(const char* what) {
  std::fprintf(stderr, "fuzz target: %s\n", what);
  std::abort();
}

// One in-memory file for the whole process, reached through /proc/self/fd: the readers open
// it by path like any data file, but nothing touches the disk and nothing is left behind.
class MemoryFile {
 public:
  MemoryFile() : fd_(::memfd_create("savant-fuzz", 0)) {
    if (fd_ < 0) die("memfd_create failed");
    path_ = "/proc/self/fd/" + std::to_string(fd_);
  }
  ~MemoryFile() { ::close(fd_); }
  MemoryFile(const MemoryFile&) = delete;
  MemoryFile& operator=(const MemoryFile&) = delete;

  const std::string& hold(std::string_view bytes) {
    if (::ftruncate(fd_, 0) != 0) die("ftruncate failed");
    std::size_t done = 0;
    while (done < bytes.size()) {
      const ssize_t n =
          ::pwrite(fd_, bytes.data() + done, bytes.size() - done, static_cast<off_t>(done));
      if (n <= 0) die("pwrite failed");
      done += static_cast<std::size_t>(n);
    }
    return path_;
  }

 private:
  int fd_;
  std::string path_;
};

MemoryFile& memory_file() {
  static MemoryFile file;
  return file;
}

std::string_view as_chars(std::span<const std::uint8_t> bytes) {
  return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

// One reader per input, chosen by a byte the mutator can flip, so that each execution opens
// the file once: the label reader for odd `selector`, else the image reader.
void read_idx(std::string_view file_bytes, std::uint8_t selector) {
  const std::string& path = memory_file().hold(file_bytes);
  try {
    if (selector % 2 == 1) {
      (void)read_idx_labels(path);
    } else {
      const ImageSet images = read_idx_images(path);
      if (images.pixels.size() != images.count * images.rows * images.cols) {
        die("read_idx_images: pixel count does not match the dimensions");
      }
    }
  } catch (const savant::Error&) {
  }
}

// The rank byte of a raw IDX header (1 for labels), else the last byte.
std::uint8_t selector_of(std::span<const std::uint8_t> bytes) {
  if (bytes.size() > 3 && bytes[0] == 0 && bytes[1] == 0) return bytes[3];
  return bytes.empty() ? 0 : bytes.back();
}

std::string gzip(std::string_view bytes) {
  z_stream stream{};
  if (deflateInit2(&stream, Z_BEST_SPEED, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
    die("deflateInit2 failed");
  }
  std::string out(deflateBound(&stream, static_cast<uLong>(bytes.size())), '\0');
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(bytes.data()));
  stream.avail_in = static_cast<uInt>(bytes.size());
  stream.next_out = reinterpret_cast<Bytef*>(out.data());
  stream.avail_out = static_cast<uInt>(out.size());
  const int rc = deflate(&stream, Z_FINISH);
  deflateEnd(&stream);
  if (rc != Z_STREAM_END) die("deflate failed");
  out.resize(stream.total_out);
  return out;
}

bool same_tensors(const TensorFile& a, const TensorFile& b) {
  if (a.metadata != b.metadata || a.tensors.size() != b.tensors.size()) return false;
  for (std::size_t i = 0; i < a.tensors.size(); ++i) {
    const Tensor& x = a.tensors[i];
    const Tensor& y = b.tensors[i];
    if (x.name != y.name || x.shape != y.shape || x.values.size() != y.values.size()) return false;
    // Bit for bit: NaN payloads must survive too.
    if (!x.values.empty() &&
        std::memcmp(x.values.data(), y.values.data(), x.values.size() * sizeof(float)) != 0) {
      return false;
    }
  }
  return true;
}

}  // namespace

void idx_file(std::span<const std::uint8_t> bytes) {
  read_idx(as_chars(bytes), selector_of(bytes));
}

void idx_gzip_file(std::span<const std::uint8_t> bytes) {
  read_idx(gzip(as_chars(bytes)), selector_of(bytes));
}

void safetensors_file(std::span<const std::uint8_t> bytes) {
  TensorFile file;
  try {
    file = decode_safetensors(as_chars(bytes), "fuzz input");
  } catch (const savant::Error&) {
    return;
  }
  const TensorFile again = decode_safetensors(encode_safetensors(file), "re-encoded fuzz input");
  if (!same_tensors(file, again)) die("safetensors: encode then decode changed the tensors");
  try {
    (void)network_from_tensors(std::move(file), "fuzz input");
  } catch (const savant::Error&) {
  }
}

void model_file(std::span<const std::uint8_t> bytes) {
  SavedModel model;
  try {
    ModelFile file =
        network_from_tensors(decode_safetensors(as_chars(bytes), "fuzz input"), "fuzz input");
    model = saved_model("fuzz.safetensors", std::move(file.network), std::move(file.metadata));
  } catch (const savant::Error&) {
    return;
  }
  const Network& net = model.network;
  try {
    const AnalyzeReport report = run_analyze(model, std::nullopt);
    const nlohmann::json j = analysis_json(model, report);
    if (j.at("image_rows").get<std::size_t>() * j.at("image_cols").get<std::size_t>() !=
        net.layout.in(0)) {
      die("analyze: the image size does not match the model's inputs");
    }
  } catch (const savant::Error&) {
    // A model analyze cannot take (inputs that are not a square image, too many): said so.
  }
  // eval's and compare's passes over three images of one row of the model's inputs.
  const std::size_t inputs = net.layout.in(0), classes = net.layout.sizes().back();
  ImageSet images{3, 1, inputs, std::vector<std::uint8_t>(3 * inputs)};
  for (std::size_t i = 0; i < images.pixels.size(); ++i) {
    images.pixels[i] = static_cast<std::uint8_t>(i * 37);
  }
  const std::vector<std::uint8_t> labels(3, 0);
  const Evaluation e = evaluate(net, images, labels);
  if (e.total != 3 || e.classes != classes) die("eval: counts do not match the images");
  for (std::uint8_t p : e.predicted) {
    if (p >= classes) die("eval: a predicted class the model does not have");
  }
  if (net.layout.layers() >= 2) {
    const HiddenActivations h = hidden_activations(net, images, 2);
    if (compare_models(h, h).agreement != 1.0) die("compare: a model disagrees with itself");
  }
}

void results_json_text(std::span<const std::uint8_t> bytes) {
  // As `savant report` reads it: the file through read_results_json (a regular file, capped),
  // the text through parse_results_json.
  const std::string& path = memory_file().hold(as_chars(bytes));
  RunResults run;
  try {
    run = parse_results_json(read_results_json(path), path);
  } catch (const savant::Error&) {
    return;
  }
  if (run.rows * run.cols == 0 || run.rows * run.cols > kMaxImagePixels || run.classes < 2 ||
      run.grid < 1 || run.grid > 255) {
    die("results.json: accepted a shape the report cannot draw");
  }
  const std::string script = json_script_text(run.page);
  if (script.find('<') != std::string::npos) die("results.json: '<' reached the page's script");
  if (parse_json(script, "the page's script") != run.page) {
    die("results.json: the page's data changed on its way through the script element");
  }
}

void sweep_toml_text(std::span<const std::uint8_t> bytes) {
  SweepSpec spec;
  std::filesystem::path db;
  try {
    parse_sweep_text(as_chars(bytes), "fuzz.toml", spec, &db);
    validate(spec);
  } catch (const savant::Error&) {
    return;
  }
  // Expanding is the cartesian product: only when it stays small.
  std::size_t count = spec.seeds;
  for (const SweepAxis& axis : sweep_axes(spec)) {
    if (count > 4096) return;
    count *= axis.size;
  }
  if (count > 4096) return;
  const std::vector<JobConfig> jobs = expand_jobs(spec, 0x12345678);
  if (jobs.empty()) die("sweep: a valid sweep file gave no jobs");
  std::set<std::string> keys;
  for (const JobConfig& job : jobs) {
    if (!keys.insert(job_key(job)).second) die("sweep: two jobs with the same key");
  }
}

}  // namespace savant::fuzz
