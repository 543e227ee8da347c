#include "litemig/hints.hpp"

#include "litemig/errors.hpp"
#include "litemig/files.hpp"
#include "litemig/schema.hpp"
#include "litemig/sql_tokens.hpp"

#include <fmt/format.h>


namespace litemig {

namespace {

constexpr std::string_view printed_prefix = "hint:";

// Reads hint lines: words and SQL-quoted identifiers separated by spaces and dots.
class line_reader {
 public:
  line_reader(std::string_view line, const std::string& origin, int number)
      : line_(line), origin_(origin), number_(number) {}

  [[noreturn]] void fail(const std::string& cause) const {
    throw failure(exit_code::usage, fmt::format("{}:{}", origin_, number_), fmt::format("malformed hint: {}", cause));
  }

  void skip_space() {
    while (pos_ < line_.size() && (line_[pos_] == ' ' || line_[pos_] == '\t')) ++pos_;
  }

  bool at_end() {
    skip_space();
    return pos_ >= line_.size();
  }

  std::string keyword() {
    skip_space();
    const auto start = pos_;
    while (pos_ < line_.size() && std::isalpha(static_cast<unsigned char>(line_[pos_]))) ++pos_;
    return lower_ascii(line_.substr(start, pos_ - start));
  }

  void expect_keyword(std::string_view word) {
    const auto got = keyword();
    if (got != word) fail(fmt::format("expected '{}'{}", word, got.empty() ? "" : fmt::format(", found '{}'", got)));
  }

  std::string identifier(std::string_view what) {
    skip_space();
    if (pos_ >= line_.size()) fail(fmt::format("missing {}", what));
    if (line_[pos_] == '"') {
      std::string name;
      ++pos_;
      while (true) {
        if (pos_ >= line_.size()) fail(fmt::format("unterminated quoted {}", what));
        if (line_[pos_] == '"') {
          if (pos_ + 1 < line_.size() && line_[pos_ + 1] == '"') {
            name += '"';
            pos_ += 2;
            continue;
          }
          ++pos_;
          break;
        }
        name += line_[pos_++];
      }
      if (has_control_character(name)) fail(fmt::format("a control character in the quoted {}", what));
      return name;
    }
    const auto start = pos_;
    while (pos_ < line_.size() && line_[pos_] != ' ' && line_[pos_] != '\t' && line_[pos_] != '.') {
      // A quote inside a bare name would read back differently: such names must be quoted whole.
      if (line_[pos_] == '"' || line_[pos_] == '\'') fail(fmt::format("quote inside an unquoted {}", what));
      ++pos_;
    }
    if (pos_ == start) fail(fmt::format("missing {}", what));
    return std::string(line_.substr(start, pos_ - start));
  }

  void expect_dot() {
    skip_space();
    if (pos_ >= line_.size() || line_[pos_] != '.') fail("expected TABLE.COLUMN");
    ++pos_;
  }

  std::string rest() {
    skip_space();
    return std::string(line_.substr(pos_));
  }

 private:
  std::string_view line_;
  const std::string& origin_;
  int number_;
  std::size_t pos_ = 0;
};

std::string_view trim(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) text.remove_prefix(1);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.remove_suffix(1);
  return text;
}

// A '#' outside double quotes and single-quoted strings starts a comment.
std::string_view strip_comment(std::string_view line) {
  char quote = 0;
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quote) {
      if (c == quote) quote = 0;
    } else if (c == '"' || c == '\'') {
      quote = c;
    } else if (c == '#') {
      return line.substr(0, i);
    }
  }
  return line;
}

hint parse_line(std::string_view line, const std::string& origin, int number) {
  line_reader in(line, origin, number);
  // Names with control characters are never written into migrations; a tab only separates words.
  for (const char c : line) {
    if (c != '\t' && has_control_character(std::string_view(&c, 1))) in.fail("a control character");
  }
  hint h{};
  h.line = number;
  const auto verb = in.keyword();
  if (verb == "rename" || verb == "drop") {
    const auto object = in.keyword();
    if (object == "table") {
      h.table = in.identifier("table name");
      if (verb == "rename") {
        h.what = hint::kind::rename_table;
        in.expect_keyword("to");
        h.new_name = in.identifier("new table name");
      } else {
        h.what = hint::kind::drop_table;
      }
    } else if (object == "column") {
      h.table = in.identifier("table name");
      in.expect_dot();
      h.column = in.identifier("column name");
      if (verb == "rename") {
        h.what = hint::kind::rename_column;
        in.expect_keyword("to");
        h.new_name = in.identifier("new column name");
      } else {
        h.what = hint::kind::drop_column;
      }
    } else {
      in.fail(fmt::format("expected 'table' or 'column' after '{}'", verb));
    }
  } else if (verb == "name") {
    h.what = hint::kind::name;
    h.new_name = in.rest();
    if (h.new_name.empty()) in.fail("missing migration name after 'name'");
    return h;
  } else if (verb == "fill") {
    h.what = hint::kind::fill;
    h.table = in.identifier("table name");
    in.expect_dot();
    h.column = in.identifier("column name");
    in.expect_keyword("with");
    h.expression = in.rest();
    if (h.expression.empty()) in.fail("missing SQL expression after 'with'");
    return h;
  } else {
    in.fail(verb.empty() ? "expected rename, drop, fill or name" : fmt::format("unknown hint '{}'", verb));
  }
  if (!in.at_end()) in.fail(fmt::format("unexpected text '{}'", in.rest()));
  return h;
}

