// litemig embed: the build step that turns a migrations directory into a C++ source (defining
// litemig::embedded::files() and latest_version()) and into the CTest list of verification tests.
#include "tool_commands.hpp"
#include "options.hpp"

#include "litemig/errors.hpp"
#include "litemig/files.hpp"
#include "litemig/migration.hpp"
#include "litemig/sqlite.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace litemig::cli {
namespace {

namespace fs = std::filesystem;

// A C++ string literal for arbitrary bytes: printable ASCII as is, everything else as
// three-digit octal escapes (which, unlike \x, never swallow the next character).
std::string cpp_literal(std::string_view bytes) {
  std::string out = "\"";
  for (const char c : bytes) {
    const auto byte = static_cast<unsigned char>(c);
    if (c == '\n') {
      out += "\\n\"\n    \"";
    } else if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (byte >= 0x20 && byte < 0x7f) {
      out += c;
    } else {
      out += fmt::format("\\{:03o}", byte);
    }
  }
  out += '"';
  return out;
}

// FILES is the migrations directory by relative name ('/' separated), in name order.
std::string embedded_source(const std::vector<embedded_file>& files, std::int64_t latest) {
  std::string out =
      "// Written by litemig embed from the migrations directory; do not edit.\n"
      "#include \"litemig/embedded.hpp\"\n\n";
  if (files.empty()) {
    out += "namespace litemig::embedded {\n\n"
           "std::span<const embedded_file> files() { return {}; }\n";
  } else {
    out += "#include <array>\n\nnamespace litemig::embedded {\nnamespace {\n\n";
    for (std::size_t i = 0; i < files.size(); ++i) {
      out += fmt::format("// {}\nconstexpr char text_{}[] =\n    {};\n\n", files[i].name, i, cpp_literal(files[i].text));
    }
    out += fmt::format("constexpr std::array<embedded_file, {}> all_files{{{{\n", files.size());
    for (std::size_t i = 0; i < files.size(); ++i) {
      out += fmt::format("    {{\"{}\", {{text_{}, sizeof(text_{}) - 1}}}},\n", files[i].name, i, i);
    }
    out += "}};\n\n}  // namespace\n\nstd::span<const embedded_file> files() { return all_files; }\n";
  }
  out += fmt::format("std::int64_t latest_version() {{ return {}; }}\n\n}}  // namespace litemig::embedded\n", latest);
  return out;
}

// Fixture databases by the version recorded in their header (PRAGMA user_version).
std::map<std::int64_t, fs::path> fixtures_by_version(const fs::path& dir) {
  std::map<std::int64_t, fs::path> found;
  if (dir.empty() || !fs::is_directory(dir)) return found;
  std::vector<fs::path> candidates;
  for (const auto& entry : fs::directory_iterator(dir)) {
    const auto extension = entry.path().extension().string();
    if (entry.is_regular_file() && (extension == ".sqlite3" || extension == ".sqlite" || extension == ".db")) {
      candidates.push_back(entry.path());
    }
  }
  std::sort(candidates.begin(), candidates.end());
  for (const auto& path : candidates) {
    sqlite::database db(path, sqlite::open_mode::read_only);
    const auto version = db.user_version();
    if (version > 0) found.emplace(version, path);
  }
  return found;
}

std::string bracket(const std::string& text) { return "[==[" + text + "]==]"; }

// Each migration's test writes its diagram into DIAGRAMS and attaches it (CTest's ATTACHED_FILES:
// a dashboard shows it beside the result).
std::string tests_list(const migration_set& set, const std::string& litemig, const fs::path& dir,
                       const std::string& reference, const std::map<std::int64_t, fs::path>& fixtures,
                       const std::string& prefix, const fs::path& diagrams) {
  std::string out = "# Written by litemig embed: one verification test per migration, and the reference check.\n";
  const auto add = [&](const std::string& name, const std::string& arguments, const std::string& attached) {
    out += fmt::format("add_test({} {} {})\n", bracket(prefix + name), bracket(litemig), arguments);
    out += fmt::format("set_tests_properties({} PROPERTIES LABELS \"migrations\"{})\n", bracket(prefix + name),
                       attached.empty() ? "" : " ATTACHED_FILES " + bracket(attached));
  };
  for (const auto& m : set.migrations()) {
    const auto name = fmt::format("migration.{:04}", m.version);
    const auto diagram = (diagrams / (name + ".mmd")).string();
    auto arguments = fmt::format("verify --dir {} --version {}", bracket(dir.string()), m.version);
    if (const auto fixture = fixtures.find(m.version - 1); fixture != fixtures.end()) {
      arguments += " --fixture " + bracket(fixture->second.string());
    }
    arguments += " --diagram " + bracket(diagram);
    add(name, arguments, diagram);
  }
  if (!reference.empty()) {
    add("migration.reference", fmt::format("verify --dir {} --reference {}", bracket(dir.string()), bracket(reference)), {});
  }
  return out;
}

}  // namespace

int embed_command(const arguments& args) {
  return run_reporting_errors("embed", [&] {
    command_spec spec{
        "embed", "litemig embed --dir DIR --output FILE.cpp [--tests FILE.cmake --litemig PATH] [--reference DB] "
        "[--fixtures DIR] [--test-prefix PREFIX]",
        "Writes the C++ source that embeds every migration, snapshot and the sum of DIR into a program,\n"
        "and the CTest list of verification tests (one per migration, plus one comparing the newest\n"
        "snapshot with the reference database). Files are rewritten only when their bytes change."};
    std::string dir, output, tests, litemig, reference, fixtures, prefix;
    spec.options.add_options()
        ("dir", po::value(&dir)->required()->value_name("DIR"), "migrations directory")
        ("output", po::value(&output)->required()->value_name("FILE.cpp"), "C++ source to write")
        ("tests", po::value(&tests)->value_name("FILE.cmake"), "CTest file of verification tests to write")
        ("litemig", po::value(&litemig)->value_name("PATH"), "path of the litemig executable the tests run")
        ("reference", po::value(&reference)->value_name("DB"), "reference database the newest snapshot must equal")
        ("fixtures", po::value(&fixtures)->value_name("DIR"), "folder of fixture databases (their user_version is their version)")
        ("test-prefix", po::value(&prefix)->value_name("PREFIX"), "prefix of the test names");
    po::variables_map values;
    if (!parse(spec, args, values)) return 0;
    if (!tests.empty() && litemig.empty()) {
      throw failure(exit_code::usage, "--tests needs --litemig (see litemig embed --help)");
    }

    const auto files = read_migration_directory(dir);
    std::vector<embedded_file> views;
    for (const auto& [name, text] : files) views.push_back({name, text});
    // Messages name the files inside the directory.
    const auto set = migration_set::from_files(files, dir);
    refuse_edited_migrations(set);

    write_file_if_changed(output, embedded_source(views, set.latest_version()));
    if (!tests.empty()) {
      const auto absolute_dir = fs::absolute(dir).lexically_normal();
      const auto absolute_reference = reference.empty() ? std::string{} : fs::absolute(reference).lexically_normal().string();
      const auto diagrams = fs::absolute(tests).parent_path() / "diagrams";
      write_file_if_changed(tests, tests_list(set, litemig, absolute_dir, absolute_reference,
                                              fixtures_by_version(fixtures), prefix, diagrams));
    }
    return 0;
  });
}

}  // namespace litemig::cli
