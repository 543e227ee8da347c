#include "litemig/normalize.hpp"

#include "litemig/errors.hpp"

#include "litemig/sql_tokens.hpp"
#include "litemig/sqlite.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <stdexcept>

namespace litemig {

namespace {

std::string upper_ascii(std::string_view text) {
  std::string result(text);
  for (char& c : result) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return result;
}

// A cursor over the tokens of one CREATE TABLE statement.
class table_parser {
 public:
  explicit table_parser(std::string_view sql) : sql_(sql), tokens_(tokenize(sql)) {}

  table parse() {
    table result;
    result.sql = std::string(sql_);
    expect_word("create");
    if (peek_word("temp") || peek_word("temporary")) ++pos_;
    expect_word("table");
    skip_if_not_exists();
    result.name = identifier("table name");
    if (peek_punct(".")) {
      ++pos_;
      result.name = identifier("table name");
    }
    expect_punct("(");
    while (true) {
      const auto end = item_end();
      parse_item(result, pos_, end);
      pos_ = end;
      if (peek_punct(",")) {
        ++pos_;
        continue;
      }
      expect_punct(")");
      break;
    }
    while (pos_ < tokens_.size()) {
      if (peek_word("without")) {
        ++pos_;
        expect_word("rowid");
        result.without_rowid = true;
      } else if (peek_word("strict")) {
        ++pos_;
        result.strict = true;
      } else if (peek_punct(",") || peek_punct(";")) {
        ++pos_;
      } else {
        fail("unexpected text after the column list");
      }
    }
    std::sort(result.uniques.begin(), result.uniques.end(), [](const auto& a, const auto& b) {
      return key_text(a.parts) < key_text(b.parts);
    });
    std::sort(result.checks.begin(), result.checks.end());
    std::sort(result.foreign_keys.begin(), result.foreign_keys.end(), [](const auto& a, const auto& b) {
      return std::tie(a.columns, a.parent_table) < std::tie(b.columns, b.parent_table);
    });
    return result;
  }

 private:
  static std::string key_text(const std::vector<key_part>& parts) {
    std::string text;
    for (const auto& p : parts) text += p.expression + "\x1f";
    return text;
  }

  [[noreturn]] void fail(const std::string& what) const {
    throw failure(exit_code::failure, fmt::format("cannot read CREATE TABLE ({}): {}", what, std::string(sql_.substr(0, 80))));
  }

  bool peek_word(std::string_view w, std::size_t ahead = 0) const {
    return pos_ + ahead < tokens_.size() && tokens_[pos_ + ahead].is_word(w);
  }
  bool peek_punct(std::string_view p) const { return pos_ < tokens_.size() && tokens_[pos_].is_punct(p); }
  void expect_word(std::string_view w) {
    if (!peek_word(w)) fail(fmt::format("expected {}", w));
    ++pos_;
  }
  void expect_punct(std::string_view p) {
    if (!peek_punct(p)) fail(fmt::format("expected '{}'", p));
    ++pos_;
  }
  void skip_if_not_exists() {
    if (peek_word("if") && peek_word("not", 1) && peek_word("exists", 2)) pos_ += 3;
  }
  std::string identifier(std::string_view what) {
    if (pos_ >= tokens_.size()) fail(fmt::format("missing {}", what));
    const auto& t = tokens_[pos_];
    if (t.kind != token_kind::word && t.kind != token_kind::quoted_identifier && t.kind != token_kind::string) {
      fail(fmt::format("expected {}", what));
    }
    ++pos_;
    return t.kind == token_kind::word ? std::string(sql_.substr(t.offset, t.text.size())) : t.value;
  }

  // The end of the comma-separated item starting at pos_ (a top-level ',' or the closing ')').
  std::size_t item_end() const {
    int depth = 0;
    for (std::size_t i = pos_; i < tokens_.size(); ++i) {
      if (tokens_[i].is_punct("(")) ++depth;
      if (tokens_[i].is_punct(")")) {
        if (depth == 0) return i;
        --depth;
      }
      if (depth == 0 && tokens_[i].is_punct(",")) return i;
    }
    fail("unbalanced parentheses");
  }

