#include "litemig/compare.hpp"

#include "litemig/sql_tokens.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace litemig {

namespace {

using kind = schema_difference::object_kind;

std::string describe_column(const column& c) {
  std::string text = c.type.empty() ? "(no type)" : c.type;
  if (c.not_null) text += " NOT NULL";
  if (c.default_key) text += " DEFAULT " + *c.default_key;
  if (!c.collation.empty()) text += " COLLATE " + c.collation;
  for (const auto& check : c.checks) text += " CHECK " + check;
  if (c.generated_key) text += fmt::format(" AS ({}) {}", *c.generated_key, c.generated_stored ? "STORED" : "VIRTUAL");
  return text;
}

void compare_tables(const table& expected, const table& actual, std::vector<schema_difference>& out) {
  const auto add = [&](std::string description) { out.push_back({kind::table, expected.name, std::move(description)}); };
  for (std::size_t i = 0; i < expected.columns.size(); ++i) {
    const auto& want = expected.columns[i];
    const auto* have = actual.find_column(want.name);
    if (!have) {
      add(fmt::format("column \"{}\" is missing", want.name));
    } else if (!(*have == want)) {
      add(fmt::format("column \"{}\" is {}, expected {}", want.name, describe_column(*have), describe_column(want)));
    } else if (i >= actual.columns.size() || !same_name(actual.columns[i].name, want.name)) {
      add(fmt::format("column \"{}\" is not at position {}", want.name, i + 1));
    }
  }
  for (const auto& have : actual.columns) {
    if (!expected.find_column(have.name)) add(fmt::format("column \"{}\" is not expected", have.name));
  }
  if (expected.primary != actual.primary) add("primary key differs");
  if (expected.uniques != actual.uniques) add("UNIQUE constraints differ");
  if (expected.checks != actual.checks) add("CHECK constraints differ");
  if (expected.foreign_keys != actual.foreign_keys) add("foreign keys differ");
  if (expected.without_rowid != actual.without_rowid) add("WITHOUT ROWID differs");
  if (expected.strict != actual.strict) add("STRICT differs");
}

// Where two definitions part, by meaning: "definition differs: expected `... a, c FROM t`, found
// `... a, b FROM t`", a few words of context on each side.
std::string definition_difference(const std::string& expected_sql, const std::string& actual_sql) {
  const auto words = [](const std::string& sql) {
    std::vector<std::string> out;
    const auto text = canonical_text(sql);
    std::size_t start = 0;
    while (start < text.size()) {
      const auto end = std::min(text.size(), text.find(' ', start));
      out.push_back(text.substr(start, end - start));
      start = end + 1;
    }
    return out;
  };
  const auto want = words(expected_sql);
  const auto have = words(actual_sql);
  std::size_t first = 0;
  while (first < want.size() && first < have.size() && want[first] == have[first]) ++first;
  constexpr std::size_t context = 4;
  const auto window = [&](const std::vector<std::string>& all) {
    const std::size_t begin = first > context ? first - context : 0;
    const std::size_t end = std::min(all.size(), first + context + 1);
    std::string text = begin > 0 ? "... " : "";
    for (std::size_t i = begin; i < end; ++i) text += (i > begin ? " " : "") + all[i];
    if (end < all.size()) text += " ...";
    return text.empty() ? "(nothing)" : text;
  };
  return fmt::format("definition differs: expected `{}`, found `{}`", window(want), window(have));
}

template <typename T, typename Detail>
void compare_objects(kind k, const std::vector<T>& expected, const std::vector<T>& actual,
                     std::vector<schema_difference>& out, Detail detail) {
  for (const auto& want : expected) {
    const auto* found = find_named(actual, want.name);
    if (!found) {
      out.push_back({k, want.name, "is missing"});
    } else if (!(*found == want)) {
      detail(want, *found);
    }
  }
  for (const auto& have : actual) {
    if (!find_named(expected, have.name)) out.push_back({k, have.name, "is not expected"});
  }
}

}  // namespace

std::vector<schema_difference> compare(const schema& expected, const schema& actual) {
  std::vector<schema_difference> out;
  compare_objects(kind::table, expected.tables, actual.tables, out,
                  [&](const table& want, const table& have) { compare_tables(want, have, out); });
  const auto definition_differs = [&](kind k) {
    return [&out, k](const auto& want, const auto& have) {
      out.push_back({k, want.name, definition_difference(want.sql, have.sql)});
    };
  };
  compare_objects(kind::virtual_table, expected.virtual_tables, actual.virtual_tables, out, definition_differs(kind::virtual_table));
  compare_objects(kind::index, expected.indexes, actual.indexes, out, definition_differs(kind::index));
  compare_objects(kind::view, expected.views, actual.views, out, definition_differs(kind::view));
  compare_objects(kind::trigger, expected.triggers, actual.triggers, out, definition_differs(kind::trigger));
  return out;
}

std::string describe(const std::vector<schema_difference>& differences) {
  std::string text;
  for (const auto& d : differences) text += fmt::format("{} \"{}\": {}\n", d.kind_name(), d.name, d.description);
  return text;
}

const char* schema_difference::kind_name() const {
  switch (kind) {
    case object_kind::table: return "table";
    case object_kind::index: return "index";
    case object_kind::view: return "view";
    case object_kind::trigger: return "trigger";
    case object_kind::virtual_table: return "virtual table";
  }
  return "";
}

}  // namespace litemig
