#include "litemig/compare.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace litemig {

namespace {

using kind = schema_difference::object_kind;

std::string kind_name(kind k) {
  switch (k) {
    case kind::table: return "table";
    case kind::index: return "index";
    case kind::view: return "view";
    case kind::trigger: return "trigger";
    case kind::virtual_table: return "virtual table";
  }
  return {};
}

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
    return [&out, k](const auto& want, const auto&) { out.push_back({k, want.name, "definition differs"}); };
  };
  compare_objects(kind::virtual_table, expected.virtual_tables, actual.virtual_tables, out, definition_differs(kind::virtual_table));
  compare_objects(kind::index, expected.indexes, actual.indexes, out, definition_differs(kind::index));
  compare_objects(kind::view, expected.views, actual.views, out, definition_differs(kind::view));
  compare_objects(kind::trigger, expected.triggers, actual.triggers, out, definition_differs(kind::trigger));
  return out;
}

std::string describe(const std::vector<schema_difference>& differences) {
  std::string text;
  for (const auto& d : differences) text += fmt::format("{} \"{}\": {}\n", kind_name(d.kind), d.name, d.description);
  return text;
}

}  // namespace litemig
