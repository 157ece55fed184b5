// The command line against bad values, one row per case: every row runs the real `savant`
// binary and checks its exit code, which says the error's kind (1 a file or data savant cannot
// use, 2 usage, 3 training that diverged, 4 the system's refusal, 5 a limit or memory: every
// kind has rows), that the message names the problem, and that no partial output is left behind.
//
// Adding a subcommand's cases: append rows to kCases. Placeholders in `args` are replaced
// before the command runs: {data} a valid small data set (8x8 images, 10 classes), {out} a
// fresh output directory that does not exist yet, {missing} a path that does not exist,
// {file} a regular file, {dir} an existing empty directory, {readonly} a directory nobody may
// write, {bad:NAME} a data set broken in the way NAME says (see SetUpTestSuite below).
// Made on first use by the real commands on {data}: {model} a model file (savant train), {run}
// a run directory (savant reproduce), {db} a sweep database (savant sweep); broken copies:
// {badmodel:NAME}, {badrun:NAME} (its results.json or model files), {toml:NAME} a sweep file;
// also {sqlite} another program's SQLite database and {unreadable} a file nobody may read.
// {foreign:NAME} a model without savant metadata, {data:NAME} a data set of other images.
//
// A failed run must leave every fixture file as it was and add no file anywhere.

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <fstream>
#include <iterator>
#include <map>
#include <random>
#include <regex>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "savant/data/idx.hpp"
#include "savant/formats/model_file.hpp"
#include "savant/formats/safetensors.hpp"
#include "support/result_files.hpp"
#include "support/test_support.hpp"