  std::size_t close_of(std::size_t open, std::size_t end) const {
    int depth = 0;
    for (std::size_t i = open; i < end; ++i) {
      if (tokens_[i].is_punct("(")) ++depth;
      if (tokens_[i].is_punct(")") && --depth == 0) return i;
    }
    fail("unbalanced parentheses");
  }

  std::string source_text(std::size_t begin, std::size_t end) const {
    if (begin >= end) return {};
    const auto from = tokens_[begin].offset;
    const auto to = tokens_[end - 1].offset + tokens_[end - 1].text.size();
    return std::string(sql_.substr(from, to - from));
  }

  // The DEFAULT value from BEGIN to END as an SQL expression: SQLite takes a lone identifier
  // there (`DEFAULT z`, `DEFAULT "z"`) as the text it spells, which an expression would read as
  // a column.
  std::string default_expression(std::size_t begin, std::size_t end) const {
    static constexpr std::array<std::string_view, 6> literal_words{"null", "true", "false", "current_time",
                                                                   "current_date", "current_timestamp"};
    const bool lone_identifier = end == begin + 1 && begin < tokens_.size() && tokens_[begin].is_identifier() &&
                                 std::none_of(literal_words.begin(), literal_words.end(),
                                              [&](std::string_view w) { return tokens_[begin].is_word(w); });
    if (!lone_identifier) return source_text(begin, end);
    const auto& t = tokens_[begin];
    return sqlite::quote_literal(t.kind == token_kind::word ? t.text : t.value);
  }

  static bool starts_column_constraint(const token& t) {
    static constexpr std::array<std::string_view, 11> words{"constraint", "primary", "not", "null", "unique", "check",
                                                            "default", "collate", "references", "generated", "as"};
    return t.kind == token_kind::word && std::find(words.begin(), words.end(), t.value) != words.end();
  }

  void parse_item(table& result, std::size_t begin, std::size_t end) {
    if (begin >= end) fail("empty column definition");
    if (is_table_constraint(begin, end)) {
      parse_table_constraint(result, tokens_[begin].is_word("constraint") ? begin + 2 : begin, end);
      return;
    }
    parse_column(result, begin, end);
  }

  // "unique" or "check" could also be a column name; a constraint is followed by '(' or KEY.
  bool is_table_constraint(std::size_t begin, std::size_t end) const {
    std::size_t i = begin;
    if (tokens_[i].is_word("constraint")) return true;
    if (i + 1 >= end) return false;
    const auto& next = tokens_[i + 1];
    if (tokens_[i].is_word("primary") || tokens_[i].is_word("foreign")) return next.is_word("key");
    return next.is_punct("(");
  }

  // A lone column name keys by its lower-cased name; anything else by its canonical text.
  std::string expression_key(std::size_t begin, std::size_t end) const {
    if (end == begin + 1 && tokens_[begin].is_identifier()) return lower_ascii(tokens_[begin].value);
    return canonical_text(tokens_, begin, end);
  }

  std::vector<key_part> key_parts(std::size_t open, std::size_t close, bool& autoincrement) const {
    std::vector<key_part> parts;
    std::size_t start = open + 1;
    for (std::size_t i = open + 1; i <= close; ++i) {
      int depth = 0;
      for (; i < close; ++i) {
        if (tokens_[i].is_punct("(")) ++depth;
        if (tokens_[i].is_punct(")")) --depth;
        if (depth == 0 && tokens_[i].is_punct(",")) break;
      }
      key_part part;
      std::size_t expr_end = i;
      for (std::size_t j = start; j < i; ++j) {
        if (tokens_[j].is_word("collate") || tokens_[j].is_word("asc") || tokens_[j].is_word("desc") ||
            tokens_[j].is_word("autoincrement")) {
          expr_end = std::min(expr_end, j);
          if (tokens_[j].is_word("collate") && j + 1 < i) part.collation = lower_ascii(tokens_[j + 1].value);
          if (tokens_[j].is_word("desc")) part.descending = true;
          if (tokens_[j].is_word("autoincrement")) autoincrement = true;
        }
      }
      part.expression = expression_key(start, expr_end);
      parts.push_back(std::move(part));
      start = i + 1;
    }
    return parts;
  }

