// Compares two schemas by meaning and describes the differences for people.
#pragma once

#include "litemig/schema.hpp"

#include <string>
#include <vector>

namespace litemig {

struct schema_difference {
  enum class object_kind { table, index, view, trigger, virtual_table };
  object_kind kind;
  std::string name;
  std::string description;  // e.g. "column \"x\" only in the live database"
  bool holds_data() const { return kind == object_kind::table || kind == object_kind::virtual_table; }
  // A view or trigger: an upgrade recreates it from the snapshot when it drifted.
  bool is_recreated_from_snapshot() const { return kind == object_kind::view || kind == object_kind::trigger; }
  // "table", "index", "view", "trigger" or "virtual table", as messages name the object.
  const char* kind_name() const;
};

// Differences of ACTUAL against EXPECTED; empty when equal by meaning.
std::vector<schema_difference> compare(const schema& expected, const schema& actual);

// One line per difference, e.g. "table \"tune\": column \"mode\" only in the database".
std::string describe(const std::vector<schema_difference>& differences);

}  // namespace litemig
