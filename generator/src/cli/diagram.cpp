#include "diagram.hpp"

#include "litemig/errors.hpp"
#include "litemig/inspect.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <optional>
#include <set>

namespace litemig::cli {

namespace {

// Mermaid reads a name as a run of letters, digits, '_' and '-'; others become '_'.
std::string mermaid_word(std::string_view text, std::string_view also_allowed = {}) {
  std::string word;
  for (const char c : text) {
    const bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    word += plain || also_allowed.find(c) != std::string_view::npos ? c : '_';
  }
  if (word.empty() || (word[0] >= '0' && word[0] <= '9') || word[0] == '-') word.insert(word.begin(), '_');
  return word;
}

// A quoted Mermaid string cannot hold a double quote.
std::string mermaid_text(std::string_view text) {
  std::string out;
  for (const char c : text) out += c == '"' ? '\'' : (static_cast<unsigned char>(c) < 0x20 ? ' ' : c);
  return out;
}

// Mermaid's name of each table: its own name when Mermaid can read it, otherwise a word made
// of it, distinct from every other table's ("a b" and "a_b" become a_b and a_b_2).
class entity_names {
 public:
  explicit entity_names(const std::vector<const schema*>& schemas) {
    std::vector<std::string> all;
    for (const auto* s : schemas) {
      for (const auto& t : s->tables) {
        all.push_back(t.name);
        for (const auto& fk : t.foreign_keys) all.push_back(fk.parent_table);
      }
    }
    // Names Mermaid reads as they are keep them; the others take what is left.
    for (const bool readable : {true, false}) {
      for (const auto& name : all) {
        if ((mermaid_word(name) == name) == readable) add(name);
      }
    }
  }
  const std::string& id(std::string_view table_name) const { return ids_.at(lower_ascii(table_name)); }
  // The entity's declaration: its id, labelled with the real name when they differ.
  std::string declared(std::string_view table_name) const {
    const auto& word = id(table_name);
    return word == table_name ? word : fmt::format("{}[\"{}\"]", word, mermaid_text(table_name));
  }