  std::string conflict_clause(std::size_t& i, std::size_t end) const {
    if (i + 1 < end && tokens_[i].is_word("on") && tokens_[i + 1].is_word("conflict")) {
      const auto resolution = i + 2 < end ? tokens_[i + 2].value : std::string{};
      i += 3;
      return resolution == "abort" ? std::string{} : resolution;
    }
    return {};
  }

  foreign_key references_clause(std::size_t& i, std::size_t end) const {
    foreign_key fk;
    ++i;  // REFERENCES
    if (i >= end) fail("missing parent table");
    fk.parent_table = lower_ascii(tokens_[i].value);
    ++i;
    if (i < end && tokens_[i].is_punct("(")) {
      const auto close = close_of(i, end);
      for (std::size_t j = i + 1; j < close; ++j) {
        if (!tokens_[j].is_punct(",")) fk.parent_columns.push_back(lower_ascii(tokens_[j].value));
      }
      i = close + 1;
    }
    while (i < end) {
      const auto& t = tokens_[i];
      if (t.is_word("on") && i + 1 < end && !tokens_[i + 1].is_word("conflict")) {
        const bool on_delete = tokens_[i + 1].is_word("delete");
        std::string action;
        i += 2;
        if (i < end && (tokens_[i].is_word("set") || tokens_[i].is_word("no"))) {
          action = tokens_[i].value + " " + (i + 1 < end ? tokens_[i + 1].value : std::string{});
          i += 2;
        } else if (i < end) {
          action = tokens_[i].value;
          ++i;
        }
        if (action == "no action") action.clear();
        (on_delete ? fk.on_delete : fk.on_update) = action;
      } else if (t.is_word("match")) {
        i += 2;
      } else if (t.is_word("not") && i + 1 < end && tokens_[i + 1].is_word("deferrable")) {
        i += 2;
        if (i < end && tokens_[i].is_word("initially")) i += 2;
      } else if (t.is_word("deferrable")) {
        ++i;
        if (i + 1 < end && tokens_[i].is_word("initially")) {
          if (tokens_[i + 1].is_word("deferred")) fk.deferrable = "deferred";
          i += 2;
        }
      } else {
        break;
      }
    }
    return fk;
  }

  void parse_table_constraint(table& result, std::size_t i, std::size_t end) {
    const auto& t = tokens_[i];
    if (t.is_word("primary")) {
      i += 2;  // PRIMARY KEY
      if (i >= end || !tokens_[i].is_punct("(")) fail("expected '(' after PRIMARY KEY");
      const auto close = close_of(i, end);
      primary_key pk;
      pk.parts = key_parts(i, close, pk.autoincrement);
      i = close + 1;
      pk.on_conflict = conflict_clause(i, end);
      result.primary = std::move(pk);
    } else if (t.is_word("unique")) {
      ++i;
      if (i >= end || !tokens_[i].is_punct("(")) fail("expected '(' after UNIQUE");
      const auto close = close_of(i, end);
      unique_constraint u;
      bool ignored = false;
      u.parts = key_parts(i, close, ignored);
      i = close + 1;
      u.on_conflict = conflict_clause(i, end);
      result.uniques.push_back(std::move(u));
    } else if (t.is_word("check")) {
      ++i;
      const auto close = close_of(i, end);
      result.checks.push_back(canonical_text(tokens_, i, close + 1));
    } else if (t.is_word("foreign")) {
      i += 2;  // FOREIGN KEY
      if (i >= end || !tokens_[i].is_punct("(")) fail("expected '(' after FOREIGN KEY");
      const auto close = close_of(i, end);
      std::vector<std::string> columns;
      for (std::size_t j = i + 1; j < close; ++j) {
        if (!tokens_[j].is_punct(",")) columns.push_back(lower_ascii(tokens_[j].value));
      }
      i = close + 1;
      if (i >= end || !tokens_[i].is_word("references")) fail("expected REFERENCES");
      auto fk = references_clause(i, end);
      fk.columns = std::move(columns);
      result.foreign_keys.push_back(std::move(fk));
    } else {
      fail("unknown table constraint");
    }
  }

