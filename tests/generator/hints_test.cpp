#include "litemig/errors.hpp"
#include "litemig/hints.hpp"

#include <gtest/gtest.h>

using namespace litemig;

TEST(Hints, ParsesEveryFormWithCommentsAndQuotedNames) {
  const auto h = parse_hints(
      "# decisions for 0004\n"
      "rename table tunes to tune\n"
      "rename column tune.\"old name\" to \"we\"\"ird\"   # keep values\n"
      "\n"
      "drop table legacy\n"
      "drop column \"a b\".c\n"
      "fill tune.mode with coalesce(key, 'D') || '#'\n",
      "hints.txt");
  ASSERT_EQ(h.entries.size(), 5u);
  EXPECT_EQ(h.entries[0].what, hint::kind::rename_table);
  EXPECT_EQ(h.entries[0].new_name, "tune");
  EXPECT_EQ(h.entries[1].column, "old name");
  EXPECT_EQ(h.entries[1].new_name, "we\"ird");
  EXPECT_EQ(h.entries[1].line, 3);
  EXPECT_EQ(h.entries[3].table, "a b");
  EXPECT_EQ(h.entries[4].expression, "coalesce(key, 'D') || '#'");
  EXPECT_NE(h.find_drop_table("LEGACY"), nullptr);
  EXPECT_NE(h.find_column_rename("TUNE", "Old Name"), nullptr);
}

TEST(Hints, TextRoundTrips) {
  const auto h = parse_hints("rename column \"a b\".\"c\"\"d\" to e\nfill t.x with 0\n", "h");
  for (const auto& entry : h.entries) {
    const auto again = parse_hints(entry.text(), "again");
    ASSERT_EQ(again.entries.size(), 1u);
    EXPECT_EQ(again.entries[0].table, entry.table);
    EXPECT_EQ(again.entries[0].column, entry.column);
    EXPECT_EQ(again.entries[0].new_name, entry.new_name);
    EXPECT_EQ(again.entries[0].expression, entry.expression);
  }
}

TEST(Hints, MalformedLineNamesFileAndLine) {
  for (const auto* text : {"rename table a\n", "drop column t\n", "fill t.c with\n", "explode t\n", "rename column t.\"x to y\n",
                           "drop table a b\n"}) {
    try {
      parse_hints(std::string("# ok\n") + text, "my-hints.txt");
      FAIL() << "accepted: " << text;
    } catch (const failure& e) {
      EXPECT_EQ(e.code(), exit_code::usage);
      EXPECT_NE(std::string(e.what()).find("my-hints.txt:2:"), std::string::npos) << e.what();
    }
  }
}

TEST(Hints, ALinePastedAsGeneratePrintedItIsAccepted) {
  const auto h = parse_hints("hint: rename column playlist.name to title\n  HINT:drop table legacy # pasted\n", "hints.txt");
  ASSERT_EQ(h.entries.size(), 2u);
  EXPECT_EQ(h.entries[0].what, hint::kind::rename_column);
  EXPECT_EQ(h.entries[0].text(), "rename column playlist.name to title");
  EXPECT_NE(h.find_drop_table("legacy"), nullptr);
}

TEST(Hints, AControlCharacterMakesALineMalformed) {
  for (const std::string line : {"drop table \"a\rb\"", "drop table a\x01", "fill t.c with 'x\x1b'", "rename table \"a\tb\" to c"}) {
    try {
      parse_hints("# first\n" + line + "\n", "hints.txt");
      ADD_FAILURE() << line;
    } catch (const failure& e) {
      EXPECT_EQ(e.code(), exit_code::usage);
      EXPECT_EQ(std::string(e.what()).rfind("hints.txt:2: malformed hint: ", 0), 0u) << e.what();
    }
  }
  EXPECT_EQ(parse_hints("drop\ttable\tlegacy\n", "hints.txt").entries.size(), 1u) << "a tab separates words";
}

TEST(Hints, ANameLineNamesTheNextMigrationOnce) {
  const auto given = parse_hints("name add practice goal\n", "hints.txt");
  ASSERT_NE(given.migration_name(), nullptr);
  EXPECT_EQ(given.migration_name()->new_name, "add practice goal");
  const auto plain = parse_hints("name add_practice_goal\n", "hints.txt");
  EXPECT_EQ(plain.migration_name()->new_name, "add_practice_goal");
  EXPECT_EQ(parse_hints(plain.entries.front().text(), "hints.txt").entries.front().new_name, "add_practice_goal");
  EXPECT_EQ(plain.unused({plain.migration_name()}).size(), 0u);
  try {
    parse_hints("name a\nname b\n", "hints.txt");
    FAIL() << "a second name line was accepted";
  } catch (const failure& e) {
    EXPECT_EQ(e.code(), exit_code::usage);
    EXPECT_NE(std::string(e.what()).find("hints.txt:2:"), std::string::npos) << e.what();
  }
}
