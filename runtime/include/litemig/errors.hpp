// litemig's documented exit codes and the one error type that carries them.
#pragma once

#include <exception>
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

// A failure to report as one line: its exit code, where it happened (a file, "file:line", a
// database) and the cause. The line reads "LOCATION: CAUSE"; it is formatted once, here.
class failure : public std::runtime_error {
 public:
  failure(exit_code code, std::string location, std::string cause);
  // A message that names its file itself.
  failure(exit_code code, const std::string& message) : failure(code, std::string(), message) {}
  exit_code code() const noexcept { return code_; }
  const std::string& location() const noexcept { return location_; }
  const std::string& cause() const noexcept { return cause_; }

 private:
  exit_code code_;
  std::string location_;
  std::string cause_;
};

// The one classifier: ERROR (any exception) as the failure to report. A failure stays as it is;
// SQLite's errors are exit 7 when the database stayed locked and 1 otherwise; a filesystem error
// is exit 1 located at its path; anything else is exit 1. An error that names no file is located
// at LOCATION, the file the caller was working on (none: left unlocated).
failure classify(std::exception_ptr error, const std::string& location = {});

// TEXT with control characters (bytes below 0x20 and 0x7f) written as escapes (\n, \r, \t,
// \x01, ...): a message printed through it is one line, whatever the names it quotes hold.
std::string escape_control_characters(std::string_view text);

}  // namespace litemig
