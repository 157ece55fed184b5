#include "savant/sweep/filter.hpp"

#include <algorithm>
#include <cctype>

#include <fmt/format.h>

#include "savant/core/error.hpp"

namespace savant {
namespace {

enum class Op { kEqual, kNotEqual, kLess, kLessEqual, kGreater, kGreaterEqual };

// A field of a job a filter names: a setting, or (setting null) the training regime.
struct Field {
  std::string name;
  const Setting* setting = nullptr;
  bool ordered() const {
    return setting != nullptr &&
           (setting->type == SettingType::kWhole || setting->type == SettingType::kNumber);
  }
};

// A value as the field compares it: a setting's rank (its number, or a choice's index), or the
// regime's canonical text.
struct Value {
  double rank = 0;
  std::string text;
};

Value value_of(const Field& f, const JobConfig& job) {
  if (f.setting == nullptr) return {0, to_string(job.train_on)};
  return {f.setting->rank(job), {}};
}

bool equal(const Field& f, const Value& a, const Value& b) {
  return f.setting == nullptr ? a.text == b.text : a.rank == b.rank;
}

struct Token {
  enum Kind { kWord, kQuoted, kOpen, kClose, kComma, kOperator, kEnd } kind = kEnd;
  std::string text;
  std::size_t column = 0;  // 1-based, for messages
};

}  // namespace

struct JobFilter::Node {
  enum Kind { kAll, kAny, kNot, kCompare, kIn } kind = kAll;
  std::vector<std::shared_ptr<const Node>> children;  // kAll, kAny: two or more; kNot: one
  Field field;
  Op op = Op::kEqual;
  std::vector<Value> values;  // kCompare: one; kIn: one or more
  bool negated = false;       // kIn: 'not in'

  bool matches(const JobConfig& job) const {
    switch (kind) {
      case kAll:
        return std::all_of(children.begin(), children.end(),
                           [&](const auto& c) { return c->matches(job); });
      case kAny:
        return std::any_of(children.begin(), children.end(),
                           [&](const auto& c) { return c->matches(job); });
      case kNot:
        return !children.front()->matches(job);
      case kIn: {
        const Value v = value_of(field, job);
        const bool found = std::any_of(values.begin(), values.end(),
                                       [&](const Value& w) { return equal(field, v, w); });
        return found != negated;
      }
      case kCompare:
        break;
    }
    const Value v = value_of(field, job);
    const Value& w = values.front();
    switch (op) {
      case Op::kEqual:
        return equal(field, v, w);
      case Op::kNotEqual:
        return !equal(field, v, w);
      case Op::kLess:
        return v.rank < w.rank;
      case Op::kLessEqual:
        return v.rank <= w.rank;
      case Op::kGreater:
        return v.rank > w.rank;
      case Op::kGreaterEqual:
        return v.rank >= w.rank;
    }
    return false;
  }
};

namespace {

using Node = JobFilter::Node;
using NodePtr = std::shared_ptr<const Node>;

class Parser {
 public:
  explicit Parser(std::string_view text) : text_(text) {
    if (text.size() > kMaxFilterLength) {
      fail(fmt::format("longer than {} characters", kMaxFilterLength));
    }
    tokenize();
  }

  NodePtr parse() {
    if (tokens_.front().kind == Token::kEnd) fail("empty; give a condition such as grid=4");
    NodePtr root = expression(0);
    if (peek().kind != Token::kEnd) {
      fail(fmt::format("unexpected '{}' at column {}; join conditions with 'and' or 'or'",
                       peek().text, peek().column));
    }
    return root;
  }

 private:
  [[noreturn]] void fail(const std::string& problem) const {
    throw InvalidSetting("where", quoted_text(text_), problem);
  }

  void tokenize() {
    std::size_t i = 0;
    while (i < text_.size()) {
      const char c = text_[i];
      const std::size_t column = i + 1;
      if (c == ' ' || c == '\t') {
        ++i;
      } else if (c == '(' || c == ')' || c == ',') {
        tokens_.push_back({c == '('   ? Token::kOpen
                           : c == ')' ? Token::kClose
                                      : Token::kComma,
                           std::string(1, c), column});
        ++i;
      } else if (c == '=' || c == '!' || c == '<' || c == '>') {
        std::string op(1, c);
        if (i + 1 < text_.size() && text_[i + 1] == '=') op += '=';
        if (op == "!") fail(fmt::format("'!' at column {} must be followed by '='", column));
        tokens_.push_back({Token::kOperator, op, column});
        i += op.size();
      } else if (c == '\'' || c == '"') {
        const std::size_t end = text_.find(c, i + 1);
        if (end == std::string_view::npos) {
          fail(fmt::format("the quote at column {} is not closed", column));
        }
        const std::string_view inside = text_.substr(i + 1, end - i - 1);
        for (char q : inside) {
          if (!std::isprint(static_cast<unsigned char>(q))) {
            fail(fmt::format("{} in the quoted value at column {}", shown_char(q), column));
          }
        }
        tokens_.push_back({Token::kQuoted, std::string(inside), column});
        i = end + 1;
      } else if (filter_word_char(c)) {
        std::size_t end = i;
        while (end < text_.size() && filter_word_char(text_[end])) ++end;
        tokens_.push_back({Token::kWord, std::string(text_.substr(i, end - i)), column});
        i = end;
      } else {
        fail(fmt::format(
            "unexpected {} at column {}; a filter has names, values, comparisons (= != < <= > "
            ">=), in (...), and, or, not and parentheses",
            shown_char(c), column));
      }
    }
    tokens_.push_back({Token::kEnd, "the end", text_.size() + 1});
  }

