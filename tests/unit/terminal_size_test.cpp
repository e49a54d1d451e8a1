// A shared terminal's size: the smallest cols and rows among the clients
// that may size it win; the bounds are 1–1000 cols and 1–500 rows.
#include "terminal/terminal_size.hpp"

#include <gtest/gtest.h>

#include "core/config.hpp"

using namespace berth::terminal;

TEST(TerminalSize, Bounds) {
  EXPECT_TRUE(check_size(1, 1));
  EXPECT_TRUE(check_size(1000, 500));
  for (auto [cols, rows] : std::vector<std::pair<int, int>>{{0, 24}, {80, 0}, {1001, 24}, {80, 501}, {-1, -1}}) {
    auto ok = check_size(cols, rows);
    ASSERT_FALSE(ok) << cols << "x" << rows;
    EXPECT_EQ(ok.error().code, "bad_request");
    EXPECT_NE(ok.error().message.find("1000 cols"), std::string::npos) << ok.error().message;
  }
}

TEST(TerminalSize, SmallestColsAndRowsWinSeparately) {
  TerminalSize current{120, 40};
  EXPECT_EQ(effective_size({}, current), current) << "nobody sizing it: it keeps its size";
  EXPECT_EQ(effective_size({{100, 30}}, current), (TerminalSize{100, 30}));
  EXPECT_EQ(effective_size({{100, 20}, {80, 50}}, current), (TerminalSize{80, 20}));
  EXPECT_EQ(effective_size({{200, 60}, {200, 60}}, current), (TerminalSize{200, 60})) << "it may grow again";
}

TEST(TerminalSettings, ScrollbackAndLimit) {
  auto d = berth::Config::from({});
  ASSERT_TRUE(d);
  EXPECT_EQ(d->terminal_scrollback, 256u * 1024);
  EXPECT_EQ(d->max_terminals_per_project, 8);
  auto c = berth::Config::from({{"BERTH_TERMINAL_SCROLLBACK", "1m"}, {"BERTH_MAX_TERMINALS_PER_PROJECT", "3"}});
  ASSERT_TRUE(c);
  EXPECT_EQ(c->terminal_scrollback, 1024u * 1024);
  EXPECT_EQ(c->max_terminals_per_project, 3);
  for (auto [name, value] :
       std::vector<std::pair<std::string, std::string>>{{"BERTH_TERMINAL_SCROLLBACK", "lots"},
                                                        {"BERTH_TERMINAL_SCROLLBACK", "100"},
                                                        {"BERTH_TERMINAL_SCROLLBACK", "1g"},
                                                        {"BERTH_MAX_TERMINALS_PER_PROJECT", "0"}}) {
    auto bad = berth::Config::from({{name, value}});
    ASSERT_FALSE(bad) << name << "=" << value;
    EXPECT_NE(bad.error().message.find(name), std::string::npos) << bad.error().message;
  }
}
