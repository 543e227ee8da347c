#include "litemig/sql_tokens.hpp"

#include "litemig/schema.hpp"
#include "litemig/sqlite.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>

namespace litemig {

namespace {

bool is_control(char c) {
  const auto u = static_cast<unsigned char>(c);
  return u < 0x20 || u == 0x7f;
}

bool is_word_start(unsigned char c) { return std::isalpha(c) || c == '_' || c >= 0x80; }
bool is_word_char(unsigned char c) { return std::isalnum(c) || c == '_' || c == '$' || c >= 0x80; }

// Reads a quoted run starting at POS (the opening quote) that ends at CLOSE, where a doubled
// closing character stands for itself. Returns the position after the closing quote.
std::size_t read_quoted(std::string_view sql, std::size_t pos, char close, std::string& value) {
  std::size_t i = pos + 1;
  while (i < sql.size()) {
    if (sql[i] == close) {
      if (close != ']' && i + 1 < sql.size() && sql[i + 1] == close) {
        value += close;
        i += 2;
        continue;
      }
      return i + 1;
    }
    value += sql[i++];
  }
  return sql.size();
}

// Every SQLite keyword: a name spelled like one must be quoted when litemig writes it.
constexpr std::array keywords = std::to_array<std::string_view>({
    "abort", "action", "add", "after", "all", "alter", "always", "analyze", "and", "as", "asc", "attach",
    "autoincrement", "before", "begin", "between", "by", "cascade", "case", "cast", "check", "collate", "column",
    "commit", "conflict", "constraint", "create", "cross", "current", "current_date", "current_time",
    "current_timestamp", "database", "default", "deferrable", "deferred", "delete", "desc", "detach", "distinct", "do",
    "drop", "each", "else", "end", "escape", "except", "exclude", "exclusive", "exists", "explain", "fail", "filter",
    "first", "following", "for", "foreign", "from", "full", "generated", "glob", "group", "groups", "having", "if",
    "ignore", "immediate", "in", "index", "indexed", "initially", "inner", "insert", "instead", "intersect", "into",
    "is", "isnull", "join", "key", "last", "left", "like", "limit", "match", "materialized", "natural", "no", "not",
    "nothing", "notnull", "null", "nulls", "of", "offset", "on", "or", "order", "others", "outer", "over",
    "partition", "plan", "pragma", "preceding", "primary", "query", "raise", "range", "recursive", "references",
    "regexp", "reindex", "release", "rename", "replace", "restrict", "returning", "right", "rollback", "row", "rows",
    "savepoint", "select", "set", "table", "temp", "temporary", "then", "ties", "to", "transaction", "trigger",
    "unbounded", "union", "unique", "update", "using", "vacuum", "values", "view", "virtual", "when", "where",
    "window", "with", "without", "true"});

bool is_keyword(std::string_view lower) {
  return std::find(keywords.begin(), keywords.end(), lower) != keywords.end();
}

bool is_plain_identifier(std::string_view name) {
  if (name.empty() || !(std::isalpha(static_cast<unsigned char>(name[0])) || name[0] == '_')) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return std::isalnum(u) || c == '_';
  });
}

std::string canonical_token(const token& t) {
  switch (t.kind) {
    case token_kind::word: return t.value;
    case token_kind::quoted_identifier: {
      const auto lower = lower_ascii(t.value);
      if (is_plain_identifier(lower)) return lower;
      std::string quoted = "\"";
      for (char c : lower) {
        quoted += c;
        if (c == '"') quoted += '"';
      }
      return quoted + "\"";
    }
    case token_kind::number:
    case token_kind::blob: return lower_ascii(t.text);
    default: return t.text;
  }
}

// Index of the parenthesis closing the one at OPEN, or END when unbalanced.
std::size_t matching_paren(const std::vector<token>& tokens, std::size_t open, std::size_t end) {
  int depth = 0;
  for (std::size_t i = open; i < end; ++i) {
    if (tokens[i].is_punct("(")) ++depth;
    if (tokens[i].is_punct(")") && --depth == 0) return i;
  }
  return end;
}

}  // namespace

