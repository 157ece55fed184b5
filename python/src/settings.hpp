#pragma once
// The one place where the binding builds the library's configuration from Python's keyword
// arguments. Keys are the names the library gives its settings (learning_rate, train_limit);
// an unknown key is a ValueError that lists the known ones.

#include <optional>

#include <pybind11/pybind11.h>

#include "savant/experiment/experiment.hpp"
#include "savant/sweep/sweep.hpp"

namespace savant::python {

// The settings that decide a training (kTrains in experiment/settings.hpp), by name; missing
// keys keep the library's defaults, except data ($SAVANT_DATA, else Debian's Fashion-MNIST) and
// threads (all cores), as on the command line. Validated.
ExperimentConfig experiment_config(const pybind11::dict& settings);

// A sweep: each axis (kSweepAxis) and train_on a value or a list of values; the settings a
// sweep takes once (kSweepOnce; threads is sweep()'s own argument), seeds and first_seed single
// values. Checked when it runs (run_sweep).
SweepSpec sweep_spec(const pybind11::dict& settings);

// A number of threads as the command line takes it: None is default_threads(), else 1 to 1024
// (validate's range); ValueError otherwise.
int threads_setting(const std::optional<int>& threads);

// A number of classes: 1 to 256 (labels are bytes); ValueError otherwise.
int classes_setting(int classes);

}  // namespace savant::python
