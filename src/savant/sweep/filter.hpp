#pragma once
// Which jobs of a sweep a summary takes, and how it groups them (savant summarize --where and
// --by, docs/SWEEPS.md). The filter is a small language of its own, parsed here and evaluated on
// the jobs as read from the database: no part of it ever reaches SQL.
//
//   expression := all ('or' all)*
//   all        := one ('and' one)*
//   one        := 'not' one | '(' expression ')'
//              |  NAME OP VALUE | NAME ['not'] 'in' '(' VALUE (',' VALUE)* ')'
//   OP         := = | == | != | < | <= | > | >=   (the orderings only for numbers)
//
// NAME is a setting of a job's identity (grid, shuffle, hidden, ..., seed) or train_on, with '-'
// or '_'; VALUE a word (4, derange, mixed:0.5, 1e-3) or a quoted text, parsed as the setting
// parses its value, so that 0.0010 equals 0.001. Keywords are case-insensitive.

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "savant/sweep/job.hpp"
#include "savant/sweep/job_fields.hpp"

namespace savant {

// The longest filter text taken, and the deepest nesting of parentheses and 'not's.
inline constexpr std::size_t kMaxFilterLength = 4096;
inline constexpr std::size_t kMaxFilterDepth = 32;

class JobFilter {
 public:
  // Takes every job.
  JobFilter();
  // Parses `text`; throws InvalidSetting for the setting "where" saying what is wrong and where
  // (an unknown name with the likely one meant, a value the setting does not take, a character
  // the language does not have).
  explicit JobFilter(std::string_view text);
  bool matches(const JobConfig& job) const;

  struct Node;

 private:
  std::shared_ptr<const Node> root_;  // null: every job
};

// The jobs of `jobs` that `filter` takes, in their order.
std::vector<StoredJob> filter_jobs(const std::vector<StoredJob>& jobs, const JobFilter& filter);

}  // namespace savant