std::vector<token> tokenize(std::string_view sql) {
  std::vector<token> tokens;
  std::size_t i = 0;
  while (i < sql.size()) {
    const auto c = static_cast<unsigned char>(sql[i]);
    const std::size_t start = i;
    if (std::isspace(c)) {
      ++i;
      continue;
    }
    if (c == '-' && i + 1 < sql.size() && sql[i + 1] == '-') {
      while (i < sql.size() && sql[i] != '\n') ++i;
      continue;
    }
    if (c == '/' && i + 1 < sql.size() && sql[i + 1] == '*') {
      const auto close = sql.find("*/", i + 2);
      i = close == std::string_view::npos ? sql.size() : close + 2;
      continue;
    }
    token t{token_kind::punctuation, {}, {}, start};
    if ((c == 'x' || c == 'X') && i + 1 < sql.size() && sql[i + 1] == '\'') {
      std::string ignored;
      i = read_quoted(sql, i + 1, '\'', ignored);
      t.kind = token_kind::blob;
    } else if (is_word_start(c)) {
      while (i < sql.size() && is_word_char(static_cast<unsigned char>(sql[i]))) ++i;
      t.kind = token_kind::word;
      t.value = lower_ascii(sql.substr(start, i - start));
    } else if (c == '\'') {
      i = read_quoted(sql, i, '\'', t.value);
      t.kind = token_kind::string;
    } else if (c == '"' || c == '`') {
      i = read_quoted(sql, i, static_cast<char>(c), t.value);
      t.kind = token_kind::quoted_identifier;
    } else if (c == '[') {
      i = read_quoted(sql, i, ']', t.value);
      t.kind = token_kind::quoted_identifier;
    } else if (std::isdigit(c) || (c == '.' && i + 1 < sql.size() && std::isdigit(static_cast<unsigned char>(sql[i + 1])))) {
      if (c == '0' && i + 1 < sql.size() && (sql[i + 1] == 'x' || sql[i + 1] == 'X')) {
        i += 2;
        while (i < sql.size() && std::isxdigit(static_cast<unsigned char>(sql[i]))) ++i;
      } else {
        while (i < sql.size() && (std::isdigit(static_cast<unsigned char>(sql[i])) || sql[i] == '.' || sql[i] == '_')) ++i;
        if (i < sql.size() && (sql[i] == 'e' || sql[i] == 'E')) {
          ++i;
          if (i < sql.size() && (sql[i] == '+' || sql[i] == '-')) ++i;
          while (i < sql.size() && std::isdigit(static_cast<unsigned char>(sql[i]))) ++i;
        }
      }
      t.kind = token_kind::number;
    } else if (c == '?' || c == ':' || c == '@' || c == '$') {
      ++i;
      while (i < sql.size() && is_word_char(static_cast<unsigned char>(sql[i]))) ++i;
      t.kind = token_kind::variable;
    } else {
      static constexpr std::array<std::string_view, 10> multi{"->>", "||", "<=", ">=", "==", "!=", "<>", "<<", ">>", "->"};
      std::size_t length = 1;
      for (auto op : multi) {
        if (sql.substr(i, op.size()) == op) {
          length = op.size();
          break;
        }
      }
      i += length;
    }
    t.text = std::string(sql.substr(start, i - start));
    if (t.kind != token_kind::word && t.kind != token_kind::string && t.kind != token_kind::quoted_identifier) {
      t.value = t.text;
    }
    tokens.push_back(std::move(t));
  }
  return tokens;
}

std::string canonical_text(const std::vector<token>& tokens, std::size_t begin, std::size_t end) {
  // Outer parentheses around the whole range do not change its meaning.
  while (end > begin + 1 && tokens[begin].is_punct("(") && matching_paren(tokens, begin, end) == end - 1) {
    ++begin;
    --end;
  }
  std::string text;
  for (std::size_t i = begin; i < end; ++i) {
    if (!text.empty()) text += ' ';
    text += canonical_token(tokens[i]);
  }
  return text;
}

std::string canonical_text(std::string_view sql) {
  const auto tokens = tokenize(sql);
  std::size_t end = tokens.size();
  while (end > 0 && tokens[end - 1].is_punct(";")) --end;
  return canonical_text(tokens, 0, end);
}

std::string render_identifier(std::string_view name) {
  if (is_plain_identifier(name) && !is_keyword(lower_ascii(name))) return std::string(name);
  std::string quoted = "\"";
  for (char c : name) {
    quoted += c;
    if (c == '"') quoted += '"';
  }
  return quoted + "\"";
}

bool has_control_character(std::string_view text) { return std::any_of(text.begin(), text.end(), is_control); }

std::string printable(std::string_view text) {
  std::string shown;
  for (char c : text) {
    if (c == '\n') {
      shown += "\\n";
    } else if (c == '\r') {
      shown += "\\r";
    } else if (c == '\t') {
      shown += "\\t";
    } else if (is_control(c)) {
      shown += fmt::format("\\x{:02x}", static_cast<unsigned char>(c));
    } else {
      shown += c;
    }
  }
  return shown;
}

std::string printable_name(std::string_view name) { return printable(sqlite::quote_identifier(name)); }

}  // namespace litemig