  void parse_column(table& result, std::size_t begin, std::size_t end) {
    pos_ = begin;
    column col;
    col.name = identifier("column name");
    col.definition_sql = source_text(begin, end);
    std::size_t i = pos_;
    std::string type;
    while (i < end && !starts_column_constraint(tokens_[i])) {
      const auto& t = tokens_[i];
      if (t.is_punct("(")) {
        const auto close = close_of(i, end);
        type += "(";
        for (std::size_t j = i + 1; j < close; ++j) type += tokens_[j].text;
        type += ")";
        i = close + 1;
        continue;
      }
      if (!type.empty()) type += ' ';
      type += upper_ascii(t.kind == token_kind::word ? t.value : t.value.empty() ? t.text : t.value);
      ++i;
    }
    col.type = type;
    while (i < end) {
      const auto& t = tokens_[i];
      if (t.is_word("constraint")) {
        i += 2;
      } else if (t.is_word("primary")) {
        i += 2;  // PRIMARY KEY
        primary_key pk;
        key_part part;
        if (i < end && (tokens_[i].is_word("asc") || tokens_[i].is_word("desc"))) {
          part.descending = tokens_[i].is_word("desc");
          ++i;
        }
        pk.on_conflict = conflict_clause(i, end);
        if (i < end && tokens_[i].is_word("autoincrement")) {
          pk.autoincrement = true;
          ++i;
        }
        part.expression = lower_ascii(col.name);
        pk.parts.push_back(std::move(part));
        result.primary = std::move(pk);
      } else if (t.is_word("not") && i + 1 < end && tokens_[i + 1].is_word("null")) {
        i += 2;
        col.not_null = true;
        conflict_clause(i, end);
      } else if (t.is_word("null")) {
        ++i;
        conflict_clause(i, end);
      } else if (t.is_word("unique")) {
        ++i;
        unique_constraint u;
        u.parts.push_back(key_part{lower_ascii(col.name), {}, false});
        u.on_conflict = conflict_clause(i, end);
        result.uniques.push_back(std::move(u));
      } else if (t.is_word("check")) {
        ++i;
        const auto close = close_of(i, end);
        col.checks.push_back(canonical_text(tokens_, i, close + 1));
        i = close + 1;
      } else if (t.is_word("default")) {
        ++i;
        std::size_t value_end = i + 1;
        if (i < end && tokens_[i].is_punct("(")) {
          value_end = close_of(i, end) + 1;
        } else if (i < end && (tokens_[i].is_punct("-") || tokens_[i].is_punct("+"))) {
          value_end = i + 2;
        }
        value_end = std::min(value_end, end);
        col.default_key = canonical_text(tokens_, i, value_end);
        col.default_sql = default_expression(i, value_end);
        i = value_end;
      } else if (t.is_word("collate")) {
        if (i + 1 < end) col.collation = lower_ascii(tokens_[i + 1].value);
        i += 2;
      } else if (t.is_word("references")) {
        auto fk = references_clause(i, end);
        fk.columns.push_back(lower_ascii(col.name));
        result.foreign_keys.push_back(std::move(fk));
      } else if (t.is_word("generated") || t.is_word("as")) {
        if (t.is_word("generated")) i += 2;  // GENERATED ALWAYS
        ++i;                                 // AS
        const auto close = close_of(i, end);
        col.generated_key = canonical_text(tokens_, i, close + 1);
        i = close + 1;
        if (i < end && (tokens_[i].is_word("stored") || tokens_[i].is_word("virtual"))) {
          col.generated_stored = tokens_[i].is_word("stored");
          ++i;
        }
      } else {
        fail(fmt::format("unexpected '{}' in column {}", t.text, col.name));
      }
    }
    if (col.collation == "binary") col.collation.clear();
    result.columns.push_back(std::move(col));
  }

