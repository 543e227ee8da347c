#include "overloaded.hpp"

#include "litemig/plan.hpp"

#include "litemig/compare.hpp"
#include "litemig/inspect.hpp"
#include "litemig/normalize.hpp"
#include "litemig/sql_tokens.hpp"
#include "litemig/sqlite.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <set>

namespace litemig {

namespace {

constexpr int rename_column_since = 3025000;
constexpr int drop_column_since = 3035000;

// ADD COLUMN refuses a non-constant default once the table has rows, although the same
// statement succeeds on an empty table: only literals count as constant here.
bool is_constant_default(const std::optional<std::string>& default_key) {
  if (!default_key) return true;
  for (const auto& t : tokenize(*default_key)) {
    if (t.kind == token_kind::word && !(t.is_word("null") || t.is_word("true") || t.is_word("false"))) return false;
    if (t.kind == token_kind::quoted_identifier || t.kind == token_kind::variable) return false;
  }
  return true;
}

bool references_column(const table& t, const column& c) {
  const auto name = lower_ascii(c.name);
  return std::any_of(t.foreign_keys.begin(), t.foreign_keys.end(), [&](const foreign_key& fk) {
    return std::find(fk.columns.begin(), fk.columns.end(), name) != fk.columns.end();
  });
}

bool mentions_table(const std::string& sql, std::string_view table_name) {
  const auto tokens = tokenize(sql);
  return std::any_of(tokens.begin(), tokens.end(), [&](const token& t) { return t.is_identifier() && same_name(t.value, table_name); });
}

std::string q(std::string_view name) { return sqlite::quote_identifier(name); }

using rename_pair = std::pair<std::string, std::string>;  // old name, new name

// RENAMES in an order that runs: a rename waits while its new name is still the old name of a
// pending one, and a cycle (a swap) goes through a temporary name.
std::vector<rename_pair> ordered_renames(std::vector<rename_pair> pending) {
  std::vector<rename_pair> ordered;
  while (!pending.empty()) {
    const auto ready = std::find_if(pending.begin(), pending.end(), [&](const rename_pair& r) {
      return std::none_of(pending.begin(), pending.end(),
                          [&](const rename_pair& other) { return &other != &r && same_name(other.first, r.second); });
    });
    if (ready != pending.end()) {
      ordered.push_back(*ready);
      pending.erase(ready);
    } else {
      auto& aside = pending.front();
      auto temporary = "litemig_swap_" + aside.first;
      ordered.emplace_back(aside.first, temporary);
      aside.first = std::move(temporary);
    }
  }
  return ordered;
}

bool same_table_definition(const table& a, const table& b) {
  table renamed = a;
  renamed.name = b.name;
  return renamed == b;
}

class planner {
 public:
  planner(const schema& from, const schema& to, const schema_diff& d, const plan_settings& settings)
      : from_(from), to_(to), diff_(d),
        version_(settings.min_sqlite_version ? settings.min_sqlite_version : sqlite::library_version_number()) {}