 private:
  void add(std::string_view table_name) {
    const auto key = lower_ascii(table_name);
    if (ids_.count(key)) return;
    auto word = mermaid_word(table_name);
    for (int n = 2; taken_.count(lower_ascii(word)); ++n) word = fmt::format("{}_{}", mermaid_word(table_name), n);
    taken_.insert(lower_ascii(word));
    ids_[key] = word;
  }
  std::map<std::string, std::string> ids_;
  std::set<std::string> taken_;
};

bool in_parts(const std::vector<key_part>& parts, std::string_view column_name) {
  for (const auto& part : parts) {
    if (same_name(part.expression, column_name)) return true;
  }
  return false;
}

std::string keys(const table& t, const column& c) {
  std::vector<std::string> found;
  if (t.primary && in_parts(t.primary->parts, c.name)) found.emplace_back("PK");
  for (const auto& fk : t.foreign_keys) {
    for (const auto& name : fk.columns) {
      if (same_name(name, c.name) && found.end() == std::find(found.begin(), found.end(), "FK")) found.emplace_back("FK");
    }
  }
  for (const auto& unique : t.uniques) {
    if (in_parts(unique.parts, c.name) && found.end() == std::find(found.begin(), found.end(), "UK")) found.emplace_back("UK");
  }
  std::string text;
  for (const auto& key : found) text += (text.empty() ? " " : ", ") + key;
  return text;
}

// Marks of one table's columns by lower-cased column name.
using column_marks = std::map<std::string, std::string>;

std::string entity_block(const entity_names& names, const table& t, const column_marks& marks,
                         const std::vector<column>& dropped) {
  std::string text = fmt::format("  {} {{\n", names.declared(t.name));
  auto attribute = [&](const column& c, const std::string& mark) {
    const auto type = c.type.empty() ? std::string("ANY") : mermaid_word(c.type, "()[]");
    std::string comment = c.not_null ? "NOT NULL" : "";
    if (!mark.empty()) comment += (comment.empty() ? "" : ", ") + mark;
    text += fmt::format("    {} {}{}{}\n", type, mermaid_word(c.name), keys(t, c),
                        comment.empty() ? "" : fmt::format(" \"{}\"", mermaid_text(comment)));
  };
  for (const auto& c : t.columns) {
    const auto found = marks.find(lower_ascii(c.name));
    attribute(c, found == marks.end() ? "" : found->second);
  }
  for (const auto& c : dropped) attribute(c, "dropped");
  return text + "  }\n";
}

// One line per foreign key: the parent has one row for many (or one, when the key is unique) children.
std::string relationships(const entity_names& names, const table& t) {
  std::string text;
  for (const auto& fk : t.foreign_keys) {
    bool optional = false;
    for (const auto& name : fk.columns) {
      const auto* c = t.find_column(name);
      optional = optional || !c || !c->not_null;
    }
    bool unique = t.primary && t.primary->parts.size() == fk.columns.size();
    for (const auto& name : fk.columns) unique = unique && t.primary && in_parts(t.primary->parts, name);
    for (const auto& u : t.uniques) {
      bool all = u.parts.size() == fk.columns.size();
      for (const auto& name : fk.columns) all = all && in_parts(u.parts, name);
      unique = unique || all;
    }
    std::string label;
    for (const auto& name : fk.columns) label += (label.empty() ? "" : ", ") + name;
    text += fmt::format("  {} {}--{} {} : \"{}\"\n", names.id(fk.parent_table), optional ? "|o" : "||",
                        unique ? "o|" : "o{", names.id(t.name), mermaid_text(label));
  }
  return text;
}

std::string header(const std::string& title, const std::vector<std::string>& notes) {
  std::string text = fmt::format("erDiagram\n  %% {}\n", mermaid_text(title));
  for (const auto& note : notes) text += fmt::format("  %% {}\n", mermaid_text(note));
  return text;
}

}  // namespace

std::string er_diagram(const schema& s, const std::string& title) {
  const entity_names names({&s});
  std::string body;
  std::string links;
  for (const auto& t : s.tables) {
    body += entity_block(names, t, {}, {});
    links += relationships(names, t);
  }
  std::vector<std::string> notes;
  for (const auto& v : s.virtual_tables) notes.push_back(fmt::format("virtual table {} ({}), not drawn", v.name, v.module));
  return header(title, notes) + body + links;
}

std::string er_diagram_of_change(const schema& before, const schema& after, const part_plan& plan, const std::string& title) {
  const entity_names names({&after, &before});
  std::vector<std::string> notes;
  std::string body;
  std::string links;
  auto earlier_name = [&](const std::string& name) {
    for (const auto& [from, to] : plan.renamed_tables) {
      if (same_name(to, name)) return from;
    }
    return name;
  };
  std::vector<std::string> kept;  // BEFORE's tables that AFTER still has, by their earlier name
  for (const auto& t : after.tables) {
    const auto earlier = earlier_name(t.name);
    const table* old = before.find_table(earlier);
    column_marks marks;
    std::vector<column> dropped;
    if (!old) {
      notes.push_back(fmt::format("table {}: added", t.name));
      for (const auto& c : t.columns) marks[lower_ascii(c.name)] = "added";
    } else {
      kept.push_back(lower_ascii(earlier));
      std::vector<std::string> seen;
      for (const auto& c : t.columns) {
        std::string old_name = c.name;
        for (const auto& r : plan.renamed_columns) {
          if (same_name(r.table, t.name) && same_name(r.to, c.name)) old_name = r.from;
        }
        const column* was = old->find_column(old_name);
        if (was) seen.push_back(lower_ascii(was->name));
        if (!was) {
          marks[lower_ascii(c.name)] = "added";
        } else if (!same_name(old_name, c.name)) {
          marks[lower_ascii(c.name)] = "renamed from " + old_name;
        } else if (!(*was == c)) {
          marks[lower_ascii(c.name)] = "changed";
        }
      }
      for (const auto& c : old->columns) {
        if (std::find(seen.begin(), seen.end(), lower_ascii(c.name)) == seen.end()) dropped.push_back(c);
      }
      if (!same_name(earlier, t.name)) notes.push_back(fmt::format("table {}: renamed from {}", t.name, earlier));
      if (!marks.empty() || !dropped.empty() || !(*old == t)) {
        if (same_name(earlier, t.name)) notes.push_back(fmt::format("table {}: changed", t.name));
      }
    }
    body += entity_block(names, t, marks, dropped);
    links += relationships(names, t);
  }
  for (const auto& t : before.tables) {
    if (std::find(kept.begin(), kept.end(), lower_ascii(t.name)) != kept.end()) continue;
    notes.push_back(fmt::format("table {}: dropped", t.name));
    column_marks marks;
    for (const auto& c : t.columns) marks[lower_ascii(c.name)] = "dropped";
    body += entity_block(names, t, marks, {});
  }
  auto objects = [&](const auto& old_list, const auto& new_list, const char* kind) {
    for (const auto& o : new_list) {
      const auto* was = find_named(old_list, o.name);
      if (!was) notes.push_back(fmt::format("{} {}: added", kind, o.name));
      else if (!(*was == o)) notes.push_back(fmt::format("{} {}: changed", kind, o.name));
    }
    for (const auto& o : old_list) {
      if (!find_named(new_list, o.name)) notes.push_back(fmt::format("{} {}: dropped", kind, o.name));
    }
  };
  objects(before.indexes, after.indexes, "index");
  objects(before.views, after.views, "view");
  objects(before.triggers, after.triggers, "trigger");
  if (notes.empty()) notes.emplace_back("no table, index, view or trigger changed");
  return header(title, notes) + body + links;
}

schema snapshot_schema(const migration_set& migrations, std::int64_t version) {
  const auto sql = migrations.snapshot(version);
  const auto file = migrations.locate(snapshot_file_name(version));
  if (!sql) throw failure(exit_code::usage, file, "no such snapshot");
  return inspect_sql(*sql, file);
}

std::string migration_diagram(const migration_set& migrations, std::int64_t version) {
  const migration* m = migrations.find(version);
  if (!m) {
    throw failure(exit_code::usage, migrations.origin(),
                  fmt::format("there is no migration {} (the newest is {})", version, migrations.latest_version()));
  }
  return er_diagram_of_change(snapshot_schema(migrations, version - 1), snapshot_schema(migrations, version), m->up.plan,
                              migrations.locate(m->file_name));
}

}  // namespace litemig::cli
