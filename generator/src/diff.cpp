#include "litemig/diff.hpp"

#include "litemig/sql_tokens.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>

namespace litemig {

namespace {

hint make_hint(hint::kind what, std::string table_name, std::string column_name = {}, std::string new_name = {},
               std::string expression = {}) {
  hint h{};
  h.what = what;
  h.table = std::move(table_name);
  h.column = std::move(column_name);
  h.new_name = std::move(new_name);
  h.expression = std::move(expression);
  return h;
}

// Share of columns two tables have in common, raised when one name is the other plus a
// suffix ("tunes" and "tune"): the evidence for suggesting a rename over a drop.
double similarity(const table& a, const table& b) {
  std::size_t common = 0;
  for (const auto& c : a.columns) {
    if (b.find_column(c.name)) ++common;
  }
  auto score = static_cast<double>(common) / static_cast<double>(std::max<std::size_t>(1, std::max(a.columns.size(), b.columns.size())));
  const auto x = lower_ascii(a.name);
  const auto y = lower_ascii(b.name);
  if (x.starts_with(y) || y.starts_with(x)) score += 0.5;
  return score;
}

std::string loose_name(std::string_view name) {
  std::string loose;
  for (char c : lower_ascii(name)) {
    if (c != ' ' && c != '_') loose += c;
  }
  return loose;
}

bool same_definition(const table& a, const table& b) {
  table renamed = b;
  renamed.name = a.name;
  return a == renamed;
}

template <typename T>
void diff_objects(const std::vector<T>& from, const std::vector<T>& to, std::vector<schema_change>& changes,
                  auto created, auto dropped) {
  for (const auto& f : from) {
    const auto* found = find_named(to, f.name);
    if (!found || !(*found == f)) changes.emplace_back(dropped(&f));
  }
  for (const auto& t : to) {
    const auto* found = find_named(from, t.name);
    if (!found || !(*found == t)) changes.emplace_back(created(&t));
  }
}

// The rename hints among CANDIDATES that apply: the old name (OLD_NAME of the hint) exists
// before, the new name after, and the new name is free before or itself renamed away (a chain,
// or a swap the plan carries out through a temporary name). The first hint per name counts.
template <typename OldName, typename Before, typename After>
std::vector<const hint*> applicable_renames(const std::vector<const hint*>& candidates, OldName old_name, Before before,
                                            After after) {
  std::vector<const hint*> renames;
  for (const auto* h : candidates) {
    const bool duplicate = std::any_of(renames.begin(), renames.end(), [&](const hint* r) {
      return same_name(old_name(*r), old_name(*h)) || same_name(r->new_name, h->new_name);
    });
    if (!duplicate && before(old_name(*h)) && after(h->new_name) && !same_name(old_name(*h), h->new_name)) renames.push_back(h);
  }
  const auto renamed_away = [&](std::string_view name) {
    return std::any_of(renames.begin(), renames.end(), [&](const hint* r) { return same_name(old_name(*r), name); });
  };
  for (auto it = renames.begin(); it != renames.end();) {
    if (before((*it)->new_name) && !renamed_away((*it)->new_name)) {
      renames.erase(it);
      it = renames.begin();  // a rename that waited for this one may no longer apply
    } else {
      ++it;
    }
  }
  return renames;
}

bool renamed_away(const std::vector<const hint*>& renames, std::string_view old_name) {
  return std::any_of(renames.begin(), renames.end(), [&](const hint* h) {
    return same_name(h->what == hint::kind::rename_table ? h->table : h->column, old_name);
  });
}

const hint* rename_to(const std::vector<const hint*>& renames, std::string_view new_name) {
  const auto found = std::find_if(renames.begin(), renames.end(), [&](const hint* h) { return same_name(h->new_name, new_name); });
  return found == renames.end() ? nullptr : *found;
}

class differ {
 public:
  differ(const schema& from, const schema& to, const hints& given, decision_policy policy)
      : from_(from), to_(to), hints_(given), policy_(policy) {}

