// Fixups: SQL files a deploy runs on the working copy before migrating, each only when its
// header says it applies, so that a repair of an old production copy is not rerun on the
// newer database the previous deploy left.
#pragma once

#include "litemig/sqlite.hpp"

#include <cstdint>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

namespace litemig::deploy_fixups {

// One *.sql file of the fixups folder. Its header lines say when it applies (all must hold):
//   -- litemig:fixup versions 0-1,3          the database's version is one of these
//   -- litemig:fixup when-view-broken NAME   view NAME exists and does not compile
//   -- litemig:fixup when SELECT ...         the query's first value is non-zero
// A file without such lines applies to every deploy.
struct fixup {
  std::filesystem::path file;
  std::string name;
  std::string sql;
  std::vector<std::pair<std::int64_t, std::int64_t>> versions;  // inclusive ranges; empty: any version
  std::vector<std::string> broken_views;
  std::vector<std::string> conditions;
};

// The *.sql files of FOLDER in name order. Throws failure(usage) naming the file and line of a
// header it cannot read.
std::vector<fixup> read_folder(const std::filesystem::path& folder);

struct verdict {
  bool applies = false;
  std::string why;  // "version 1 is in 0-1; view "v" does not compile (no such column: x)"
};

// Whether FIXUP applies to the database FILE at VERSION, and why. Conditions run on a read-only
// connection. Throws failure(usage) naming the file when a condition cannot run.
verdict decide(const fixup& fixup, const std::filesystem::path& file, std::int64_t version);

}  // namespace litemig::deploy_fixups
