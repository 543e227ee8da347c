#include "migration_statements.hpp"

#include "litemig/schema.hpp"
#include "litemig/sql_tokens.hpp"
#include "litemig/sqlite.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <span>
#include <vector>

namespace litemig::detail {

namespace {

// Pragmas that work inside a transaction and change nothing the applier relies on (foreign_keys,
// journal_mode, user_version, schema_version, writable_schema, locking_mode, ... are refused).
constexpr std::array allowed_pragmas = std::to_array<std::string_view>({
    "analysis_limit", "cache_size", "defer_foreign_keys", "foreign_key_check", "foreign_key_list", "index_info", "index_list",
    "index_xinfo", "integrity_check", "legacy_alter_table", "max_page_count", "optimize", "quick_check", "table_info", "table_list",
    "table_xinfo",
});

bool pragma_allowed_in_migration(std::string_view name) {
  const auto lower = lower_ascii(name);
  return std::find(allowed_pragmas.begin(), allowed_pragmas.end(), lower) != allowed_pragmas.end();
}

std::optional<std::string> refusal_of(const std::vector<token>& tokens, std::size_t first, std::size_t end) {
  // EXPLAIN [QUERY PLAN] runs nothing, but SQLite still refuses to prepare what it could not run.
  if (tokens[first].is_word("explain")) {
    ++first;
    if (first + 1 < end && tokens[first].is_word("query") && tokens[first + 1].is_word("plan")) first += 2;
    if (first >= end) return std::nullopt;
  }
  const auto& word = tokens[first];
  if (word.kind != token_kind::word) return std::nullopt;
  const auto keyword = [&] {
    std::string upper = word.value;
    std::transform(upper.begin(), upper.end(), upper.begin(), [](unsigned char c) { return std::toupper(c); });
    return upper;
  };
  if (word.value == "begin" || word.value == "commit" || word.value == "end" || word.value == "rollback" ||
      word.value == "savepoint" || word.value == "release") {
    return fmt::format("{} would end or nest litemig's transaction (each migration already runs in one)", keyword());
  }
  if (word.value == "vacuum") return "VACUUM cannot run inside the migration's transaction (use upgrade --vacuum)";
  if (word.value == "attach" || word.value == "detach") {
    return fmt::format("{} is not allowed in a migration: a migration changes only its own database", keyword());
  }
  if (word.value != "pragma") return std::nullopt;
  // PRAGMA [schema.]name ...
  std::size_t name = first + 1;
  if (name + 2 < end && tokens[name + 1].is_punct(".")) name += 2;
  if (name >= end || !tokens[name].is_identifier()) return "a PRAGMA without a name";
  const auto pragma = lower_ascii(tokens[name].value);
  if (pragma_allowed_in_migration(pragma)) return std::nullopt;
  return fmt::format("PRAGMA {} is not allowed in a migration: inside a transaction SQLite ignores or refuses it, "
                     "or it changes what litemig manages",
                     pragma);
}

// The first word of every statement refused above, and the words that may come before it.
constexpr std::array leading_words = std::to_array<std::string_view>({
    "attach", "begin", "commit", "detach", "end", "pragma", "release", "rollback", "savepoint", "vacuum",
});
constexpr std::array explain_words = std::to_array<std::string_view>({"explain", "query", "plan"});

bool is_identifier_byte(unsigned char c) { return std::isalnum(c) || c == '_' || c == '$' || c >= 0x80; }

bool is_one_of(std::string_view word, std::span<const std::string_view> candidates) {
  if (word.size() > 9) return false;
  std::array<char, 9> lower{};
  std::transform(word.begin(), word.end(), lower.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  const std::string_view lowered(lower.data(), word.size());
  return std::find(candidates.begin(), candidates.end(), lowered) != candidates.end();
}

// Whether a statement of SQL may start with one of leading_words: a scan that skips comments,
// strings and quoted names as tokenize does, without allocating. It errs only towards "may" (a ';'
// inside a trigger body counts as a statement's end), so a part for which it says no holds no
// refused statement and skips the tokenizer, most of the cost of reading a directory.
bool may_start_a_refused_statement(std::string_view sql) {
  bool at_start = true;  // only blanks, comments and EXPLAIN [QUERY PLAN] since the last ';'
  std::size_t i = 0;
  const auto skip_to = [&](std::string_view close, std::size_t from) {
    const auto found = sql.find(close, from);
    i = found == std::string_view::npos ? sql.size() : found + close.size();
  };
  while (i < sql.size()) {
    const auto c = static_cast<unsigned char>(sql[i]);
    if (std::isspace(c)) {
      ++i;
    } else if (sql.substr(i, 2) == "--") {
      skip_to("\n", i);
    } else if (sql.substr(i, 2) == "/*") {
      skip_to("*/", i + 2);
    } else if (c == '\'' || c == '"' || c == '`' || c == '[') {
      skip_to(c == '[' ? "]" : std::string_view(&sql[i], 1), i + 1);
      at_start = false;
    } else if (is_identifier_byte(c)) {
      const auto word_start = i;
      while (i < sql.size() && is_identifier_byte(static_cast<unsigned char>(sql[i]))) ++i;
      const auto word = sql.substr(word_start, i - word_start);
      if (at_start && is_one_of(word, leading_words)) return true;
      at_start = at_start && is_one_of(word, explain_words);
    } else {
      at_start = c == ';';
      ++i;
    }
  }
  return false;
}

}  // namespace

std::optional<statement_refusal> find_refused_statement(std::string_view sql) {
  if (!may_start_a_refused_statement(sql)) return std::nullopt;
  const auto tokens = tokenize(sql);
  std::size_t first = 0;
  for (std::size_t i = 0; i <= tokens.size(); ++i) {
    const bool at_end = i == tokens.size();
    // A ';' ends a statement only where SQLite says the text so far is complete (not inside a
    // trigger body).
    if (!at_end && !(tokens[i].is_punct(";") &&
                     sqlite::is_complete_statement(std::string(sql.substr(tokens[first].offset,
                                                                          tokens[i].offset + 1 - tokens[first].offset))))) {
      continue;
    }
    if (first < i) {
      if (auto problem = refusal_of(tokens, first, i)) return statement_refusal{tokens[first].offset, std::move(*problem)};
    }
    first = i + 1;
  }
  return std::nullopt;
}

}  // namespace litemig::detail