  schema_diff run() {
    match_tables();
    diff_virtual_tables();
    diff_objects(from_.indexes, to_.indexes, result_.changes, [](const index* i) { return change::index_created{i}; },
                 [](const index* i) { return change::index_dropped{i}; });
    diff_objects(from_.views, to_.views, result_.changes, [](const view* v) { return change::view_created{v}; },
                 [](const view* v) { return change::view_dropped{v}; });
    diff_objects(from_.triggers, to_.triggers, result_.changes, [](const trigger* t) { return change::trigger_created{t}; },
                 [](const trigger* t) { return change::trigger_dropped{t}; });
    return std::move(result_);
  }

 private:
  // Whether H settles the change; a hint that does is recorded as used.
  bool used(const hint* h) {
    if (h) result_.used_hints.insert(h);
    return h != nullptr;
  }

  void match_tables() {
    std::vector<const hint*> candidates;
    for (const auto& h : hints_.entries) {
      if (h.what == hint::kind::rename_table) candidates.push_back(&h);
    }
    const auto renames = applicable_renames(
        candidates, [](const hint& h) -> const std::string& { return h.table; },
        [&](std::string_view name) { return from_.find_table(name) != nullptr; },
        [&](std::string_view name) { return to_.find_table(name) != nullptr; });
    std::vector<const table*> gone;
    std::vector<const table*> arrived;
    std::vector<std::pair<const table*, const table*>> pairs;
    for (const auto& t : to_.tables) {
      if (const auto* h = rename_to(renames, t.name)) {
        result_.used_hints.insert(h);
        const auto* f = from_.find_table(h->table);
        result_.changes.emplace_back(change::table_renamed{f, &t});
        pairs.emplace_back(f, &t);
      } else if (const auto* f = from_.find_table(t.name); f && !renamed_away(renames, t.name)) {
        pairs.emplace_back(f, &t);
      } else {
        arrived.push_back(&t);
      }
    }
    for (const auto& f : from_.tables) {
      if (!renamed_away(renames, f.name) && !to_.find_table(f.name)) gone.push_back(&f);
    }
    std::set<std::string> suggested_targets;
    for (const auto* f : gone) {
      if (policy_ == decision_policy::automatic || used(hints_.find_drop_table(f->name))) {
        result_.changes.emplace_back(change::table_dropped{f});
        continue;
      }
      const table* similar = nullptr;
      double best = 0.5;
      for (const auto* t : arrived) {
        const auto score = similarity(*f, *t);
        if (score >= best && !suggested_targets.contains(lower_ascii(t->name))) {
          best = score;
          similar = t;
        }
      }
      decision d;
      if (similar) {
        suggested_targets.insert(lower_ascii(similar->name));
        d.choices.push_back(make_hint(hint::kind::rename_table, f->name, {}, similar->name));
        d.meaning = fmt::format("table {} disappeared while the similar table {} appeared: rename it to keep "
                                "its rows, or drop it to delete them",
                                printable_name(f->name), printable_name(similar->name));
      } else {
        d.meaning = fmt::format("table {} is not in the reference database: dropping it deletes its rows",
                                printable_name(f->name));
      }
      d.choices.push_back(make_hint(hint::kind::drop_table, f->name));
      result_.decisions.push_back(std::move(d));
    }
    for (const auto* t : arrived) result_.changes.emplace_back(change::table_created{t});
    for (const auto& c : result_.changes) {
      if (const auto* r = std::get_if<change::table_renamed>(&c)) renamed_tables_[lower_ascii(r->from->name)] = r->to->name;
    }
    for (const auto& [f, t] : pairs) alter_table(*f, *t);
  }

