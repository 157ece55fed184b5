#include "settings.hpp"

#include <algorithm>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "savant/core/error.hpp"
#include "savant/core/machine.hpp"
#include "savant/data/dataset.hpp"
#include "savant/formats/model_file.hpp"

namespace py = pybind11;

namespace savant::python {
namespace {

void reject_unknown(const py::dict& settings, const std::vector<std::string>& known) {
  for (const auto& item : settings) {
    const std::string key = py::str(item.first);
    if (std::find(known.begin(), known.end(), key) == known.end()) {
      throw py::value_error(
          fmt::format("unknown setting '{}'; known settings: {}", key, fmt::join(known, ", ")));
    }
  }
}

template <typename T>
void read(const py::dict& settings, const char* key, T& field) {
  if (!settings.contains(key)) return;
  const py::object value = settings[key];
  // bool is an int in Python; grid=True is a mistake, not 1.
  const bool is_bool = py::isinstance<py::bool_>(value);
  try {
    if (!is_bool) {
      field = value.cast<T>();
      return;
    }
  } catch (const py::cast_error&) {
  }
  const char* expected = std::is_floating_point_v<T> ? "a number"
                         : std::is_unsigned_v<T>     ? "a whole number of 0 or more"
                                                     : "a whole number";
  throw py::value_error(
      fmt::format("{}={}: expected {}", key, py::repr(value).cast<std::string>(), expected));
}

// A value or a list of values, as text for the library's own parser (set_sweep_option), so
// that Python, the command line and sweep files accept the same values.
std::vector<std::string> as_text_list(const py::handle& value) {
  std::vector<std::string> out;
  auto text = [](const py::handle& v) -> std::string {
    if (py::isinstance<py::float_>(v)) return fmt::format("{}", v.cast<double>());
    return py::str(v);
  };
  if (py::isinstance<py::list>(value) || py::isinstance<py::tuple>(value)) {
    for (const py::handle& v : value) out.push_back(text(v));
  } else {
    out.push_back(text(value));
  }
  return out;
}

}  // namespace

int threads_setting(const std::optional<int>& threads) {
  ExperimentConfig config;
  config.threads = threads.value_or(default_threads());
  validate(config);  // only threads differs from the defaults
  return config.threads;
}

int classes_setting(int classes) {
  if (classes < 1 || static_cast<std::size_t>(classes) > kMaxClasses) {
    throw py::value_error(
        fmt::format("classes={}: use 1 to {} (labels are bytes)", classes, kMaxClasses));
  }
  return classes;
}

ExperimentConfig experiment_config(const py::dict& settings) {
  reject_unknown(settings, {"data", "grid", "shuffle", "hidden", "layers", "epochs", "batch",
                            "learning_rate", "seed", "threads", "train_limit"});
  ExperimentConfig config;
  config.data = default_data_dir();
  config.threads = default_threads();
  if (settings.contains("data") && !settings["data"].is_none()) {
    config.data = py::str(settings["data"]).cast<std::string>();
  }
  read(settings, "grid", config.grid);
  if (settings.contains("shuffle")) {
    config.shuffle = parse_shuffle_mode(settings["shuffle"].cast<std::string>());
  }
  read(settings, "hidden", config.hidden);
  read(settings, "layers", config.layers);
  read(settings, "epochs", config.epochs);
  read(settings, "batch", config.batch);
  read(settings, "learning_rate", config.learning_rate);
  read(settings, "seed", config.seed);
  if (settings.contains("threads") && !settings["threads"].is_none()) {
    read(settings, "threads", config.threads);
  }
  read(settings, "train_limit", config.train_limit);
  validate(config);
  return config;
}

SweepSpec sweep_spec(const py::dict& settings) {
  // Python's keywords are the library's setting names (sweep/spec.hpp).
  const std::vector<std::string> known = {"grid",   "shuffle",    "train_on",    "hidden",
                                          "layers", "epochs",     "batch",       "learning_rate",
                                          "seeds",  "first_seed", "train_limit", "data"};
  reject_unknown(settings, known);
  SweepSpec spec;
  spec.data = default_data_dir();
  for (const std::string& key : known) {
    if (!settings.contains(key.c_str()) || settings[key.c_str()].is_none()) continue;
    set_sweep_option(spec, key, as_text_list(settings[key.c_str()]));
  }
  validate(spec);
  return spec;
}

}  // namespace savant::python
