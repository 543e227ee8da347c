// A tokenizer for SQLite's SQL, used to normalise statements for comparison by meaning
// and to pick apart CREATE TABLE, whose constraint texts SQLite keeps only as written.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace litemig {

enum class token_kind { word, quoted_identifier, string, number, blob, variable, punctuation };

struct token {
  token_kind kind;
  std::string text;   // as written
  std::string value;  // identifier without quotes / lower-cased word; text for the rest
  std::size_t offset = 0;

  bool is_word(std::string_view lower_word) const { return kind == token_kind::word && value == lower_word; }
  bool is_punct(std::string_view p) const { return kind == token_kind::punctuation && text == p; }
  bool is_identifier() const { return kind == token_kind::word || kind == token_kind::quoted_identifier; }
};

// Splits SQL into tokens, dropping white space and comments.
std::vector<token> tokenize(std::string_view sql);

// The canonical text of tokens: keywords and identifiers lower-cased, identifiers quoted
// only when needed, single spaces, no redundant outer parentheses. Equal meaning, equal text.
std::string canonical_text(const std::vector<token>& tokens, std::size_t begin, std::size_t end);
std::string canonical_text(std::string_view sql);

// Identifier as litemig writes it: bare when it is a plain lower/upper-case word that is
// not a keyword, double-quoted otherwise.
std::string render_identifier(std::string_view name);

// Whether TEXT holds a control character (U+0000 to U+001F or U+007F): a line break among them.
bool has_control_character(std::string_view text);

// TEXT with its control characters shown as \n, \r, \t or \xNN: one line whatever it holds.
// For comments and messages only, never for SQL.
std::string printable(std::string_view text);
// NAME double-quoted as in SQL, then printable.
std::string printable_name(std::string_view name);

}  // namespace litemig