  migration_plan run() {
    for (const auto& c : diff_.changes) classify(c);

    // Table steps first: they decide what SQLite re-checks.
    std::set<std::string> rebuilt;
    for (const auto* a : altered_) {
      if (!plan_native(*a)) {
        plan_rebuild(*a);
        rebuilt.insert(lower_ascii(a->to->name));
      }
    }
    auto table_steps = std::move(plan_.steps);
    plan_.steps.clear();
    // Every ALTER TABLE ... RENAME (also the last step of a rebuild) and DROP COLUMN makes SQLite
    // re-check every view and trigger in the schema, and a stale view fails it: views hold no
    // data, so they are all dropped first and recreated after. ADD COLUMN checks nothing.
    const bool recheck = !renamed_.empty() || !rebuilt_virtual_.empty() || std::any_of(table_steps.begin(), table_steps.end(), [](const plan_step& s) {
      return std::holds_alternative<step::rename_column>(s) || std::holds_alternative<step::drop_column>(s) ||
             std::holds_alternative<step::rebuild_table>(s);
    });

    std::set<std::string> views_to_recreate;
    if (recheck) {
      const auto ordered = views_in_dependency_order(from_);
      for (auto it = ordered.rbegin(); it != ordered.rend(); ++it) {
        plan_.steps.emplace_back(step::drop_view{*it});
        views_to_recreate.insert(lower_ascii((*it)->name));
      }
    } else {
      for (const auto* v : dropped_views_) plan_.steps.emplace_back(step::drop_view{v});
    }
    std::set<std::string> triggers_to_recreate;
    for (const auto& t : from_.triggers) {
      const bool dropped = std::find(dropped_triggers_.begin(), dropped_triggers_.end(), &t) != dropped_triggers_.end();
      // A trigger on a view (INSTEAD OF) goes when its view is dropped.
      const bool on_dropped_view = views_to_recreate.contains(lower_ascii(t.table)) ||
                                   std::any_of(dropped_views_.begin(), dropped_views_.end(),
                                               [&](const view* v) { return same_name(v->name, t.table); });
      const bool depends = recheck && std::any_of(touched_.begin(), touched_.end(), [&](const std::string& name) {
        return same_name(t.table, name) || mentions_table(t.sql, name);
      });
      if (dropped || on_dropped_view || depends || rebuilt.contains(lower_ascii(t.table))) {
        plan_.steps.emplace_back(step::drop_trigger{&t});
        triggers_to_recreate.insert(lower_ascii(t.name));
      }
    }
    for (const auto* i : dropped_indexes_) plan_.steps.emplace_back(step::drop_index{i});
    for (const auto* v : dropped_virtual_) plan_.steps.emplace_back(step::drop_virtual_table{v});
    for (const auto& [old_name, new_name] : table_renames()) plan_.steps.emplace_back(step::rename_table{old_name, new_name});
    plan_.steps.insert(plan_.steps.end(), table_steps.begin(), table_steps.end());
    for (const auto* t : dropped_tables_) plan_.steps.emplace_back(step::drop_table{t});
    for (const auto* t : created_tables_) plan_.steps.emplace_back(step::create_table{t});
    for (const auto* v : created_virtual_) plan_.steps.emplace_back(step::create_virtual_table{v});
    for (const auto* r : rebuilt_virtual_) plan_.steps.emplace_back(step::rebuild_virtual_table{r->from, r->to, r->columns});

    for (const auto& i : to_.indexes) {
      const bool created = std::find(created_indexes_.begin(), created_indexes_.end(), &i) != created_indexes_.end();
      if (created || rebuilt.contains(lower_ascii(i.table))) plan_.steps.emplace_back(step::create_index{&i});
    }
    for (const auto* v : views_in_dependency_order(to_)) {
      const bool created = std::find(created_views_.begin(), created_views_.end(), v) != created_views_.end();
      if (created || views_to_recreate.contains(lower_ascii(v->name))) plan_.steps.emplace_back(step::create_view{v});
    }
    // An external-content index starts empty: it is filled from its content table (or view),
    // once that exists.
    for (const auto* v : created_virtual_) {
      if (v->has_external_content()) plan_.steps.emplace_back(step::reindex_full_text{v});
    }
    for (const auto& t : to_.triggers) {
      const bool created = std::find(created_triggers_.begin(), created_triggers_.end(), &t) != created_triggers_.end();
      if (created || triggers_to_recreate.contains(lower_ascii(t.name))) plan_.steps.emplace_back(step::create_trigger{&t});
    }
    collect_foreign_key_checks(rebuilt);
    record_decisions(rebuilt);
    return std::move(plan_);
  }

 private:
  void classify(const schema_change& c) {
    std::visit(overloaded{
                   [&](const change::table_created& x) { created_tables_.push_back(x.to); },
                   [&](const change::table_dropped& x) {
                     dropped_tables_.push_back(x.from);
                     touched_.push_back(x.from->name);
                   },
                   [&](const change::table_renamed& x) {
                     renamed_.push_back(x);
                     touched_.push_back(x.from->name);
                     touched_.push_back(x.to->name);
                   },
                   [&](const change::table_altered& x) {
                     altered_.push_back(&x);
                     touched_.push_back(x.from->name);
                     touched_.push_back(x.to->name);
                   },
                   [&](const change::index_created& x) { created_indexes_.push_back(x.to); },
                   [&](const change::index_dropped& x) { dropped_indexes_.push_back(x.from); },
                   [&](const change::view_created& x) { created_views_.push_back(x.to); },
                   [&](const change::view_dropped& x) { dropped_views_.push_back(x.from); },
                   [&](const change::trigger_created& x) { created_triggers_.push_back(x.to); },
                   [&](const change::trigger_dropped& x) { dropped_triggers_.push_back(x.from); },
                   [&](const change::virtual_table_created& x) { created_virtual_.push_back(x.to); },
                   [&](const change::virtual_table_dropped& x) { dropped_virtual_.push_back(x.from); },
                   [&](const change::virtual_table_rebuilt& x) {
                     rebuilt_virtual_.push_back(&x);
                     touched_.push_back(x.to->name);
                   },
               },
               c);
  }