  const Token& peek() const { return tokens_[next_]; }
  const Token& take() { return tokens_[next_ < tokens_.size() - 1 ? next_++ : next_]; }
  bool keyword(std::string_view word) const {
    const Token& t = peek();
    if (t.kind != Token::kWord || t.text.size() != word.size()) return false;
    for (std::size_t i = 0; i < word.size(); ++i) {
      if (std::tolower(static_cast<unsigned char>(t.text[i])) != word[i]) return false;
    }
    return true;
  }
  void enter(std::size_t depth) const {
    if (depth > kMaxFilterDepth) {
      fail(fmt::format("nested deeper than {} levels", kMaxFilterDepth));
    }
  }

  NodePtr expression(std::size_t depth) {
    enter(depth);
    std::vector<NodePtr> any{all(depth)};
    while (keyword("or")) {
      take();
      any.push_back(all(depth));
    }
    if (any.size() == 1) return any.front();
    auto node = std::make_shared<Node>();
    node->kind = Node::kAny;
    node->children = std::move(any);
    return node;
  }

  NodePtr all(std::size_t depth) {
    std::vector<NodePtr> every{one(depth)};
    while (keyword("and")) {
      take();
      every.push_back(one(depth));
    }
    if (every.size() == 1) return every.front();
    auto node = std::make_shared<Node>();
    node->kind = Node::kAll;
    node->children = std::move(every);
    return node;
  }

  NodePtr one(std::size_t depth) {
    enter(depth + 1);
    if (keyword("not")) {
      take();
      auto node = std::make_shared<Node>();
      node->kind = Node::kNot;
      node->children.push_back(one(depth + 1));
      return node;
    }
    if (peek().kind == Token::kOpen) {
      take();
      NodePtr inner = expression(depth + 1);
      expect(Token::kClose, "')'");
      return inner;
    }
    return condition();
  }

  void expect(Token::Kind kind, std::string_view what) {
    if (peek().kind != kind) {
      fail(fmt::format("expected {} at column {}, found '{}'", what, peek().column, peek().text));
    }
    take();
  }

  NodePtr condition() {
    const Token name = take();
    if (name.kind != Token::kWord) {
      fail(fmt::format("expected a setting's name at column {}, found '{}'", name.column,
                       name.text));
    }
    auto node = std::make_shared<Node>();
    node->field.name = field_name(name.text);
    if (node->field.name.empty()) fail(unknown_field(name.text));
    if (node->field.name != kTrainOnField) node->field.setting = find_setting(node->field.name);
    if (keyword("not") || keyword("in")) {
      node->kind = Node::kIn;
      node->negated = keyword("not");
      if (node->negated) {
        take();
        if (!keyword("in")) fail(fmt::format("expected 'in' at column {}", peek().column));
      }
      take();
      expect(Token::kOpen, "'(' and a list of values");
      node->values.push_back(value(node->field));
      while (peek().kind == Token::kComma) {
        take();
        node->values.push_back(value(node->field));
      }
      expect(Token::kClose, "')' or ','");
      return node;
    }
    const Token op = take();
    if (op.kind != Token::kOperator) {
      fail(fmt::format("expected a comparison (= != < <= > >=) or 'in' after {} at column {}",
                       node->field.name, op.column));
    }
    node->kind = Node::kCompare;
    node->op = op.text == "!="   ? Op::kNotEqual
               : op.text == "<"  ? Op::kLess
               : op.text == "<=" ? Op::kLessEqual
               : op.text == ">"  ? Op::kGreater
               : op.text == ">=" ? Op::kGreaterEqual
                                 : Op::kEqual;
    const bool ordering = node->op != Op::kEqual && node->op != Op::kNotEqual;
    if (ordering && !node->field.ordered()) {
      fail(fmt::format("{} is not a number: compare it with = != or in (...), not {}",
                       node->field.name, op.text));
    }
    node->values.push_back(value(node->field));
    return node;
  }

  // A literal, parsed as the field's setting parses its values.
  Value value(const Field& field) {
    const Token t = take();
    if (t.kind != Token::kWord && t.kind != Token::kQuoted) {
      fail(fmt::format("expected a value of {} at column {}, found '{}'", field.name, t.column,
                       t.text));
    }
    try {
      if (field.setting == nullptr) return {0, to_string(parse_regime(t.text))};
      JobConfig parsed;
      field.setting->parse(parsed, t.text);
      return {field.setting->rank(parsed), {}};
    } catch (const InvalidSetting& e) {
      fail(fmt::format("{} {}: {}", field.name, e.value(), e.problem()));
    } catch (const Error& e) {
      fail(fmt::format("{} '{}': {}", field.name, t.text, e.what()));
    }
  }

  std::string_view text_;
  std::vector<Token> tokens_;
  std::size_t next_ = 0;
};

}  // namespace

JobFilter::JobFilter() = default;

JobFilter::JobFilter(std::string_view text) : root_(Parser(text).parse()) {}

bool JobFilter::matches(const JobConfig& job) const {
  return root_ == nullptr || root_->matches(job);
}

std::vector<StoredJob> filter_jobs(const std::vector<StoredJob>& jobs, const JobFilter& filter) {
  std::vector<StoredJob> out;
  for (const StoredJob& job : jobs) {
    if (filter.matches(job.config)) out.push_back(job);
  }
  return out;
}

}  // namespace savant
