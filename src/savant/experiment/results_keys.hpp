#pragma once
// The keys of results.json (results_schema.hpp): one table, which the reader checks a file
// against and a test checks the writer's output against. Internal to the schema's module and
// its tests.

#include <array>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace savant {

// The two models of a run and the two test sets each is evaluated on, as results.json names them.
inline const std::array<std::string, 2> kRunModels = {"original_model", "shuffled_model"};
inline const std::array<std::string, 2> kRunTests = {"original_test", "shuffled_test"};

}  // namespace savant

namespace savant::results_keys {

enum class Kind {
  kObject,
  kObjectOrNull,
  kArray,
  kString,
  kNumber,
  kNumberOrNull,
  kUnsigned,
  kScalar,  // a string, number, boolean or null: a setting (the configuration reads its own)
};
// kIfPresent: files of earlier versions lack the key; when there, it is checked, and so are the
// keys under it, which are required within it unless they say otherwise.
enum class Presence { kRequired, kIfPresent };
// How many entries an array holds.
enum class Length { kAny, kClasses, kGrid, kRows, kCols };

// One key. In a pointer, {m} stands for each of kRunModels, {t} for each of kRunTests, {w} for
// "trained" and "change", and * for every entry of an array or member of an object.
struct Key {
  std::string_view pointer;
  Kind kind;
  Presence presence = Presence::kRequired;
  Length length = Length::kAny;
};

inline constexpr Presence kIfPresent = Presence::kIfPresent;
inline constexpr Presence kRequired = Presence::kRequired;

// Every key of results.json, parents before their children. What each means: docs/SPEC.md and
// README's file list; results_file.cpp writes them.
inline constexpr Key kResultsKeys[] = {
    {"/savant_version", Kind::kString},
    {"/run", Kind::kObject, kIfPresent},
    {"/run/id", Kind::kString, kIfPresent},
    {"/run/started", Kind::kString},
    {"/run/command_line", Kind::kArray},
    {"/run/command_line/*", Kind::kString},
    {"/config", Kind::kObject},
    {"/config/data", Kind::kString},
    {"/config/shuffle", Kind::kString},
    {"/config/grid", Kind::kUnsigned},
    {"/config/hidden", Kind::kUnsigned},
    {"/config/epochs", Kind::kUnsigned},
    {"/config/batch", Kind::kUnsigned},
    {"/config/seed", Kind::kUnsigned},
    {"/config/threads", Kind::kUnsigned},
    {"/config/train_limit", Kind::kUnsigned},
    {"/config/*", Kind::kScalar},
    {"/machine", Kind::kObject, kIfPresent},
    {"/machine/host", Kind::kString, kIfPresent},
    {"/machine/cpu", Kind::kString, kIfPresent},
    {"/machine/system", Kind::kString, kIfPresent},
    {"/machine/hardware_threads", Kind::kUnsigned, kIfPresent},
    {"/data", Kind::kObject},
    {"/data/image_rows", Kind::kUnsigned},
    {"/data/image_cols", Kind::kUnsigned},
    {"/data/class_names", Kind::kArray},
    {"/data/class_names/*", Kind::kString},
    {"/data/train_images", Kind::kUnsigned},
    {"/data/test_images", Kind::kUnsigned},
    {"/data/train_crc32", Kind::kString, kIfPresent},
    {"/accuracy/{m}/{t}", Kind::kNumber},
    {"/article/{m}/{t}", Kind::kNumber},
    {"/confusion/{m}/{t}", Kind::kArray, kRequired, Length::kClasses},
    {"/confusion/{m}/{t}/*", Kind::kArray, kRequired, Length::kClasses},
    {"/confusion/{m}/{t}/*/*", Kind::kUnsigned},
    {"/evaluation", Kind::kObject, kIfPresent},
    {"/evaluation/{m}/{t}/accuracy", Kind::kNumber},
    {"/evaluation/{m}/{t}/per_class_accuracy", Kind::kArray, kRequired, Length::kClasses},
    {"/evaluation/{m}/{t}/per_class_accuracy/*", Kind::kNumberOrNull},
    {"/evaluation/{m}/{t}/confusion", Kind::kArray, kRequired, Length::kClasses},
    {"/evaluation/{m}/{t}/confusion/*", Kind::kArray, kRequired, Length::kClasses},
    {"/evaluation/{m}/{t}/confusion/*/*", Kind::kUnsigned},
    // Runs of a model without a dense first layer (cnn, local, mixer) have no grid signature,
    // adjacent correlation or units (experiment/first_layer.hpp).
    {"/grid_signature", Kind::kObject, kIfPresent},
    {"/grid_signature/{m}/within", Kind::kNumberOrNull},
    {"/grid_signature/{m}/across", Kind::kNumberOrNull},
    {"/grid_signature/{m}/contrast", Kind::kNumberOrNull},
    {"/grid_signature/{m}/within_pairs", Kind::kUnsigned, kIfPresent},
    {"/grid_signature/{m}/across_pairs", Kind::kUnsigned, kIfPresent},
    {"/adjacent_correlation", Kind::kObject, kIfPresent},
    {"/adjacent_correlation/{m}", Kind::kArray, kRequired, Length::kRows},
    {"/adjacent_correlation/{m}/*", Kind::kArray, kRequired, Length::kCols},
    {"/adjacent_correlation/{m}/*/*", Kind::kNumberOrNull},
    {"/history/{m}", Kind::kArray},
    {"/history/{m}/*/epoch", Kind::kUnsigned},
    {"/history/{m}/*/loss", Kind::kNumberOrNull},
    {"/history/{m}/*/train_accuracy", Kind::kNumber},
    {"/history/{m}/*/seconds", Kind::kNumber, kIfPresent},
    // Files of savant 0.9 and earlier have no test curves; null where a run skipped them
    // (epoch_eval none).
    {"/history/{m}/*/original_test_loss", Kind::kNumberOrNull, kIfPresent},
    {"/history/{m}/*/original_test_accuracy", Kind::kNumberOrNull, kIfPresent},
    {"/history/{m}/*/shuffled_test_loss", Kind::kNumberOrNull, kIfPresent},
    {"/history/{m}/*/shuffled_test_accuracy", Kind::kNumberOrNull, kIfPresent},
    // The first epoch whose training accuracy reached config.fit_threshold; null: not reached.
    {"/epochs_to_fit", Kind::kObject, kIfPresent},
    {"/epochs_to_fit/{m}", Kind::kNumberOrNull},
    {"/units", Kind::kObject, kIfPresent},
    {"/units/test_images", Kind::kUnsigned},
    {"/units/puzzles", Kind::kUnsigned},
    {"/units/{m}/specialisation/{w}/mean", Kind::kNumberOrNull},
    {"/units/{m}/specialisation/{w}/owned", Kind::kArray, kRequired, Length::kGrid},
    {"/units/{m}/specialisation/{w}/owned/*", Kind::kArray, kRequired, Length::kGrid},
    {"/units/{m}/specialisation/{w}/owned/*/*", Kind::kUnsigned},
    // Null when the grid has no pairs inside blocks or none across borders.
    {"/units/{m}/border_discontinuity/{w}", Kind::kObjectOrNull},
    {"/units/{m}/border_discontinuity/{w}/mean", Kind::kNumberOrNull},
    {"/units/{m}/border_discontinuity/{w}/median", Kind::kNumberOrNull},
    {"/units/{m}/lesions/test", Kind::kString},
    {"/units/{m}/lesions/baseline", Kind::kNumber},
    {"/units/{m}/lesions/accuracy", Kind::kArray, kRequired, Length::kGrid},
    {"/units/{m}/lesions/accuracy/*", Kind::kArray, kRequired, Length::kGrid},
    {"/units/{m}/lesions/accuracy/*/*", Kind::kNumberOrNull},
    {"/units/{m}/lesions/lost", Kind::kArray, kRequired, Length::kGrid},
    {"/units/{m}/lesions/lost/*", Kind::kArray, kRequired, Length::kGrid},
    {"/units/{m}/lesions/lost/*/*", Kind::kNumberOrNull},
    // Null for a grid of one block, which has no puzzles.
    {"/units/{m}/invariance", Kind::kObjectOrNull},
    {"/units/{m}/invariance/consistent", Kind::kNumber},
    {"/units/{m}/invariance/accuracy", Kind::kNumber},
    {"/units/comparison/{t}/cka", Kind::kNumberOrNull},
    {"/units/comparison/{t}/agreement", Kind::kNumber},
    {"/samples", Kind::kArray, kIfPresent},
    {"/samples/*", Kind::kUnsigned},
    {"/timing_seconds", Kind::kObject},
    {"/timing_seconds/*", Kind::kNumber},
    // Files of savant 0.8 and earlier have no warnings.
    {"/warnings", Kind::kArray, kIfPresent},
    {"/warnings/*", Kind::kString},
    // Checked in full by check_manifest (run_set.hpp).
    {"/manifest", Kind::kArray, kIfPresent},
    {"/manifest/*/file", Kind::kString},
    {"/manifest/*/bytes", Kind::kUnsigned},
    {"/manifest/*/sha256", Kind::kString},
};

// Ends a message about a bad key.
inline constexpr std::string_view kKeyHint =
    "results.json is damaged or from another program; rerun the reproduction";

bool matches(const nlohmann::json& v, Kind kind);
std::string_view describe(Kind kind);
// The names a segment of a pattern stands for; empty for "*".
std::vector<std::string> names_of(std::string_view segment);
std::vector<std::string_view> segments_of(std::string_view pointer);
// A member's name as a JSON pointer spells it (RFC 6901).
std::string escaped(std::string_view name);
// The key whose pointer is `pattern`, or null.
const Key* key_at(std::string_view pattern);
// Whether `pattern` describes the value at the pointer whose segments are `at`.
bool describes(std::string_view pattern, const std::vector<std::string>& at);

}  // namespace savant::results_keys