  bool index_dropped(const index& i) const {
    return std::find(dropped_indexes_.begin(), dropped_indexes_.end(), &i) != dropped_indexes_.end();
  }

  // Plain ALTER TABLE steps when they exist in the target SQLite and give exactly the new table.
  // SQLite itself is the judge: the steps run on a scratch copy of the table and its indexes.
  bool plan_native(const change::table_altered& a) {
    if (std::any_of(a.fills.begin(), a.fills.end(), [](const auto& f) { return f.has_value(); })) return false;
    std::vector<plan_step> steps;
    const auto& name = a.to->name;
    std::vector<rename_pair> renames;
    for (std::size_t i = 0; i < a.to->columns.size(); ++i) {
      const auto* source = a.sources[i];
      if (source && !same_name(source->name, a.to->columns[i].name)) renames.emplace_back(source->name, a.to->columns[i].name);
    }
    if (!renames.empty() && version_ < rename_column_since) return false;
    for (auto& [old_name, new_name] : ordered_renames(std::move(renames))) {
      steps.emplace_back(step::rename_column{name, std::move(old_name), std::move(new_name)});
    }
    for (const auto* dropped : a.dropped) {
      if (version_ < drop_column_since) return false;
      steps.emplace_back(step::drop_column{name, dropped->name});
    }
    for (std::size_t i = 0; i < a.to->columns.size(); ++i) {
      if (a.sources[i]) continue;
      const auto& c = a.to->columns[i];
      if (c.generated_stored || !is_constant_default(c.default_key)) return false;
      if (references_column(*a.to, c) && c.default_key && *c.default_key != "null") return false;
      steps.emplace_back(step::add_column{name, &c});
    }
    if (!native_result_matches(a, steps)) return false;
    plan_.steps.insert(plan_.steps.end(), steps.begin(), steps.end());
    return true;
  }

  bool native_result_matches(const change::table_altered& a, const std::vector<plan_step>& steps) const {
    // The table and every renamed table take part: renaming a parent rewrites the child's
    // foreign keys.
    auto scratch = sqlite::database::in_memory();
    try {
      scratch.execute(a.from->sql);
      for (const auto& r : renamed_) {
        if (r.from != a.from) scratch.execute(r.from->sql);
      }
      for (const auto& i : from_.indexes) {
        if (same_name(i.table, a.from->name) && !index_dropped(i)) scratch.execute(i.sql);
      }
      for (const auto& [old_name, new_name] : table_renames()) {
        scratch.execute(fmt::format("ALTER TABLE {} RENAME TO {}", q(old_name), q(new_name)));
      }
      for (const auto& s : steps) {
        std::visit(overloaded{
                       [&](const step::rename_column& x) {
                         scratch.execute(fmt::format("ALTER TABLE {} RENAME COLUMN {} TO {}", q(x.table), q(x.from), q(x.to)));
                       },
                       [&](const step::drop_column& x) {
                         scratch.execute(fmt::format("ALTER TABLE {} DROP COLUMN {}", q(x.table), q(x.column)));
                       },
                       [&](const step::add_column& x) {
                         scratch.execute(fmt::format("ALTER TABLE {} ADD COLUMN {}", q(x.table), x.target->definition_sql));
                       },
                       [](const auto&) {},
                   },
                   s);
      }
    } catch (const sqlite::error&) {
      return false;
    }
    auto lookup = scratch.prepare("SELECT sql FROM sqlite_schema WHERE type = 'table' AND name = ?");
    lookup.bind(1, std::string_view(a.to->name));
    if (!lookup.step()) return false;
    return same_table_definition(normalize_table(lookup.column_text(0)), *a.to);
  }

  void plan_rebuild(const change::table_altered& a) {
    step::rebuild_table r{a.from, a.to, {}, false, {}};
    for (std::size_t i = 0; i < a.to->columns.size(); ++i) {
      const auto& c = a.to->columns[i];
      if (c.is_generated()) continue;
      const auto* source = a.sources[i];
      const auto& fill = a.fills[i];
      if (source && fill) {
        r.copies.emplace_back(&c, fmt::format("COALESCE({}, {})", q(source->name), *fill));
      } else if (fill) {
        r.copies.emplace_back(&c, *fill);
      } else if (source && c.not_null && !source->not_null && c.default_sql) {
        r.copies.emplace_back(&c, fmt::format("COALESCE({}, {})", q(source->name), *c.default_sql));
      } else if (source) {
        r.copies.emplace_back(&c, q(source->name));
      }
    }
    r.copy_rowid = !a.from->rowid_name().empty() && !a.to->rowid_name().empty() && !a.to->has_integer_primary_key();
    table before = *a.from;
    before.name = a.to->name;
    std::vector<std::string> reasons;
    for (const auto& d : compare(schema{{*a.to}, {}, {}, {}, {}}, schema{{before}, {}, {}, {}, {}})) {
      reasons.push_back(d.description);
    }
    r.reason = fmt::format("{}", fmt::join(reasons, "; "));
    if (keeps_foreign_key_values(r)) keys_kept_.insert(lower_ascii(a.to->name));
    plan_.steps.emplace_back(std::move(r));
  }