std::string hint_identifier(std::string_view name) {
  const bool plain = !name.empty() && name.find_first_of(" \t.\"#'") == std::string_view::npos;
  if (plain) return std::string(name);
  std::string quoted = "\"";
  for (char c : name) {
    quoted += c;
    if (c == '"') quoted += '"';
  }
  return quoted + "\"";
}

}  // namespace

std::string hint::text() const {
  switch (what) {
    case kind::rename_table: return fmt::format("rename table {} to {}", hint_identifier(table), hint_identifier(new_name));
    case kind::rename_column:
      return fmt::format("rename column {}.{} to {}", hint_identifier(table), hint_identifier(column), hint_identifier(new_name));
    case kind::drop_table: return fmt::format("drop table {}", hint_identifier(table));
    case kind::drop_column: return fmt::format("drop column {}.{}", hint_identifier(table), hint_identifier(column));
    case kind::fill:
      return fmt::format("fill {}.{} with {}", hint_identifier(table), hint_identifier(column), expression);
    case kind::name: return "name " + new_name;
  }
  return {};
}

const hint* hints::find_column_rename(std::string_view table, std::string_view old_column) const {
  for (const auto& h : entries) {
    if (h.what == hint::kind::rename_column && same_name(h.table, table) && same_name(h.column, old_column)) return &h;
  }
  return nullptr;
}

const hint* hints::find_drop_table(std::string_view table) const {
  for (const auto& h : entries) {
    if (h.what == hint::kind::drop_table && same_name(h.table, table)) return &h;
  }
  return nullptr;
}

const hint* hints::find_drop_column(std::string_view table, std::string_view column) const {
  for (const auto& h : entries) {
    if (h.what == hint::kind::drop_column && same_name(h.table, table) && same_name(h.column, column)) return &h;
  }
  return nullptr;
}

const hint* hints::find_fill(std::string_view table, std::string_view column) const {
  for (const auto& h : entries) {
    if (h.what == hint::kind::fill && same_name(h.table, table) && same_name(h.column, column)) return &h;
  }
  return nullptr;
}

const hint* hints::migration_name() const {
  for (const auto& h : entries) {
    if (h.what == hint::kind::name) return &h;
  }
  return nullptr;
}

std::vector<const hint*> hints::unused(const std::set<const hint*>& used) const {
  std::vector<const hint*> result;
  for (const auto& h : entries) {
    if (!used.contains(&h)) result.push_back(&h);
  }
  return result;
}

hints parse_hints(std::string_view text, const std::string& origin) {
  hints result;
  result.origin = origin;
  int number = 0;
  std::size_t start = 0;
  while (start <= text.size()) {
    auto end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    ++number;
    auto line = trim(strip_comment(text.substr(start, end - start)));
    // A line pasted as generate printed it.
    if (lower_ascii(line.substr(0, printed_prefix.size())) == printed_prefix) line = trim(line.substr(printed_prefix.size()));
    if (!line.empty()) result.entries.push_back(parse_line(line, origin, number));
    if (!line.empty() && result.entries.back().what == hint::kind::name) {
      for (const auto& h : result.entries) {
        if (h.what == hint::kind::name && h.line != number) {
          throw failure(exit_code::usage, fmt::format("{}:{}", origin, number),
                        fmt::format("malformed hint: a second name line (the first is line {})", h.line));
        }
      }
    }
    start = end + 1;
  }
  return result;
}

namespace {

// The table of FROM a fill names, by its name there or by the new name a rename hint gives it.
const table* filled_table(const hints& given, const hint& fill, const schema& from) {
  if (const auto* t = from.find_table(fill.table)) return t;
  for (const auto& h : given.entries) {
    if (h.what == hint::kind::rename_table && same_name(h.new_name, fill.table)) return from.find_table(h.table);
  }
  return nullptr;
}

}  // namespace

void check_fills(const hints& given, const std::set<const hint*>& used, sqlite::database& db, const schema& from) {
  for (const auto& h : given.entries) {
    if (h.what != hint::kind::fill || !used.contains(&h)) continue;
    const auto* t = filled_table(given, h, from);
    if (!t) continue;
    const auto refuse = [&](std::string_view cause) {
      throw failure(exit_code::usage, fmt::format("{}:{}", given.origin, h.line),
                    fmt::format("the fill of {}.{} must be one SQL expression over a row of {}: {}",
                                hint_identifier(h.table), hint_identifier(h.column), hint_identifier(t->name), cause));
    };
    // SQLite names the result column after the text of its expression: when that is not the
    // whole of "0 + (EXPRESSION)", the expression closed its parenthesis and went on. No rows pass
    // WHERE 0, so a row comes back only from an aggregate.
    const auto column = fmt::format("0 + ({})", h.expression);
    const auto select = fmt::format("SELECT {} FROM {} WHERE 0", column, sqlite::quote_identifier(t->name));
    try {
      auto statement = db.prepare(select);
      if (statement.sql().size() != select.size() || statement.column_count() != 1 || statement.column_name(0) != column) {
        refuse("more SQL follows the expression");
      }
      if (statement.step()) refuse("an aggregate folds the rows into one");
    } catch (const sqlite::error& e) {
      refuse(e.sqlite_message());
    }
  }
}

hints read_hints_file(const std::string& path) {
  // read_text_file refuses a FIFO or directory at once instead of waiting on it.
  return parse_hints(read_text_file(path), path);
}

}  // namespace litemig