  // A full-text table keeps what can be carried: rows it holds (or reads from its content table)
  // are copied into its new definition, and one indexing an external content table is rebuilt
  // from that table. Only what is lost needs the user's word: the rows of a virtual table that
  // cannot be read back (contentless, another module) or become another table's, and the values
  // of a column it no longer has.
  void diff_virtual_tables() {
    for (const auto& f : from_.virtual_tables) {
      const auto* t = find_named(to_.virtual_tables, f.name);
      if (t && *t == f) continue;
      const bool readable = f.holds_own_content() || f.has_external_content();
      if (t && readable && t->is_full_text() && !t->has_external_content()) {
        change::virtual_table_rebuilt rebuilt{&f, t, {}};
        for (const auto& c : f.columns) {
          const bool kept = std::any_of(t->columns.begin(), t->columns.end(), [&](const auto& n) { return same_name(n, c); });
          if (kept) {
            rebuilt.columns.push_back(c);
          } else if (f.holds_own_content()) {
            ask_for_virtual_drop(hint::kind::drop_column, f.name, c,
                                 fmt::format("column {} of virtual table {} is not in the reference database: "
                                             "dropping it deletes its values",
                                             printable_name(c), printable_name(f.name)));
          }
        }
        result_.changes.emplace_back(std::move(rebuilt));
        continue;
      }
      result_.changes.emplace_back(change::virtual_table_dropped{&f});
      if (f.has_external_content()) continue;
      ask_for_virtual_drop(hint::kind::drop_table, f.name, {},
                           fmt::format("virtual table {} is dropped or redefined: recreating it deletes the rows it "
                                       "holds",
                                       printable_name(f.name)));
    }
    for (const auto& t : to_.virtual_tables) {
      const auto* f = find_named(from_.virtual_tables, t.name);
      const bool rebuilt = f && std::any_of(result_.changes.begin(), result_.changes.end(), [&](const schema_change& c) {
        const auto* r = std::get_if<change::virtual_table_rebuilt>(&c);
        return r && r->to == &t;
      });
      if (!f || (!(*f == t) && !rebuilt)) result_.changes.emplace_back(change::virtual_table_created{&t});
    }
  }

  void ask_for_virtual_drop(hint::kind what, const std::string& table_name, const std::string& column_name,
                            std::string meaning) {
    if (policy_ == decision_policy::automatic) return;
    const bool allowed = used(what == hint::kind::drop_table ? hints_.find_drop_table(table_name)
                                                             : hints_.find_drop_column(table_name, column_name));
    if (allowed) return;
    decision d;
    d.choices.push_back(make_hint(what, table_name, column_name));
    d.meaning = std::move(meaning);
    result_.decisions.push_back(std::move(d));
  }

  const hint* column_rename(const table& f, const table& t, const column& c) const {
    const auto* h = hints_.find_column_rename(t.name, c.name);
    return h ? h : hints_.find_column_rename(f.name, c.name);
  }

  const hint* fill_hint(const table& f, const table& t, const column& c) const {
    const auto* h = hints_.find_fill(t.name, c.name);
    return h ? h : hints_.find_fill(f.name, c.name);
  }