  // A rebuild cannot give its own table a new foreign-key violation when the table's foreign keys
  // are unchanged and every column they read is copied as it was, with the same type and
  // collation: each row keeps the values it had, compared the same way.
  static bool keeps_foreign_key_values(const step::rebuild_table& r) {
    if (r.from->foreign_keys != r.to->foreign_keys) return false;
    for (const auto& fk : r.to->foreign_keys) {
      for (const auto& name : fk.columns) {
        const auto copy = std::find_if(r.copies.begin(), r.copies.end(),
                                       [&](const auto& c) { return same_name(c.first->name, name); });
        const auto source = std::find_if(r.from->columns.begin(), r.from->columns.end(),
                                         [&](const column& c) { return same_name(c.name, name); });
        if (copy == r.copies.end() || source == r.from->columns.end() || copy->second != q(source->name) ||
            copy->first->type != source->type || copy->first->collation != source->collation) {
          return false;
        }
      }
    }
    return true;
  }

  void collect_foreign_key_checks(const std::set<std::string>& rebuilt) {
    std::set<std::string> names;
    std::set<std::string> parents(rebuilt);
    for (const auto* t : dropped_tables_) parents.insert(lower_ascii(t->name));
    for (const auto& t : to_.tables) {
      if (rebuilt.contains(lower_ascii(t.name)) && !keys_kept_.contains(lower_ascii(t.name))) names.insert(t.name);
      for (const auto& fk : t.foreign_keys) {
        if (parents.contains(lower_ascii(fk.parent_table))) names.insert(t.name);
      }
    }
    plan_.foreign_key_check_tables.assign(names.begin(), names.end());
  }

  void record_decisions(const std::set<std::string>& rebuilt) {
    auto& decided = plan_.decisions;
    decided.declared = true;
    for (const auto& t : to_.tables) {
      if (rebuilt.contains(lower_ascii(t.name))) decided.rebuilt_tables.push_back(t.name);
    }
    for (const auto& r : renamed_) decided.renamed_tables.emplace_back(r.from->name, r.to->name);
    for (const auto* a : altered_) {
      for (std::size_t i = 0; i < a->to->columns.size(); ++i) {
        const auto* source = a->sources[i];
        if (source && !same_name(source->name, a->to->columns[i].name)) {
          decided.renamed_columns.push_back({a->to->name, source->name, a->to->columns[i].name});
        }
      }
      for (const auto* c : a->dropped) decided.dropped_columns.push_back({a->to->name, c->name});
    }
    for (const auto* t : dropped_tables_) decided.dropped_tables.push_back(t->name);
  }

  std::vector<rename_pair> table_renames() const {
    std::vector<rename_pair> renames;
    for (const auto& r : renamed_) renames.emplace_back(r.from->name, r.to->name);
    return ordered_renames(std::move(renames));
  }

  const schema& from_;
  const schema& to_;
  const schema_diff& diff_;
  int version_;
  migration_plan plan_;
  std::vector<std::string> touched_;
  std::set<std::string> keys_kept_;  // rebuilt tables whose foreign keys read unchanged values
  std::vector<const table*> created_tables_, dropped_tables_;
  std::vector<change::table_renamed> renamed_;
  std::vector<const change::table_altered*> altered_;
  std::vector<const index*> created_indexes_, dropped_indexes_;
  std::vector<const view*> created_views_, dropped_views_;
  std::vector<const trigger*> created_triggers_, dropped_triggers_;
  std::vector<const virtual_table*> created_virtual_, dropped_virtual_;
  std::vector<const change::virtual_table_rebuilt*> rebuilt_virtual_;
};

}  // namespace

migration_plan make_plan(const schema& from, const schema& to, const schema_diff& changes, const plan_settings& settings) {
  return planner(from, to, changes, settings).run();
}

}  // namespace litemig