namespace savant::testing {
namespace {

enum class Run {
  kPlain,
  // Without the capabilities that let root ignore file permissions, so that unreadable and
  // unwritable paths are unreadable and unwritable even when the tests run as root.
  kWithoutOverride,
  // Under `ulimit -f`: writes past a few KiB fail as on a full disk.
  kFileSizeLimit,
};

struct CliCase {
  const char* name;
  const char* args;
  int exit_code;
  const char* message;  // must appear in the output
  Run run = Run::kPlain;
};

// gtest prints a failing case's parameter: its name says which row it is.
void PrintTo(const CliCase& c, std::ostream* os) {
  *os << c.name;
}

// clang-format off
const CliCase kCases[] = {
  // The top level.
  {"no_subcommand", "", 0, "Run 'savant help COMMAND' for the options of one command."},
  {"help_alone", "help", 0, "Usage: savant [OPTIONS] SUBCOMMAND"},
  {"help_command", "help reproduce", 0, "Usage: savant reproduce [OPTIONS]"},
  {"help_unknown_command", "help frobnicate", 2, "unknown command 'frobnicate'; the commands are: reproduce,"},
  {"help_two_commands", "help reproduce train", 2, "'savant help' takes one command"},
  {"unknown_subcommand", "frobnicate", 2, "unknown command 'frobnicate'"},
  {"unknown_top_level_option", "--frobnicate", 2, "unknown option '--frobnicate'"},
  {"version", "--version", 0, "savant "},
  {"help", "--help", 0, "reproduce"},
  {"help_lists_exit_codes", "--help", 0, "Exit codes: 0 success; 1 a file or data savant cannot use; 2 a usage error"},
  {"reproduce_help", "reproduce --help", 0, "--grid"},
  // reproduce: options and their values.
  {"reproduce_unknown_option", "reproduce --data {data} --out {out} --colour red", 2, "unknown option '--colour' for 'savant reproduce'"},
  {"reproduce_mistyped_option", "reproduce --data {data} --out {out} --epohcs 2", 2, "unknown option '--epohcs' for 'savant reproduce'; did you mean '--epochs'?"},
  {"reproduce_mistyped_option_with_value", "reproduce --data {data} --out {out} --gird=4", 2, "unknown option '--gird=4' for 'savant reproduce'; did you mean '--grid'?"},
  {"mistyped_command", "reproduc --out {out}", 2, "unknown command 'reproduc'; did you mean 'reproduce'? the commands are: reproduce,"},
  {"help_mistyped_command", "help sumarize", 2, "unknown command 'sumarize'; did you mean 'summarize'? the commands are:"},
  {"reproduce_extra_argument", "reproduce --data {data} --out {out} extra", 2, "unexpected argument 'extra' for 'savant reproduce'"},
  {"reproduce_missing_value", "reproduce --data {data} --out {out} --grid", 2, "--grid needs a value"},
  {"reproduce_figures_unknown", "reproduce --data {data} --out {out} --figures png,gif", 2, "--figures 'png,gif': 'gif' is not a figure format; choose from png, svg and pdf"},
  {"reproduce_figures_empty", "reproduce --data {data} --out {out} --figures ''", 2, "--figures '': expected a comma-separated list of png, svg and pdf"},
  {"reproduce_tiny_figures", "reproduce --data {data} --out {out} --grid 2 --hidden 8 --epochs 1 --figures png,svg,pdf", 0, "heatmap_*.{png,svg,pdf}"},
  {"reproduce_figure_size_unknown", "reproduce --data {data} --out {out} --figure-size a4", 2, "--figure-size a4: expected screen (the default), column (3.3 in wide) or page (7 in wide)"},
  {"reproduce_tiny_column_figures", "reproduce --data {data} --out {out} --grid 2 --hidden 8 --epochs 1 --figures pdf --figure-size column", 0, "heatmap_*.pdf"},
  {"reproduce_repeated_option", "reproduce --data {data} --out {out} --epochs 1 --epochs 2", 2, "--epochs"},
  {"grid_not_a_number", "reproduce --data {data} --out {out} --grid four", 2, "--grid"},
  {"grid_zero", "reproduce --data {data} --out {out} --grid 0", 2, "--grid"},
  {"grid_negative", "reproduce --data {data} --out {out} --grid -4", 2, "--grid"},
  {"grid_huge", "reproduce --data {data} --out {out} --grid 99999999999999999999", 2, "--grid"},
  {"grid_too_large", "reproduce --data {data} --out {out} --grid 256", 2, "--grid"},
  {"grid_fraction", "reproduce --data {data} --out {out} --grid 2.5", 2, "--grid"},
  {"grid_does_not_divide", "reproduce --data {data} --out {out} --grid 3", 2, "does not divide the 8x8 images"},
  {"grid_larger_than_image", "reproduce --data {data} --out {out} --grid 16", 2, "does not divide the 8x8 images"},
  {"grid_one_derange", "reproduce --data {data} --out {out} --grid 1", 2, "no derangement"},
  {"grid_one_fixed", "reproduce --data {data} --out {out} --grid 1 --shuffle fixed", 2, "no derangement"},
  {"shuffle_unknown", "reproduce --data {data} --out {out} --shuffle sideways", 2, "sideways"},
  {"shuffle_empty", "reproduce --data {data} --out {out} --shuffle ''", 2, "--shuffle"},
  {"hidden_zero", "reproduce --data {data} --out {out} --hidden 0", 2, "--hidden"},
  {"hidden_negative", "reproduce --data {data} --out {out} --hidden -1", 2, "--hidden"},
  {"hidden_not_a_number", "reproduce --data {data} --out {out} --hidden wide", 2, "--hidden"},
  {"hidden_huge", "reproduce --data {data} --out {out} --hidden 65537", 2, "--hidden"},
  {"epochs_zero", "reproduce --data {data} --out {out} --epochs 0", 2, "--epochs"},
  {"epochs_negative", "reproduce --data {data} --out {out} --epochs -3", 2, "--epochs"},
  {"epochs_fraction", "reproduce --data {data} --out {out} --epochs 1.5", 2, "--epochs"},
  {"epochs_huge", "reproduce --data {data} --out {out} --epochs 10001", 2, "--epochs"},
  {"batch_zero", "reproduce --data {data} --out {out} --batch 0", 2, "--batch"},
  {"batch_negative", "reproduce --data {data} --out {out} --batch -32", 2, "--batch"},
  {"batch_huge", "reproduce --data {data} --out {out} --batch 65537", 2, "--batch"},
  {"lr_zero", "reproduce --data {data} --out {out} --learning-rate 0", 2, "--learning-rate 0: must be a positive number"},
  {"lr_negative", "reproduce --data {data} --out {out} --learning-rate -0.001", 2, "--learning-rate -0.001: must be a positive number"},
  {"lr_not_a_number", "reproduce --data {data} --out {out} --learning-rate fast", 2, "--learning-rate 'fast': not a number"},
  {"lr_nan", "reproduce --data {data} --out {out} --learning-rate nan", 2, "--learning-rate nan: must be a positive number"},
  {"lr_infinite", "reproduce --data {data} --out {out} --learning-rate inf", 2, "--learning-rate inf: must be a positive number"},
  {"lr_overflows", "reproduce --data {data} --out {out} --learning-rate 1e999", 2, "--learning-rate '1e999': not a number"},
  {"lr_beyond_float", "reproduce --data {data} --out {out} --learning-rate 1e39", 2, "--learning-rate '1e39': beyond the range of a float"},
  {"lr_trailing_garbage", "reproduce --data {data} --out {out} --learning-rate 1e-3x", 2, "--learning-rate '1e-3x': not a number"},
  {"lr_old_flag_warns", "reproduce --data {data} --out {out} --lr 0", 2, "savant: warning: --lr is deprecated; use --learning-rate"},
  {"seed_negative", "reproduce --data {data} --out {out} --seed -1", 2, "--seed '-1': not a whole number of 0 or more"},
  {"seed_not_a_number", "reproduce --data {data} --out {out} --seed lucky", 2, "--seed"},
  {"seed_trailing_garbage", "reproduce --data {data} --out {out} --seed 12x", 2, "--seed"},
  {"seed_overflows", "reproduce --data {data} --out {out} --seed 18446744073709551616", 2, "--seed"},
  {"threads_zero", "reproduce --data {data} --out {out} --threads 0", 2, "--threads"},
  {"threads_huge", "reproduce --data {data} --out {out} --threads 1025", 2, "--threads"},
  {"train_limit_negative", "reproduce --data {data} --out {out} --train-limit -1", 2, "--train-limit '-1': not a whole number of 0 or more"},
  {"train_limit_not_a_number", "reproduce --data {data} --out {out} --train-limit all", 2, "--train-limit"},
  // reproduce: the data directory and its files.
  {"data_missing", "reproduce --data {missing} --out {out}", 4, "does not exist"},
  {"data_is_a_file", "reproduce --data {file} --out {out}", 4, "is not a directory"},
  {"data_empty_directory", "reproduce --data {dir} --out {out}", 4, "has no 'train-images-idx3-ubyte'"},
  {"data_file_is_a_directory", "reproduce --data {bad:file_is_directory} --out {out}", 1, "is a directory; savant reads only regular files: expected an IDX file"},
  {"data_file_unreadable", "reproduce --data {bad:unreadable} --out {out}", 4, "cannot open for reading", Run::kWithoutOverride},
  {"data_bad_magic", "reproduce --data {bad:bad_magic} --out {out}", 1, "bad magic number"},
  {"data_element_type", "reproduce --data {bad:float_type} --out {out}", 1, "element type 0x0d"},
  {"data_labels_as_images", "reproduce --data {bad:wrong_rank} --out {out}", 1, "has 1 dimension(s), expected 3"},
  {"data_zero_dimension", "reproduce --data {bad:zero_dimension} --out {out}", 1, "is zero"},
  {"data_empty_file", "reproduce --data {bad:empty_file} --out {out}", 1, "truncated"},
  {"data_truncated", "reproduce --data {bad:truncated} --out {out}", 1, "truncated"},
  {"data_huge_claim", "reproduce --data {bad:huge_claim} --out {out}", 1, "truncated"},
  {"data_over_limit_claim", "reproduce --data {bad:over_limit_claim} --out {out}", 5, "savant reads from one file"},
  {"data_extra_bytes", "reproduce --data {bad:extra_bytes} --out {out}", 1, "unexpected bytes after the payload"},
  {"data_corrupt_gzip", "reproduce --data {bad:corrupt_gzip} --out {out}", 1, "train-images-idx3-ubyte.gz"},
  {"data_count_mismatch", "reproduce --data {bad:count_mismatch} --out {out}", 1, "images but"},
  {"data_label_out_of_range", "reproduce --data {bad:label_out_of_range} --out {out}", 1, "is out of range"},
  {"data_sizes_differ", "reproduce --data {bad:sizes_differ} --out {out}", 1, "both must have the same size"},
  // reproduce: where the results go.
  {"out_is_a_file", "reproduce --data {data} --out {file}", 1, "is not a directory"},
  {"out_under_a_file", "reproduce --data {data} --out {file}/results", 4, "cannot create output directory"},
  {"out_not_writable", "reproduce --data {data} --out {readonly}", 4, "is not writable", Run::kWithoutOverride},
  {"out_parent_not_writable", "reproduce --data {data} --out {readonly}/results", 4, "cannot create output directory", Run::kWithoutOverride},
  {"out_disk_full", "reproduce --data {data} --out {out} --epochs 1", 4, "File too large", Run::kFileSizeLimit},
  // reproduce: numerical faults.
  {"lr_diverges", "reproduce --data {data} --out {out} --epochs 1 --learning-rate 1e30", 3, "original_model: training diverged at epoch 1, step "},
  // reproduce: controls that must succeed.
  {"reproduce_tiny", "reproduce --data {data} --out {out} --epochs 1", 0, "Accuracy"},
  {"reproduce_grid_one_none", "reproduce --data {data} --out {out} --epochs 1 --grid 1 --shuffle none", 0, "Accuracy"},
  // train: options.
  {"train_missing_train_on", "train --data {data} --out {out}/m.safetensors", 2, "--train-on is required"},
  {"train_missing_out", "train --data {data} --train-on original", 2, "--out is required"},
  {"train_train_on_sideways", "train --data {data} --out {out}/m.safetensors --train-on sideways", 2, "--train-on sideways: unknown training regime"},
  {"train_unknown_option", "train --data {data} --out {out}/m.safetensors --train-on original --colour red", 2, "--colour"},
  {"train_grid_does_not_divide", "train --data {data} --out {out}/m.safetensors --train-on shuffled --grid 3", 2, "does not divide the 8x8 images"},
  {"train_grid_one_derange", "train --data {data} --out {out}/m.safetensors --train-on shuffled --grid 1", 2, "no derangement"},
  {"train_epochs_zero", "train --data {data} --out {out}/m.safetensors --train-on original --epochs 0", 2, "--epochs"},
  {"train_hidden_huge", "train --data {data} --out {out}/m.safetensors --train-on original --hidden 99999999999999999999", 2, "--hidden"},
  {"train_lr_negative", "train --data {data} --out {out}/m.safetensors --train-on original --learning-rate -1", 2, "--learning-rate -1: must be a positive number"},
  {"train_seed_negative", "train --data {data} --out {out}/m.safetensors --train-on original --seed -1", 2, "--seed '-1': not a whole number of 0 or more"},
  // train: data and output.
  {"train_data_missing", "train --data {missing} --out {out}/m.safetensors --train-on original", 4, "does not exist"},
  {"train_data_truncated", "train --data {bad:truncated} --out {out}/m.safetensors --train-on original", 1, "truncated"},
  {"train_out_is_a_directory", "train --data {data} --out {dir} --train-on original", 2, "is a directory"},
  {"train_out_under_a_file", "train --data {data} --out {file}/m.safetensors --train-on original", 1, "is not a directory"},
  {"train_out_not_writable", "train --data {data} --out {readonly}/m.safetensors --train-on original", 4, "is not writable", Run::kWithoutOverride},
  {"train_disk_full", "train --data {data} --out {out}/m.safetensors --train-on original --epochs 1 --hidden 64", 4, "File too large", Run::kFileSizeLimit},
  {"train_diverges", "train --data {data} --out {out}/m.safetensors --train-on original --epochs 1 --learning-rate 1e30", 3, "lower the learning rate (now 1e+30)\n--learning-rate sets the learning rate"},
  {"train_engine_unknown", "train --data {data} --out {out}/m.safetensors --train-on original --engine turbo", 2, "--engine turbo: "},
  {"reproduce_engine_unknown", "reproduce --data {data} --out {out} --engine turbo", 2, "--engine turbo: "},
  {"sweep_engine_unknown", "sweep --data {data} --db {out}.sqlite --engine turbo", 2, "--engine turbo: "},
  {"train_tiny", "train --data {data} --out {out}/m.safetensors --train-on shuffled --grid 2 --epochs 1 --hidden 8", 0, "Trained"},
  // eval.
  {"eval_missing_model", "eval --data {data}", 2, "--model is required"},
  {"eval_model_missing", "eval --data {data} --model {missing}", 4, "no-such-thing"},
  {"eval_model_is_a_directory", "eval --data {data} --model {dir}", 1, "is a directory; savant reads only regular files: expected a .safetensors model file"},
  {"eval_model_unreadable", "eval --data {data} --model {unreadable}", 4, "cannot open", Run::kWithoutOverride},
  {"eval_model_not_safetensors", "eval --data {data} --model {file}", 1, "a-file"},
  {"eval_model_truncated", "eval --data {data} --model {badmodel:truncated}", 1, "truncated"},
  {"eval_model_empty", "eval --data {data} --model {badmodel:empty}", 1, "empty"},
  {"eval_test_on_x", "eval --data {data} --model {model} --test-on x", 2, "--test-on"},
  {"eval_grid_does_not_divide", "eval --data {data} --model {model} --grid 3", 2, "does not divide the 8x8 images"},
  {"eval_grid_one_derange", "eval --data {data} --model {model} --grid 1", 2, "no derangement"},
  {"eval_grid_zero", "eval --data {data} --model {model} --grid 0", 2, "--grid"},
  {"eval_shuffle_sideways", "eval --data {data} --model {model} --shuffle sideways", 2, "--shuffle"},
  {"eval_seed_overflows", "eval --data {data} --model {model} --seed 18446744073709551616", 2, "--seed"},
  {"eval_threads_zero", "eval --data {data} --model {model} --threads 0", 2, "--threads"},
  {"eval_data_missing", "eval --data {missing} --model {model}", 4, "does not exist"},
  {"eval_data_other_size", "eval --data {bad:sizes_differ} --model {model}", 1, "4x4"},
  {"eval_tiny", "eval --data {data} --model {model}", 0, "accuracy"},
  // analyze.
  {"analyze_missing_out", "analyze --model {model}", 2, "--out is required"},
  {"analyze_model_missing", "analyze --model {missing} --out {out}", 4, "no-such-thing"},
  {"analyze_model_not_safetensors", "analyze --model {file} --out {out}", 1, "a-file"},
  {"analyze_model_corrupt", "analyze --model {badmodel:corrupt_header} --out {out}", 1, "badmodel-corrupt_header"},
  {"analyze_grid_huge", "analyze --model {model} --out {out} --grid 256", 2, "--grid"},
  {"analyze_grid_does_not_divide", "analyze --model {model} --out {out} --grid 3", 2, "does not divide"},
  {"analyze_out_is_a_file", "analyze --model {model} --out {file}", 1, "is not a directory"},
  {"analyze_out_not_writable", "analyze --model {model} --out {readonly}", 4, "is not writable", Run::kWithoutOverride},
  {"analyze_disk_full", "analyze --model {model} --out {out}", 4, "File too large", Run::kFileSizeLimit},
  {"analyze_tiny", "analyze --model {model} --out {out}", 0, "Grid signature"},
  {"analyze_figures_unknown", "analyze --model {model} --out {out} --figures eps", 2, "'eps' is not a figure format"},
  {"analyze_page_figures", "analyze --model {model} --out {out} --figure-size page", 0, "heatmap.png"},
  // Models savant did not train: the tensors alone, as another tool writes them.
  {"analyze_foreign_model", "analyze --model {foreign:plain} --out {out}", 0, "has no savant metadata: cannot tell which grid it was trained with; using grid 4"},
  {"analyze_foreign_model_grid", "analyze --model {foreign:plain} --out {out} --grid 2", 0, "Grid signature"},
  {"analyze_foreign_model_no_hidden_layer", "analyze --model {foreign:no_hidden} --out {out}", 0, "Grid signature"},
  {"analyze_foreign_model_one_unit", "analyze --model {foreign:one_unit} --out {out}", 0, "Grid signature"},
  {"analyze_pytorch_model", "analyze --model {foreign:pytorch} --out {out}", 0, "has no savant metadata"},
  {"analyze_foreign_model_not_square", "analyze --model {foreign:wide} --out {out}", 1, "its 24 inputs are not a square image, so its rows and columns are unknown"},
  {"analyze_foreign_model_no_grid_divides", "analyze --model {foreign:odd_square} --out {out}", 0, "using grid 1 (the article's 4 does not divide its 7x7 images)"},
  {"eval_foreign_model", "eval --data {data} --model {foreign:plain}", 0, "has no savant metadata: cannot tell which grid it was trained with; using grid 4"},
  {"eval_foreign_model_deep", "eval --data {data} --model {foreign:deep}", 0, "accuracy"},
  {"eval_pytorch_model", "eval --data {data} --model {foreign:pytorch}", 0, "has no savant metadata"},
  {"eval_foreign_model_wide_images", "eval --data {data:wide} --model {foreign:wide}", 0, "using grid 2 (the article's 4 does not divide its 4x6 images)"},
  {"eval_foreign_model_odd_images", "eval --data {data:odd} --model {foreign:odd}", 2, "records no grid (it has no savant metadata), and no grid of 2 or more divides its 5x7 test images"},
  {"eval_foreign_model_odd_images_original", "eval --data {data:odd} --model {foreign:odd} --test-on original", 0, "accuracy"},
  {"eval_foreign_model_many_classes", "eval --data {data} --model {foreign:many_classes}", 1, "gives 300 classes; labels are bytes, so a model has at most 256 classes"},
  {"eval_foreign_model_other_size", "eval --data {data} --model {foreign:wide}", 1, "the model takes 24 inputs but the images in"},
  {"compare_foreign_models", "compare {foreign:plain} {model} --data {data}", 0, "has no savant metadata: its test images are shuffled with the defaults (grid 4, shuffle derange, seed 0)"},
  {"compare_foreign_model_no_hidden_layer", "compare {foreign:plain} {foreign:no_hidden} --data {data}", 1, "no_hidden.safetensors has no hidden layer"},
  {"compare_foreign_models_wide_images", "compare {foreign:wide} {foreign:wide} --data {data:wide}", 0, "(grid 2, shuffle derange, seed 0)"},
  {"compare_foreign_models_odd_images", "compare {foreign:odd} {foreign:odd} --data {data:odd}", 1, "and no grid of 2 or more divides the 5x7 test images: compare cannot shuffle them"},
  // shuffle.
  {"shuffle_missing_grid", "shuffle --data {data} --shuffle derange --seed 1 --out {out}", 2, "--grid is required"},
  {"shuffle_missing_seed", "shuffle --data {data} --grid 2 --shuffle derange --out {out}", 2, "--seed is required"},
  {"shuffle_mode_x", "shuffle --data {data} --grid 2 --shuffle x --seed 1 --out {out}", 2, "--shuffle 'x': not a shuffle mode"},
  {"shuffle_grid_does_not_divide", "shuffle --data {data} --grid 3 --shuffle derange --seed 1 --out {out}", 2, "does not divide the 8x8 images"},
  {"shuffle_grid_one_derange", "shuffle --data {data} --grid 1 --shuffle derange --seed 1 --out {out}", 2, "no derangement"},
  {"shuffle_seed_negative", "shuffle --data {data} --grid 2 --shuffle derange --seed -5 --out {out}", 2, "--seed '-5': not a whole number of 0 or more"},
  {"shuffle_data_bad_magic", "shuffle --data {bad:bad_magic} --grid 2 --shuffle derange --seed 1 --out {out}", 1, "bad magic number"},
  {"shuffle_out_is_a_file", "shuffle --data {data} --grid 2 --shuffle derange --seed 1 --out {file}", 1, "is not a directory"},
  {"shuffle_out_not_writable", "shuffle --data {data} --grid 2 --shuffle derange --seed 1 --out {readonly}", 4, "is not writable", Run::kWithoutOverride},
  {"shuffle_disk_full", "shuffle --data {data} --grid 2 --shuffle derange --seed 1 --out {out}", 4, "File too large", Run::kFileSizeLimit},
  {"shuffle_missing_shuffle", "shuffle --data {data} --grid 2 --seed 1 --out {out}", 2, "--shuffle is required"},
  {"shuffle_old_mode_flag", "shuffle --data {data} --grid 2 --mode derange --seed 1 --out {out}", 0, "--mode is deprecated; use --shuffle"},
  {"shuffle_old_mode_flag_bad_value", "shuffle --data {data} --grid 2 --mode x --seed 1 --out {out}", 2, "not a shuffle mode"},
  {"shuffle_tiny", "shuffle --data {data} --grid 2 --shuffle derange --seed 1 --out {out}", 0, "Labels unchanged"},
  // report RUN_DIR.
  {"report_nothing", "report", 2, "give a run directory"},
  {"report_run_and_db", "report {run} --db {db}", 2, "excludes"},
  {"report_png_without_db", "report {run} --png {out}/chart.png", 2, "--png goes with --db"},
  {"report_figure_size_without_db", "report {run} --figure-size column", 2, "--figure-size goes with --db and --png"},
  {"report_run_missing", "report {missing} --out {out}.html", 1, "is not a directory"},
  {"report_run_is_a_file", "report {file} --out {out}.html", 1, "is not a directory"},
  {"report_results_missing", "report {dir} --out {out}.html", 4, "results.json not found"},
  {"report_results_not_json", "report {badrun:not_json} --out {out}.html", 1, "is not valid JSON"},
  {"report_results_empty", "report {badrun:empty} --out {out}.html", 1, "is not valid JSON"},
  {"report_results_huge_number", "report {badrun:huge_number} --out {out}.html", 1, "is not valid JSON"},
  {"report_results_not_an_object", "report {badrun:array} --out {out}.html", 1, "the key '' is of type array (expected an object)"},
  {"report_results_missing_key", "report {badrun:missing_key} --out {out}.html", 1, "the key '/accuracy/shuffled_model/original_test' is missing"},
  {"report_results_wrong_type", "report {badrun:wrong_type} --out {out}.html", 1, "the key '/config/grid' is of type string"},
  {"report_results_bad_grid", "report {badrun:bad_grid} --out {out}.html", 1, "'/config/grid'"},
  {"report_results_huge_image", "report {badrun:huge_image} --out {out}.html", 5, "/data/image_rows x /data/image_cols: images of 4611686018427387904x4 are larger than savant analyses"},
  {"report_results_is_a_directory", "report {badrun:results_directory} --out {out}.html", 1, "results.json' is a directory; savant reads only regular files"},
  {"report_results_unreadable", "report {badrun:unreadable} --out {out}.html", 4, "cannot open for reading", Run::kWithoutOverride},
  {"report_model_missing", "report {badrun:no_model} --data {data} --out {out}.html", 1, "shuffled_model.safetensors"},
  {"report_model_corrupt", "report {badrun:corrupt_model} --data {data} --out {out}.html", 1, "original_model.safetensors"},
  {"report_data_missing", "report {run} --data {missing} --out {out}.html", 4, "cannot read it"},
  {"report_out_not_writable", "report {run} --data {data} --out {readonly}/report.html", 4, "readonly", Run::kWithoutOverride},
  {"report_out_is_a_directory", "report {run} --data {data} --out {dir}", 1, "empty-dir"},
  {"report_disk_full", "report {run} --data {data} --out {out}.html", 4, "File too large", Run::kFileSizeLimit},
  {"report_run_tiny", "report {run} --data {data} --out {out}.html", 0, ".html"},
  // report --db, summarize, merge: sweep databases.
  {"report_db_missing", "report --db {missing} --out {out}.html", 4, "no such database"},
  {"report_db_not_sqlite", "report --db {file} --out {out}.html", 1, "is not a savant sweep database"},
  {"report_db_foreign_sqlite", "report --db {sqlite} --out {out}.html", 1, "is not a savant sweep database"},
  {"report_db_out_not_writable", "report --db {db} --out {readonly}/sweep.html", 4, "readonly", Run::kWithoutOverride},
  {"report_db_tiny", "report --db {db} --out {out}.html --png {out}.png", 0, ".html"},
  {"report_db_column_png", "report --db {db} --out {out}.html --png {out}.png --figure-size column", 0, ".html"},
  {"report_db_figure_size_without_png", "report --db {db} --out {out}.html --figure-size page", 2, "--figure-size goes with --png FILE"},
  {"summarize_missing_db", "summarize", 2, "--db is required"},
  {"summarize_unknown_option", "summarize --db {db} --xml", 2, "--xml"},
  {"summarize_db_missing", "summarize --db {missing}", 4, "no such database"},
  {"summarize_db_not_sqlite", "summarize --db {file}", 1, "is not a savant sweep database"},
  {"summarize_db_foreign_sqlite", "summarize --db {sqlite}", 1, "is not a savant sweep database"},
  {"summarize_db_is_a_directory", "summarize --db {dir}", 1, "empty-dir"},
  {"summarize_db_unreadable", "summarize --db {unreadable}", 4, "unreadable", Run::kWithoutOverride},
  {"summarize_tiny", "summarize --db {db}", 0, "configuration"},
  {"summarize_where", "summarize --db {db} --where 'grid in (2,4) and shuffle != none'", 0, "g=2 derange original"},
  {"summarize_where_matches_none", "summarize --db {db} --where 'grid=4 or train_on=shuffled'", 0, "no finished job in"},
  {"summarize_where_hostile", "summarize --db {db} --where 'grid=2; DROP TABLE runs'", 2, "--where 'grid=2; DROP TABLE runs': unexpected ';' at column 7"},
  {"summarize_where_unknown_setting", "summarize --db {db} --where 'gird=2'", 2, "'gird' is not a setting of a sweep's jobs (did you mean 'grid'?)"},
  {"summarize_where_bad_value", "summarize --db {db} --where 'grid=two'", 2, "grid 'two': not a whole number"},
  {"summarize_by", "summarize --db {db} --by train_on", 0, "train_on=original"},
  {"summarize_by_unknown_setting", "summarize --db {db} --by grid,shufle", 2, "did you mean 'shuffle'?"},
  {"merge_no_arguments", "merge", 2, "out is required"},
  {"merge_missing_input", "merge {out}.sqlite {missing}", 2, "no-such-thing"},
  {"merge_input_not_sqlite", "merge {out}.sqlite {file}", 1, "is not a savant sweep database"},
  {"merge_input_foreign_sqlite", "merge {out}.sqlite {sqlite}", 1, "is not a savant sweep database"},
  {"merge_output_foreign_sqlite", "merge {sqlite} {db}", 1, "is not a savant sweep database"},
  {"merge_input_is_output", "merge {db} {db}", 2, "is both an input and the output"},
  {"merge_out_under_a_file", "merge {file}/merged.sqlite {db}", 4, "a-file' is not a directory"},
  {"merge_out_not_writable", "merge {readonly}/merged.sqlite {db}", 4, "readonly' is not writable", Run::kWithoutOverride},
  {"merge_disk_full", "merge {out}.sqlite {db}", 4, "merge_disk_full.sqlite: disk I/O error", Run::kFileSizeLimit},
  {"merge_tiny", "merge {out}.sqlite {db}", 0, "1 job(s) added"},
  // sweep.
  {"sweep_config_malformed", "sweep --data {data} --db {out}.sqlite --config {toml:malformed}", 2, "not a valid TOML file"},
  {"sweep_config_unknown_key", "sweep --data {data} --db {out}.sqlite --config {toml:unknown_key}", 2, "unknown option 'colour'"},
  {"sweep_config_bad_value", "sweep --data {data} --db {out}.sqlite --config {toml:bad_value}", 2, "grid 'four': not a whole number"},
  {"sweep_config_table", "sweep --data {data} --db {out}.sqlite --config {toml:table}", 2, "expected a number, a string or true/false"},
  {"sweep_config_missing", "sweep --data {data} --db {out}.sqlite --config {missing}", 2, "no-such-thing"},
  {"sweep_config_is_a_directory", "sweep --data {data} --db {out}.sqlite --config {dir}", 2, "directory"},
  {"sweep_config_unreadable", "sweep --data {data} --db {out}.sqlite --config {toml:unreadable}", 4, "cannot open for reading", Run::kWithoutOverride},
  {"sweep_grid_not_a_number", "sweep --data {data} --db {out}.sqlite --grid four", 2, "--grid 'four': not a whole number"},
  {"sweep_grid_does_not_divide", "sweep --data {data} --db {out}.sqlite --grid 3", 2, "does not divide the 8x8 images"},
  {"sweep_grid_one_derange", "sweep --data {data} --db {out}.sqlite --grid 1", 2, "no derangement"},
  {"sweep_train_on_sideways", "sweep --data {data} --db {out}.sqlite --train-on sideways", 2, "sideways: unknown training regime"},
  {"sweep_mixed_out_of_range", "sweep --data {data} --db {out}.sqlite --train-on mixed:2", 2, "mixed:P"},
  {"sweep_lr_zero", "sweep --data {data} --db {out}.sqlite --learning-rate 0", 2, "--learning-rate"},
  {"sweep_seeds_zero", "sweep --data {data} --db {out}.sqlite --seeds 0", 2, "--seeds"},
  {"sweep_hidden_negative", "sweep --data {data} --db {out}.sqlite --hidden -8", 2, "--hidden"},
  {"sweep_shard_bad", "sweep --data {data} --db {out}.sqlite --shard 3/2", 2, "--shard"},
  {"sweep_data_missing", "sweep --data {missing} --db {out}.sqlite", 4, "does not exist"},
  {"sweep_db_not_sqlite", "sweep --data {data} --db {file} --grid 2 --hidden 8 --epochs 1", 1, "is not a savant sweep database"},
  {"sweep_db_foreign_sqlite", "sweep --data {data} --db {sqlite} --grid 2 --hidden 8 --epochs 1", 1, "is not a savant sweep database"},
  {"sweep_db_under_a_file", "sweep --data {data} --db {file}/s.sqlite --grid 2 --hidden 8 --epochs 1", 4, "a-file' is not a directory"},
  {"sweep_disk_full", "sweep --data {data} --db {out}.sqlite --grid 2 --train-on original --hidden 8 --epochs 1", 4, "out-sweep_disk_full.sqlite: disk I/O error", Run::kFileSizeLimit},
  {"sweep_tiny", "sweep --data {data} --db {out}.sqlite --grid 2 --train-on original --hidden 8 --epochs 1", 0, "1 job(s) run"},
};
// clang-format on

void write_bytes(const std::filesystem::path& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

std::string idx_header(std::uint8_t type, std::vector<std::uint32_t> dims) {
  std::string out = {0, 0, static_cast<char>(type), static_cast<char>(dims.size())};
  for (std::uint32_t d : dims) {
    for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<char>(d >> shift));
  }
  return out;
}

std::string read_bytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Every file under `dir` with its size and modification time: a failed run must change none.
using Snapshot = std::map<std::filesystem::path, std::pair<std::uintmax_t, std::int64_t>>;
Snapshot snapshot(const std::filesystem::path& dir) {
  Snapshot files;
  for (const auto& file : files_under(dir)) {
    // A reader of a WAL database (summarize, report --db, merge's inputs) makes SQLite's
    // shared-memory index and log beside it; they hold no results.
    const std::string name = file.filename().string();
    if (name.ends_with(".sqlite-shm") || name.ends_with(".sqlite-wal")) continue;
    struct stat st {};
    ::stat(file.c_str(), &st);
    files[file] = {static_cast<std::uintmax_t>(st.st_size),
                   static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec};
  }
  return files;
}

// Runs a command that makes a fixture; it must succeed.
void make_with(const std::string& args) {
  const CommandResult result = run_command(savant_binary() + " " + args);
  if (result.exit_code != 0) {
    throw std::runtime_error("making a fixture failed: savant " + args + "\n" + result.output);
  }
}

// The fixtures that need a command's output, made on first use (see the top of the file).
std::filesystem::path fixture(const std::filesystem::path& r, const std::string& key) {
  const std::string kind = key.substr(0, key.find(':'));
  const std::string name = key.find(':') == std::string::npos ? "" : key.substr(key.find(':') + 1);
  const auto data = (r / "data").string();
  if (kind == "model") {
    const auto path = r / "model.safetensors";
    if (!std::filesystem::exists(path)) {
      make_with(fmt::format(
          "train --data {} --out {} --train-on shuffled --grid 2 --epochs 1 --hidden 8 --threads 1",
          data, path.string()));
    }
    return path;
  }
  if (kind == "run") {
    const auto path = r / "run";
    if (!std::filesystem::exists(path / "results.json")) {
      make_with(
          fmt::format("reproduce --data {} --out {} --grid 2 --epochs 1 --hidden 8 --threads 1",
                      data, path.string()));
    }
    return path;
  }
  if (kind == "db") {
    const auto path = r / "sweep.sqlite";
    if (!std::filesystem::exists(path)) {
      make_with(fmt::format(
          "sweep --data {} --db {} --grid 2 --train-on original --hidden 8 --epochs 1 --threads 1",
          data, path.string()));
    }
    return path;
  }
  if (kind == "sqlite") {
    const auto path = r / "other.sqlite";
    if (!std::filesystem::exists(path)) {
      sqlite3* db = nullptr;
      sqlite3_open(path.c_str(), &db);
      sqlite3_exec(db, "CREATE TABLE notes (text TEXT); INSERT INTO notes VALUES ('not savant');",
                   nullptr, nullptr, nullptr);
      sqlite3_close(db);
    }
    return path;
  }
  if (kind == "unreadable") {
    const auto path = r / "unreadable.safetensors";
    if (!std::filesystem::exists(path)) {
      std::filesystem::copy_file(fixture(r, "model"), path);
      ::chmod(path.c_str(), 0);
    }
    return path;
  }
  if (kind == "badmodel") {
    const auto path = r / ("badmodel-" + name + ".safetensors");
    std::string bytes = read_bytes(fixture(r, "model"));
    if (name == "truncated") {
      bytes.resize(bytes.size() / 2);
    } else if (name == "empty") {
      bytes.clear();
    } else if (name == "corrupt_header") {
      for (std::size_t i = 8; i < 24 && i < bytes.size(); ++i) bytes[i] = 'x';
    } else {
      throw std::runtime_error("no broken model " + name);
    }
    write_bytes(path, bytes);
    return path;
  }
  if (kind == "badrun") {
    const auto path = r / ("badrun-" + name);
    std::filesystem::copy(fixture(r, "run"), path, std::filesystem::copy_options::recursive);
    const auto results = path / "results.json";
    nlohmann::json json = nlohmann::json::parse(read_bytes(results));
    const std::string text = read_bytes(results);
    if (name == "not_json") {
      write_bytes(results, text.substr(0, text.size() / 2));
    } else if (name == "empty") {
      write_bytes(results, "");
    } else if (name == "huge_number") {
      write_bytes(results, R"({"accuracy": 1e400})");
    } else if (name == "array") {
      write_bytes(results, "[1, 2]");
    } else if (name == "missing_key") {
      json["accuracy"]["shuffled_model"].erase("original_test");
      write_bytes(results, json.dump(2));
    } else if (name == "wrong_type") {
      json["config"]["grid"] = "four";
      write_bytes(results, json.dump(2));
    } else if (name == "bad_grid") {
      json["config"]["grid"] = 3;
      write_bytes(results, json.dump(2));
    } else if (name == "huge_image") {
      // 2^62 x 4 pixels: the product wraps around to 0.
      json["data"]["image_rows"] = std::uint64_t{1} << 62;
      json["data"]["image_cols"] = 4;
      write_bytes(results, json.dump(2));
    } else if (name == "results_directory") {
      std::filesystem::remove(results);
      std::filesystem::create_directory(results);
    } else if (name == "unreadable") {
      ::chmod(results.c_str(), 0);
    } else if (name == "no_model") {
      std::filesystem::remove(path / "shuffled_model.safetensors");
    } else if (name == "corrupt_model") {
      const std::string model = read_bytes(path / "original_model.safetensors");
      write_bytes(path / "original_model.safetensors", model.substr(0, model.size() / 3));
    } else {
      throw std::runtime_error("no broken run " + name);
    }
    return path;
  }
  if (kind == "data") {
    // Valid data sets of images another size than {data}'s: 4x6 (grid 2 divides them, not 4)
    // and 5x7 (only grid 1).
    const auto path = r / ("data-" + name);
    const std::map<std::string, std::pair<std::size_t, std::size_t>> sizes = {{"wide", {4, 6}},
                                                                              {"odd", {5, 7}}};
    const auto [rows, cols] = sizes.at(name);
    if (!std::filesystem::exists(path)) {
      write_dataset(path, random_split(96, rows, cols, 10, 1), random_split(32, rows, cols, 10, 2),
                    false);
    }
    return path;
  }
  if (kind == "foreign") {
    // Models with the tensors alone, in Keras' layout, as PyTorch or another tool writes them:
    // no savant metadata ("pytorch": PyTorch's {"format": "pt"}).
    const auto path = r / ("foreign-" + name + ".safetensors");
    if (std::filesystem::exists(path)) return path;
    TensorFile file;
    if (name == "plain" || name == "pytorch") {
      file = read_safetensors(fixture(r, "model"));
      file.metadata.clear();
      if (name == "pytorch") file.metadata["format"] = "pt";
    } else {
      const std::map<std::string, std::vector<std::size_t>> shapes = {
          {"no_hidden", {64, 10}},       {"one_unit", {64, 1, 10}}, {"deep", {64, 5, 3, 10}},
          {"wide", {24, 4, 10}},         {"odd", {35, 4, 10}},      {"odd_square", {49, 4, 10}},
          {"many_classes", {64, 4, 300}}};
      Network net{ParameterLayout(shapes.at(name))};
      glorot_uniform_init(net, 3);
      file = network_to_tensors(net, {});
    }
    write_safetensors(path, file);
    return path;
  }
  if (kind == "toml") {
    const auto path = r / ("sweep-" + name + ".toml");
    const std::map<std::string, std::string> files = {
        {"malformed", "grid = [2, 4\n"},
        {"unknown_key", "grid = 2\ncolour = \"red\"\n"},
        {"bad_value", "grid = \"four\"\n"},
        {"table", "[grid]\nx = 1\n"},
        {"unreadable", "grid = 2\n"}};
    write_bytes(path, files.at(name));
    if (name == "unreadable") ::chmod(path.c_str(), 0);
    return path;
  }
  throw std::runtime_error("unknown placeholder {" + key + "}");
}

// A valid data set and broken copies of it, built once for all cases.
class CliTable : public ::testing::TestWithParam<CliCase> {
 protected:
  static void SetUpTestSuite() {
    root_ = std::make_unique<TempDir>();
    const auto& r = root_->path();
    train_ = random_split(96, 8, 8, 10, 1);
    test_ = random_split(32, 8, 8, 10, 2);
    write_dataset(r / "data", train_, test_, false);
    write_bytes(r / "a-file", "not a directory\n");
    std::filesystem::create_directories(r / "empty-dir");
    std::filesystem::create_directories(r / "readonly");
    ::chmod((r / "readonly").c_str(), 0555);

    auto broken = [&](const std::string& name, bool gzip = false) {
      const auto dir = r / ("bad-" + name);
      write_dataset(dir, train_, test_, gzip);
      return dir;
    };
    const std::string images = "train-images-idx3-ubyte";
    {
      auto d = broken("file_is_directory");
      std::filesystem::remove(d / images);
      std::filesystem::create_directories(d / images);
    }
    ::chmod((broken("unreadable") / images).c_str(), 0);
    write_bytes(broken("bad_magic") / images, "GIF89a" + std::string(64, '\0'));
    write_bytes(broken("float_type") / images, idx_header(0x0d, {1, 1, 1}) + std::string(4, '\0'));
    write_bytes(broken("wrong_rank") / images, idx_header(0x08, {1}) + std::string(1, '\0'));
    write_bytes(broken("zero_dimension") / images, idx_header(0x08, {0, 8, 8}));
    write_bytes(broken("empty_file") / images, "");
    write_bytes(broken("truncated") / images, idx_header(0x08, {96, 8, 8}) + std::string(100, 'x'));
    write_bytes(broken("huge_claim") / images, idx_header(0x08, {60000, 28, 28}) + "0123456789");
    write_bytes(broken("over_limit_claim") / images,
                idx_header(0x08, {0xFFFFFFFF, 0xFFFFFF, 0xFFFF}) + "0123456789");
    write_bytes(broken("extra_bytes") / images,
                idx_header(0x08, {96, 8, 8}) + std::string(96 * 64 + 1, 'x'));
    {
      auto d = broken("corrupt_gzip", true);
      std::ifstream in(d / (images + ".gz"), std::ios::binary);
      std::string gz{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
      for (std::size_t i = 20; i < gz.size(); i += 7) gz[i] = static_cast<char>(gz[i] ^ 0x5a);
      write_bytes(d / (images + ".gz"), gz);
    }
    {
      auto d = broken("count_mismatch");
      std::vector<std::uint8_t> fewer(train_.labels.begin(), train_.labels.end() - 1);
      write_idx_labels(d / "train-labels-idx1-ubyte", fewer);
    }
    {
      auto d = broken("label_out_of_range");
      std::vector<std::uint8_t> labels = train_.labels;
      labels[5] = 10;
      write_idx_labels(d / "train-labels-idx1-ubyte", labels);
    }
    {
      auto d = broken("sizes_differ");
      Split small = random_split(32, 4, 4, 10, 3);
      write_idx_images(d / "t10k-images-idx3-ubyte", small.images);
    }
  }
  static void TearDownTestSuite() {
    ::chmod((root_->path() / "readonly").c_str(), 0755);
    root_.reset();
  }

  static std::unique_ptr<TempDir> root_;
  static Split train_, test_;
};

std::unique_ptr<TempDir> CliTable::root_;
Split CliTable::train_, CliTable::test_;

std::string replace_all(std::string text, const std::string& from, const std::string& to) {
  for (std::size_t at = text.find(from); at != std::string::npos; at = text.find(from, at)) {
    text.replace(at, from.size(), to);
    at += to.size();
  }
  return text;
}

TEST_P(CliTable, ExitCodeMessageAndNoPartialOutput) {
  const CliCase& c = GetParam();
  const auto& r = root_->path();
  const std::filesystem::path out = r / fmt::format("out-{}", c.name);
  std::string args = c.args;
  for (std::size_t at = args.find("{bad:"); at != std::string::npos; at = args.find("{bad:")) {
    const std::size_t end = args.find('}', at);
    const std::string name = args.substr(at + 5, end - at - 5);
    args.replace(at, end - at + 1, (r / ("bad-" + name)).string());
  }
  const std::map<std::string, std::filesystem::path> paths = {{"{data}", r / "data"},
                                                              {"{out}", out},
                                                              {"{missing}", r / "no-such-thing"},
                                                              {"{file}", r / "a-file"},
                                                              {"{dir}", r / "empty-dir"},
                                                              {"{readonly}", r / "readonly"}};
  for (const auto& [key, path] : paths) args = replace_all(args, key, path.string());
  const std::regex made(R"(\{([a-z]+(:[a-z_]+)?)\})");
  for (std::smatch m; std::regex_search(args, m, made);) {
    args.replace(static_cast<std::size_t>(m.position(0)), static_cast<std::size_t>(m.length(0)),
                 fixture(r, m[1].str()).string());
  }
  const Snapshot before = snapshot(r);

  std::string command = savant_binary() + " " + args;
  switch (c.run) {
    case Run::kPlain:
      break;
    case Run::kWithoutOverride:
      if (::geteuid() == 0) {
        command = "setpriv --bounding-set=-dac_override,-dac_read_search " + command;
      }
      break;
    case Run::kFileSizeLimit:
      command = "bash -c 'ulimit -f 2; exec " + command + "'";
      break;
  }
  const CommandResult result = run_command(command);
  SCOPED_TRACE(command + "\n" + result.output);
  EXPECT_EQ(result.exit_code, c.exit_code);
  EXPECT_NE(result.output.find(c.message), std::string::npos)
      << "the output does not mention '" << c.message << "'";
  if (c.exit_code != 0) {
    // savant's words, not CLI11's: "savant: error: " and a lower-case sentence.
    const std::size_t error = result.output.find("savant: error: ");
    ASSERT_NE(error, std::string::npos);
    const std::string first_word =
        result.output.substr(error + 15, result.output.find(' ', error + 15) - error - 15);
    EXPECT_FALSE(first_word.size() > 1 && std::isupper(static_cast<unsigned char>(first_word[0])) &&
                 std::islower(static_cast<unsigned char>(first_word[1])))
        << "a capitalised message: " << first_word;
    for (const char* cli11 : {"The following argument", "Could not convert", "A subcommand",
                              "Run with --help", "required but received"}) {
      EXPECT_EQ(result.output.find(cli11), std::string::npos) << cli11;
    }
    // A failed run leaves no result behind, whole or partial, and no temporary file.
    EXPECT_TRUE(files_under(out).empty());
    EXPECT_TRUE(files_under(r / "readonly").empty());
    // Nor does it touch any other file.
    const Snapshot after = snapshot(r);
    for (const auto& [file, stat] : after) {
      EXPECT_TRUE(before.contains(file)) << "a failed run left " << file;
      if (before.contains(file)) {
        EXPECT_EQ(before.at(file), stat) << "a failed run changed " << file;
      }
    }
    for (const auto& [file, stat] : before) {
      EXPECT_TRUE(after.contains(file)) << "a failed run removed " << file;
    }
  } else {
    for (const auto& file : files_under(out)) {
      EXPECT_FALSE(is_atomic_temporary(file)) << file;
      // result_file_problem knows reproduce's files.
      if (std::string(c.args).starts_with("reproduce")) {
        EXPECT_EQ(result_file_problem(file), "") << file;
      }
    }
  }
}

// Beyond the table: random combinations of options and values, good and bad, must each end
// with exit code 0 to 5 and never with a signal, an uncaught exception or a sanitizer
// report. The seed is printed on failure.
TEST_F(CliTable, RandomArgumentsNeverCrash) {
  const std::vector<std::string> options = {
      "--grid", "--shuffle", "--hidden",      "--epochs", "--batch", "--learning-rate",
      "--seed", "--threads", "--train-limit", "--data",   "--bogus"};
  const std::vector<std::string> values = {"0",
                                           "1",
                                           "2",
                                           "3",
                                           "4",
                                           "8",
                                           "-1",
                                           "1.5",
                                           "1e9",
                                           "nan",
                                           "inf",
                                           "-inf",
                                           "x",
                                           "''",
                                           "99999999999999999999999",
                                           "derange",
                                           "permute",
                                           "fixed",
                                           "none",
                                           "0x10",
                                           "1e-45",
                                           (root_->path() / "bad-truncated").string(),
                                           (root_->path() / "a-file").string()};
  const unsigned seed = std::random_device{}();
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937 rng(seed);
  auto pick = [&](const std::vector<std::string>& from) {
    return from[std::uniform_int_distribution<std::size_t>(0, from.size() - 1)(rng)];
  };
  for (int run = 0; run < 30; ++run) {
    const auto out = root_->path() / fmt::format("random-{}", run);
    std::string command =
        fmt::format("{} reproduce --data {} --out {} --epochs 1 --hidden 8", savant_binary(),
                    (root_->path() / "data").string(), out.string());
    const int count = std::uniform_int_distribution<int>(1, 3)(rng);
    for (int k = 0; k < count; ++k) command += fmt::format(" {} {}", pick(options), pick(values));
    const CommandResult result = run_command(command);
    SCOPED_TRACE(command + "\n" + result.output);
    EXPECT_TRUE(result.exit_code >= 0 && result.exit_code <= 5);  // success or a kind of error
    for (const char* bad : {"terminate called", "Sanitizer", "runtime error", "Aborted"}) {
      EXPECT_EQ(result.output.find(bad), std::string::npos) << bad;
    }
    if (result.exit_code != 0) {
      // savant's words, not CLI11's: "savant: error: " and a lower-case sentence.
      const std::size_t error = result.output.find("savant: error: ");
      ASSERT_NE(error, std::string::npos);
      const std::string first_word =
          result.output.substr(error + 15, result.output.find(' ', error + 15) - error - 15);
      EXPECT_FALSE(first_word.size() > 1 &&
                   std::isupper(static_cast<unsigned char>(first_word[0])) &&
                   std::islower(static_cast<unsigned char>(first_word[1])))
          << "a capitalised message: " << first_word;
      for (const char* cli11 : {"The following argument", "Could not convert", "A subcommand",
                                "Run with --help", "required but received"}) {
        EXPECT_EQ(result.output.find(cli11), std::string::npos) << cli11;
      }
      EXPECT_TRUE(files_under(out).empty());
    }
  }
}

// --engine portable trains on the portable engine, and the run says so: results.json's config
// and the model file's metadata name the engine that trained it.
TEST_F(CliTable, EngineIsForcedAndRecorded) {
  const auto out = root_->path() / "engine-portable";
  const CommandResult run = run_command(
      fmt::format("{} reproduce --data {} --out {} --epochs 1 --hidden 8 --engine portable",
                  savant_binary(), (root_->path() / "data").string(), out.string()));
  ASSERT_EQ(run.exit_code, 0) << run.output;
  std::ifstream results(out / "results.json");
  const nlohmann::json j = nlohmann::json::parse(results);
  EXPECT_EQ(j.at("config").at("engine"), "general-portable");
  const std::string model = read_bytes(out / "original_model.safetensors");
  EXPECT_NE(model.find(R"("engine":"general-portable")"), std::string::npos);

  const auto file = root_->path() / "engine-portable.safetensors";
  const CommandResult train = run_command(fmt::format(
      "{} train --data {} --out {} --train-on original --epochs 1 --hidden 8 --engine portable",
      savant_binary(), (root_->path() / "data").string(), file.string()));
  ASSERT_EQ(train.exit_code, 0) << train.output;
  EXPECT_NE(read_bytes(file).find(R"("engine":"general-portable")"), std::string::npos);
  // Its summary names the engine that trained, not the choice ("auto" or "portable").
  EXPECT_NE(train.output.find(" s (general-portable)\n"), std::string::npos) << train.output;
  std::filesystem::remove_all(out);
  std::filesystem::remove(file);
}

INSTANTIATE_TEST_SUITE_P(Savant, CliTable, ::testing::ValuesIn(kCases),
                         [](const ::testing::TestParamInfo<CliCase>& param) {
                           return std::string(param.param.name);
                         });

}  // namespace
}  // namespace savant::testing
