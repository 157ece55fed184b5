#pragma once
// Sweeps (docs/SWEEPS.md): what to run (spec.hpp), one job (job.hpp), the runner (runner.hpp)
// and the statistics over seeds (summary.hpp).

#include "savant/sweep/job.hpp"
#include "savant/sweep/runner.hpp"
#include "savant/sweep/spec.hpp"
#include "savant/sweep/summary.hpp"