  void alter_table(const table& f, const table& t) {
    change::table_altered altered{&f, &t, std::vector<const column*>(t.columns.size(), nullptr),
                                  std::vector<std::optional<std::string>>(t.columns.size()), {}};
    std::vector<const hint*> candidates;
    for (const auto& old_column : f.columns) {
      if (const auto* h = column_rename(f, t, old_column)) candidates.push_back(h);
    }
    const auto renames = applicable_renames(
        candidates, [](const hint& h) -> const std::string& { return h.column; },
        [&](std::string_view name) { return f.find_column(name) != nullptr; },
        [&](std::string_view name) { return t.find_column(name) != nullptr; });
    const bool renamed_columns = !renames.empty();
    for (std::size_t i = 0; i < t.columns.size(); ++i) {
      const auto& name = t.columns[i].name;
      if (const auto* h = rename_to(renames, name)) {
        result_.used_hints.insert(h);
        altered.sources[i] = f.find_column(h->column);
      } else if (!renamed_away(renames, name)) {
        altered.sources[i] = f.find_column(name);
      }
    }
    for (const auto& old_column : f.columns) {
      if (std::find(altered.sources.begin(), altered.sources.end(), &old_column) != altered.sources.end()) continue;
      if (policy_ == decision_policy::automatic || used(hints_.find_drop_column(t.name, old_column.name)) ||
          used(hints_.find_drop_column(f.name, old_column.name))) {
        altered.dropped.push_back(&old_column);
        continue;
      }
      decision d;
      const column* candidate = nullptr;
      const auto available = [&](const column& c) {
        return !f.find_column(c.name) && !column_rename_target_taken(f, t, c) && !c.is_generated() &&
               !suggested_columns_.contains(lower_ascii(t.name) + "." + lower_ascii(c.name));
      };
      // First a column whose name differs only in spaces, underscores or case, then one of the same type.
      for (std::size_t i = 0; i < t.columns.size() && !candidate; ++i) {
        if (available(t.columns[i]) && loose_name(t.columns[i].name) == loose_name(old_column.name)) candidate = &t.columns[i];
      }
      for (std::size_t i = 0; i < t.columns.size() && !candidate; ++i) {
        if (available(t.columns[i]) && t.columns[i].type == old_column.type) candidate = &t.columns[i];
      }
      if (candidate) suggested_columns_.insert(lower_ascii(t.name) + "." + lower_ascii(candidate->name));
      if (candidate) {
        d.choices.push_back(make_hint(hint::kind::rename_column, t.name, old_column.name, candidate->name));
        d.meaning = fmt::format("column {} of table {} disappeared while {} of the same type appeared: "
                                "rename it to keep its values, or drop it to delete them",
                                printable_name(old_column.name), printable_name(t.name), printable_name(candidate->name));
      } else {
        d.meaning = fmt::format("column {} of table {} is not in the reference database: dropping it deletes "
                                "its values",
                                printable_name(old_column.name), printable_name(t.name));
      }
      d.choices.push_back(make_hint(hint::kind::drop_column, t.name, old_column.name));
      result_.decisions.push_back(std::move(d));
    }
    for (std::size_t i = 0; i < t.columns.size(); ++i) decide_fill(f, t, i, altered);
    // Renaming a parent table rewrites the foreign keys that point at it: not a change of F.
    table renamed_parents = f;
    for (auto& fk : renamed_parents.foreign_keys) {
      if (const auto found = renamed_tables_.find(lower_ascii(fk.parent_table)); found != renamed_tables_.end()) {
        fk.parent_table = lower_ascii(found->second);
      }
    }
    const bool changed = !same_definition(renamed_parents, t) || renamed_columns ||
                         std::any_of(altered.fills.begin(), altered.fills.end(), [](const auto& x) { return x.has_value(); });
    if (changed) result_.changes.emplace_back(std::move(altered));
  }

  // Whether another old column is renamed into COLUMN by a hint.
  bool column_rename_target_taken(const table& f, const table& t, const column& c) const {
    return std::any_of(f.columns.begin(), f.columns.end(), [&](const column& old_column) {
      const auto* h = column_rename(f, t, old_column);
      return h && same_name(h->new_name, c.name);
    });
  }

  // Whether COLUMN of T is in a unique index of the target schema.
  bool in_unique_index(const table& t, const column& c) const {
    return std::any_of(to_.indexes.begin(), to_.indexes.end(), [&](const index& i) {
      if (!i.unique || !same_name(i.table, t.name)) return false;
      const auto tokens = tokenize(i.sql);
      const auto open = std::find_if(tokens.begin(), tokens.end(), [](const token& x) { return x.is_punct("("); });
      return std::any_of(open, tokens.end(), [&](const token& x) { return x.is_identifier() && same_name(x.value, c.name); });
    });
  }