  std::string_view sql_;
  std::vector<token> tokens_;
  std::size_t pos_ = 0;
};

// Position of the object name in a CREATE statement's tokens.
std::size_t name_position(const std::vector<token>& tokens) {
  std::size_t i = 1;  // after CREATE
  while (i < tokens.size() && (tokens[i].is_word("temp") || tokens[i].is_word("temporary") ||
                               tokens[i].is_word("unique") || tokens[i].is_word("virtual"))) {
    ++i;
  }
  ++i;  // TABLE / INDEX / VIEW / TRIGGER
  if (i + 2 < tokens.size() && tokens[i].is_word("if") && tokens[i + 1].is_word("not") && tokens[i + 2].is_word("exists")) {
    i += 3;
  }
  if (i + 2 < tokens.size() && tokens[i + 1].is_punct(".")) i += 2;  // schema-qualified
  return i;
}

}  // namespace

table normalize_table(std::string_view create_sql) { return table_parser(create_sql).parse(); }

std::string statement_key(std::string_view create_sql) {
  auto tokens = tokenize(create_sql);
  while (!tokens.empty() && tokens.back().is_punct(";")) tokens.pop_back();
  const auto name_at = name_position(tokens);
  if (name_at >= 3 && tokens[name_at - 1].is_word("exists") && tokens[name_at - 3].is_word("if")) {
    tokens.erase(tokens.begin() + static_cast<std::ptrdiff_t>(name_at - 3), tokens.begin() + static_cast<std::ptrdiff_t>(name_at));
  }
  std::string key;
  for (std::size_t i = 0; i < tokens.size(); ++i) {
    if (!key.empty()) key += ' ';
    key += canonical_text(tokens, i, i + 1);
  }
  return key;
}

namespace {

// An option value as FTS reads it: a word, a quoted identifier or a string, unquoted.
std::string option_value(const token& t) {
  if (t.kind != token_kind::string) return t.kind == token_kind::word ? t.text : t.value;
  std::string value;
  for (std::size_t i = 1; i + 1 < t.text.size(); ++i) {
    value += t.text[i];
    if (t.text[i] == '\'' && t.text[i + 1] == '\'') ++i;
  }
  return value;
}

}  // namespace

virtual_table normalize_virtual_table(std::string_view create_sql) {
  virtual_table v;
  v.sql = std::string(create_sql);
  v.key = statement_key(create_sql);
  const auto tokens = tokenize(create_sql);
  std::size_t at = 0;
  while (at + 1 < tokens.size() && !tokens[at].is_word("using")) ++at;
  if (at + 1 >= tokens.size()) return v;
  v.module = lower_ascii(tokens[at + 1].value);
  if (!v.is_full_text() || at + 2 >= tokens.size() || !tokens[at + 2].is_punct("(")) return v;
  // Arguments split at commas outside parentheses: "name=value" is an option, else a column.
  int depth = 0;
  std::size_t start = at + 3;
  for (std::size_t i = start; i < tokens.size(); ++i) {
    const bool open = tokens[i].is_punct("(");
    const bool close = tokens[i].is_punct(")");
    if (depth == 0 && (close || tokens[i].is_punct(",")) && i > start) {
      if (i > start + 1 && tokens[start + 1].is_punct("=")) {
        if (lower_ascii(tokens[start].value) == "content" && i == start + 3) v.content = option_value(tokens[start + 2]);
      } else if (tokens[start].is_identifier() || tokens[start].kind == token_kind::string) {
        v.columns.push_back(option_value(tokens[start]));
      }
      start = i + 1;
    }
    if (close && depth == 0) break;
    depth += open ? 1 : close ? -1 : 0;
  }
  return v;
}

std::string rename_in_create(std::string_view create_sql, std::string_view new_name) {
  const auto tokens = tokenize(create_sql);
  const auto at = name_position(tokens);
  if (at >= tokens.size()) throw failure(exit_code::failure, "cannot find the object name in: " + std::string(create_sql));
  const auto& name = tokens[at];
  std::string result(create_sql.substr(0, name.offset));
  result += sqlite::quote_identifier(new_name);
  result += create_sql.substr(name.offset + name.text.size());
  return result;
}

}  // namespace litemig
