// litemig's documented exit codes and the one error type that carries them.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>

namespace litemig {

enum class exit_code : int {
  ok = 0,
  failure = 1,            // a file could not be read or written, SQLite reported an error
  usage = 2,              // bad command line, malformed input text (hints, migration files, sums)
  decision_needed = 3,    // generate: a change needs a hint
  schema_mismatch = 4,    // check: live schema differs from its snapshot; drift refused
  future_version = 5,     // the database is newer than every known migration
  checksum_mismatch = 6,  // an applied migration was edited
  busy = 7,               // the database stayed locked beyond the busy timeout
  preflight = 8,          // the data would make a migration fail or lose values
};

// A failure to report as one line; the message names the file and the cause.
class failure : public std::runtime_error {
 public:
  failure(exit_code code, const std::string& message) : std::runtime_error(message), code_(code) {}
  exit_code code() const noexcept { return code_; }

 private:
  exit_code code_;
};

// TEXT with control characters (bytes below 0x20 and 0x7f) written as escapes (\n, \r, \t,
// \x01, ...): a message printed through it is one line, whatever the names it quotes hold.
std::string escape_control_characters(std::string_view text);

}  // namespace litemig