  void decide_fill(const table& f, const table& t, std::size_t i, change::table_altered& altered) {
    const auto& c = t.columns[i];
    if (c.is_generated()) return;
    const auto* source = altered.sources[i];
    const bool gains_not_null = c.not_null && (source == nullptr || !source->not_null || source->is_generated());
    // A fill gives a new column its values or a column that becomes NOT NULL values for its NULLs;
    // anywhere else it would change nothing, and it stays unused.
    if (source == nullptr || gains_not_null) {
      if (const auto* h = fill_hint(f, t, c)) {
        result_.used_hints.insert(h);
        altered.fills[i] = h->expression;
        return;
      }
    }
    // Asked only where a fill is decided: scanning every index for every column of a wide schema
    // was most of generate's own time.
    const auto unique = [&] { return t.column_in_unique_key(c.name) || in_unique_index(t, c); };
    if (policy_ == decision_policy::automatic && source == nullptr) {
      // A restored rowid alias takes fresh rowids (NULL); a restored key column one value per row.
      if (t.is_rowid_alias(c.name)) return;
      const bool constant = c.not_null || c.default_key;  // NULLs are distinct, a default is not
      if (constant && unique()) {
        altered.fills[i] = distinct_value(f, c);
        return;
      }
    }
    if (!gains_not_null || c.default_key) return;
    if (policy_ == decision_policy::automatic) {
      altered.fills[i] = unique()                               ? distinct_value(f, c)
                         : source && source->default_sql ? *source->default_sql
                                                          : neutral_value(c);
      return;
    }
    decision d;
    // One constant for every row would break a key: the suggestion gives each row its own value.
    d.choices.push_back(make_hint(hint::kind::fill, t.name, c.name, {}, unique() ? distinct_value(f, c) : neutral_value(c)));
    d.meaning = source ? fmt::format("column {} of table {} becomes NOT NULL without a default: existing NULLs "
                                     "need a value (edit the expression after 'with'; it may use the table's columns)",
                                     printable_name(c.name), printable_name(t.name))
                       : fmt::format("new column {} of table {} is NOT NULL without a default: existing rows "
                                     "need a value (edit the expression after 'with'; it may use the table's columns)",
                                     printable_name(c.name), printable_name(t.name));
    result_.decisions.push_back(std::move(d));
  }

  const schema& from_;
  const schema& to_;
  const hints& hints_;
  decision_policy policy_;
  schema_diff result_;
  std::set<std::string> suggested_columns_;
  std::map<std::string, std::string> renamed_tables_;  // lower-cased old name -> new name
};

}  // namespace

std::string neutral_value(const column& col) {
  const auto& type = col.type;
  if (type.find("INT") != std::string::npos) return "0";
  if (type.find("CHAR") != std::string::npos || type.find("CLOB") != std::string::npos || type.find("TEXT") != std::string::npos) {
    return "''";
  }
  if (type.find("BLOB") != std::string::npos || type.empty()) return type.empty() ? "''" : "x''";
  return "0";
}

std::string distinct_value(const table& from, const column& col) {
  const auto rowid = from.rowid_name();
  const auto number = rowid.empty() ? std::string("row_number() OVER ()") : rowid;
  const auto neutral = neutral_value(col);
  if (neutral == "''") return fmt::format("CAST({} AS TEXT)", number);
  if (neutral == "x''") return fmt::format("CAST({} AS BLOB)", number);
  return number;
}

schema_diff diff(const schema& from, const schema& to, const hints& given, decision_policy policy) {
  return differ(from, to, given, policy).run();
}

hints reversed_renames(const hints& given) {
  hints reversed;
  reversed.origin = given.origin;
  for (const auto& h : given.entries) {
    if (h.what == hint::kind::rename_table) {
      reversed.entries.push_back(make_hint(hint::kind::rename_table, h.new_name, {}, h.table));
    } else if (h.what == hint::kind::rename_column) {
      reversed.entries.push_back(make_hint(hint::kind::rename_column, h.table, h.new_name, h.column));
    }
  }
  return reversed;
}

}  // namespace litemig
