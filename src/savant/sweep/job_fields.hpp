#pragma once
// The settings of a sweep's jobs by name, as summarize's filter and grouping (--where, --by,
// filter.hpp) name them, and the words of their messages.

#include <string>
#include <string_view>
#include <vector>

#include "savant/sweep/job.hpp"

namespace savant {

inline constexpr std::string_view kTrainOnField = "train_on";

// The names a filter and a grouping take: job_settings()' names, train_on and seed.
std::vector<std::string> job_field_names();

// The name of the field `typed` names: as typed, with '-' for '_' ("train-on"), or a setting's
// old name ("lr"); empty when it names none.
std::string field_name(std::string_view typed);
// Why `typed` names no field, with the one likely meant and the list of them.
std::string unknown_field(std::string_view typed);

// A character as a message shows it: itself in quotes when printable, else its code.
std::string shown_char(char c);
// `text` in quotes as a message shows it: non-printable bytes as \xNN (a filter may hold
// anything, and a message must not carry escape sequences to the terminal), cut after 80.
std::string quoted_text(std::string_view text);
// A character of a name or a bare value: letters, digits and _ . : + -.
bool filter_word_char(char c);

// "grid,shuffle" as the names to group by, each one of job_field_names() (with '-' or '_'),
// none twice. Throws InvalidSetting for the setting "by".
std::vector<std::string> parse_grouping(std::string_view text);

}  // namespace savant
