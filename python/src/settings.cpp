#include "settings.hpp"

#include <algorithm>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "savant/core/error.hpp"
#include "savant/core/machine.hpp"
#include "savant/data/dataset.hpp"
#include "savant/experiment/settings.hpp"
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

// A Python value as the text the library parses, after checking its Python type against the
// setting's: bool is an int in Python, but grid=True is a mistake, not 1.
std::string as_text(const Setting& s, const py::handle& value) {
  const bool is_bool = py::isinstance<py::bool_>(value);
  // An int, or a whole number of another kind (numpy.int64): what operator.index takes.
  const bool is_int =
      !is_bool && (py::isinstance<py::int_>(value) || py::hasattr(value, "__index__"));
  const bool is_float =
      !is_bool && !is_int && (py::isinstance<py::float_>(value) || py::hasattr(value, "__float__"));
  auto refuse = [&](const std::string& expected) {
    return py::value_error(
        fmt::format("{}={}: expected {}", s.name, py::repr(value).cast<std::string>(), expected));
  };
  switch (s.type) {
    case SettingType::kWhole:
      if (!is_int) throw refuse("a whole number");
      return py::str(py::module_::import("operator").attr("index")(value));
    case SettingType::kNumber:
      if (!is_int && !is_float) throw refuse("a number");
      if (is_float)
        return fmt::format("{}",
                           py::float_(py::reinterpret_borrow<py::object>(value)).cast<double>());
      return py::str(py::module_::import("operator").attr("index")(value));
    case SettingType::kChoice:
      if (!py::isinstance<py::str>(value)) {
        throw refuse(fmt::format("one of {}", fmt::join(s.choices, ", ")));
      }
      return py::str(value);
    case SettingType::kPath:
      break;
  }
  // A path: text or an os.PathLike.
  if (!py::isinstance<py::str>(value) && !py::hasattr(value, "__fspath__")) throw refuse("a path");
  return py::str(py::module_::import("os").attr("fspath")(value));
}

// Sets `s` in `config` from a Python value, saying a bad one in Python's terms (name=value).
void set_from_python(ExperimentConfig& config, const Setting& s, const py::handle& value) {
  const std::string text = as_text(s, value);
  try {
    s.parse(config, text);
  } catch (const InvalidSetting& e) {
    throw py::value_error(
        fmt::format("{}={}: {}", s.name, py::repr(value).cast<std::string>(), e.problem()));
  }
}

// A value or a list of values, as text for the library's own parser (set_sweep_option), so
// that Python, the command line and sweep files accept the same values.
std::vector<std::string> as_text_list(const py::handle& value) {
  std::vector<std::string> out;
  auto text = [](const py::handle& v) -> std::string {
    if (py::isinstance<py::bool_>(v)) return v.cast<bool>() ? "true" : "false";
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

// The defaults of the command line: the data set's usual place and every core.
ExperimentConfig python_defaults() {
  ExperimentConfig config;
  config.data = default_data_dir();
  config.threads = default_threads();
  return config;
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
  // The keywords are the settings that decide a training (experiment/settings.hpp), by name.
  std::vector<std::string> known;
  for (const Setting& s : savant::settings()) {
    if (s.has(kTrains)) known.push_back(s.name);
  }
  reject_unknown(settings, known);
  ExperimentConfig config = python_defaults();
  for (const Setting& s : savant::settings()) {
    if (!s.has(kTrains) || !settings.contains(s.name.c_str())) continue;
    const py::object value = settings[s.name.c_str()];
    if (value.is_none()) continue;  // the default
    set_from_python(config, s, value);
  }
  validate(config);
  return config;
}

SweepSpec sweep_spec(const py::dict& settings) {
  // Python's keywords are the library's setting names (sweep/spec.hpp).
  std::vector<std::string> known;
  for (const Setting& s : savant::settings()) {
    if (s.has(kSweepAxis | kSweepOnce) && !s.has(kParallel)) known.push_back(s.name);
  }
  for (const char* own : {"train_on", "seeds", "first_seed", "keep_models"}) {
    known.emplace_back(own);
  }
  reject_unknown(settings, known);
  SweepSpec spec;
  spec.base = python_defaults();
  for (const std::string& key : known) {
    if (!settings.contains(key.c_str()) || settings[key.c_str()].is_none()) continue;
    set_sweep_option(spec, key, as_text_list(settings[key.c_str()]));
  }
  return spec;
}

}  // namespace savant::python
