// IgnoreRules: the defaults (package-manager and compiler folders at any
// depth) and a .berthignore in gitignore syntax: comments, blank lines,
// anchoring by a leading or inner slash, `*`, `**`, `!` re-includes, folder
// only rules, CRLF files.
#include "workspace/ignore_rules.hpp"

#include <gtest/gtest.h>

#include <string>

namespace berth::workspace {
namespace {

constexpr bool kDir = true, kFile = false;

TEST(IgnoreRulesDefaults, IgnoreTheToolFoldersAtAnyDepthAndAllBelowThem) {
  auto rules = IgnoreRules::defaults();
  for (std::string folder : {"node_modules", ".venv", "__pycache__", "target"}) {
    SCOPED_TRACE(folder);
    EXPECT_TRUE(rules.ignored(folder, kDir));
    EXPECT_TRUE(rules.ignored("web/" + folder, kDir));
    EXPECT_TRUE(rules.ignored("a/b/c/" + folder, kDir));
    // Everything below, files and folders, however deep.
    EXPECT_TRUE(rules.ignored(folder + "/x.js", kFile));
    EXPECT_TRUE(rules.ignored(folder + "/pkg", kDir));
    EXPECT_TRUE(rules.ignored(folder + "/pkg/lib/index.js", kFile));
    EXPECT_TRUE(rules.ignored("web/" + folder + "/pkg/index.js", kFile));
  }
}

TEST(IgnoreRulesDefaults, AreFolderOnlyAndMatchWholeNames) {
  auto rules = IgnoreRules::defaults();
  // A file that happens to have the name is an ordinary file.
  EXPECT_FALSE(rules.ignored("node_modules", kFile));
  EXPECT_FALSE(rules.ignored("src/target", kFile));
  EXPECT_FALSE(rules.ignored(".venv", kFile));
  // Lookalike names are not the folder.
  EXPECT_FALSE(rules.ignored("node_modules2", kDir));
  EXPECT_FALSE(rules.ignored("node_modules2/x.js", kFile));
  EXPECT_FALSE(rules.ignored("my_node_modules", kDir));
  EXPECT_FALSE(rules.ignored("node_modules.txt", kFile));
  EXPECT_FALSE(rules.ignored("targets/x", kFile));
  EXPECT_FALSE(rules.ignored("venv", kDir));
  // Ordinary project files.
  EXPECT_FALSE(rules.ignored("src/main.py", kFile));
  EXPECT_FALSE(rules.ignored("src", kDir));
  EXPECT_FALSE(rules.ignored(".berthignore", kFile));
  EXPECT_FALSE(rules.ignored("", kDir)) << "the root is never ignored";
}

TEST(IgnoreRulesFile, AnEmptyFileIsTheDefaults) {
  auto rules = IgnoreRules::with_file("");
  EXPECT_TRUE(rules.ignored("node_modules/x", kFile));
  EXPECT_FALSE(rules.ignored("x.log", kFile));
}

TEST(IgnoreRulesFile, CommentsAndBlankLinesAreNotRules) {
  auto rules = IgnoreRules::with_file("# a comment\n\n   \n#*.txt\n*.log\n");
  EXPECT_TRUE(rules.ignored("x.log", kFile));
  EXPECT_FALSE(rules.ignored("notes.txt", kFile)) << "a commented-out rule must not apply";
  EXPECT_FALSE(rules.ignored("# a comment", kFile));
  EXPECT_FALSE(rules.ignored("src/main.py", kFile));
  // The defaults stay in force.
  EXPECT_TRUE(rules.ignored("node_modules", kDir));
  // An escaped # is a name.
  auto hash = IgnoreRules::with_file("\\#notes\n");
  EXPECT_TRUE(hash.ignored("#notes", kFile));
}

TEST(IgnoreRulesFile, AnUnanchoredGlobMatchesNamesAtAnyDepth) {
  auto rules = IgnoreRules::with_file("*.log\n");
  EXPECT_TRUE(rules.ignored("x.log", kFile));
  EXPECT_TRUE(rules.ignored("a/b/x.log", kFile));
  EXPECT_TRUE(rules.ignored("logs.log", kDir));
  EXPECT_TRUE(rules.ignored("logs.log/inside.txt", kFile)) << "below an ignored folder";
  EXPECT_FALSE(rules.ignored("x.log.txt", kFile));
  EXPECT_FALSE(rules.ignored("xlog", kFile));
  EXPECT_FALSE(rules.ignored("a.log-dir/x.txt", kFile));
}

TEST(IgnoreRulesFile, QuestionMarkIsOneCharacter) {
  auto rules = IgnoreRules::with_file("file?.txt\n");
  EXPECT_TRUE(rules.ignored("file1.txt", kFile));
  EXPECT_TRUE(rules.ignored("d/fileA.txt", kFile));
  EXPECT_FALSE(rules.ignored("file.txt", kFile));
  EXPECT_FALSE(rules.ignored("file12.txt", kFile));
}

TEST(IgnoreRulesFile, ALeadingSlashAnchorsToTheRoot) {
  auto rules = IgnoreRules::with_file("/build\n");
  EXPECT_TRUE(rules.ignored("build", kDir));
  EXPECT_TRUE(rules.ignored("build", kFile));
  EXPECT_TRUE(rules.ignored("build/out.o", kFile));
  EXPECT_TRUE(rules.ignored("build/x/y.o", kFile));
  EXPECT_FALSE(rules.ignored("src/build", kDir));
  EXPECT_FALSE(rules.ignored("src/build/out.o", kFile));
  EXPECT_FALSE(rules.ignored("builds", kDir));
  EXPECT_FALSE(rules.ignored("build2/out.o", kFile));
}

TEST(IgnoreRulesFile, AnInnerSlashAnchorsToo) {
  auto rules = IgnoreRules::with_file("docs/*.md\n");
  EXPECT_TRUE(rules.ignored("docs/README.md", kFile));
  EXPECT_TRUE(rules.ignored("docs/a.md", kFile));
  EXPECT_FALSE(rules.ignored("src/docs/README.md", kFile)) << "anchored: not at any depth";
  EXPECT_FALSE(rules.ignored("docs/sub/README.md", kFile)) << "* does not cross a slash";
  EXPECT_FALSE(rules.ignored("docs/README.txt", kFile));
  EXPECT_FALSE(rules.ignored("README.md", kFile));
  EXPECT_FALSE(rules.ignored("docs", kDir));
}

TEST(IgnoreRulesFile, LeadingDoubleStarMatchesInAnyFolder) {
  auto rules = IgnoreRules::with_file("**/tmp\n");
  EXPECT_TRUE(rules.ignored("tmp", kDir));
  EXPECT_TRUE(rules.ignored("tmp", kFile));
  EXPECT_TRUE(rules.ignored("a/tmp", kDir));
  EXPECT_TRUE(rules.ignored("a/b/c/tmp", kFile));
  EXPECT_TRUE(rules.ignored("a/tmp/x.txt", kFile));
  EXPECT_FALSE(rules.ignored("tmpfile", kFile));
  EXPECT_FALSE(rules.ignored("a/mytmp", kFile));

  auto deep = IgnoreRules::with_file("**/cache/data\n");
  EXPECT_TRUE(deep.ignored("cache/data", kFile));
  EXPECT_TRUE(deep.ignored("x/cache/data", kFile));
  EXPECT_TRUE(deep.ignored("x/y/cache/data", kFile));
  EXPECT_FALSE(deep.ignored("data", kFile));
  EXPECT_FALSE(deep.ignored("cache/other", kFile));
  EXPECT_FALSE(deep.ignored("x/cache/data2", kFile));
}

TEST(IgnoreRulesFile, InnerDoubleStarMatchesZeroOrMoreFolders) {
  auto rules = IgnoreRules::with_file("a/**/b\n");
  EXPECT_TRUE(rules.ignored("a/b", kFile)) << "zero folders";
  EXPECT_TRUE(rules.ignored("a/x/b", kFile)) << "one folder";
  EXPECT_TRUE(rules.ignored("a/x/y/b", kFile)) << "two folders";
  EXPECT_TRUE(rules.ignored("a/x/y/z/b", kFile)) << "three folders";
  EXPECT_TRUE(rules.ignored("a/x/y/b/inside.txt", kFile)) << "below a matched folder";
  EXPECT_FALSE(rules.ignored("b", kFile));
  EXPECT_FALSE(rules.ignored("x/a/b", kFile)) << "anchored";
  EXPECT_FALSE(rules.ignored("a/x/bb", kFile));
  EXPECT_FALSE(rules.ignored("a/x/y/bb", kFile));
  EXPECT_FALSE(rules.ignored("ab", kFile));
  EXPECT_FALSE(rules.ignored("a/x", kFile));
}

TEST(IgnoreRulesFile, TrailingDoubleStarIsEverythingInside) {
  auto rules = IgnoreRules::with_file("out/**\n");
  EXPECT_TRUE(rules.ignored("out/x", kFile));
  EXPECT_TRUE(rules.ignored("out/x/y/z.txt", kFile));
  EXPECT_FALSE(rules.ignored("src/out/x", kFile));
  EXPECT_FALSE(rules.ignored("output/x", kFile));
}

TEST(IgnoreRulesFile, ANegationAfterwardsReIncludes) {
  auto rules = IgnoreRules::with_file("*.log\n!keep.log\n");
  EXPECT_TRUE(rules.ignored("x.log", kFile));
  EXPECT_TRUE(rules.ignored("a/x.log", kFile));
  EXPECT_FALSE(rules.ignored("keep.log", kFile));
  EXPECT_FALSE(rules.ignored("a/keep.log", kFile));
  EXPECT_TRUE(rules.ignored("keep.log.log", kFile));
}

TEST(IgnoreRulesFile, LaterLinesWinSoANegationBeforeTheRuleDoesNothing) {
  auto rules = IgnoreRules::with_file("!keep.log\n*.log\n");
  EXPECT_TRUE(rules.ignored("keep.log", kFile));
}

TEST(IgnoreRulesFile, ANegationCannotReIncludeBelowAnIgnoredFolder) {
  auto rules = IgnoreRules::with_file("logs/\n!logs/keep.txt\n");
  EXPECT_TRUE(rules.ignored("logs/keep.txt", kFile)) << "as in git: the folder is excluded";
  // And a negation can lift a default.
  auto lifted = IgnoreRules::with_file("!target/\n");
  EXPECT_FALSE(lifted.ignored("target", kDir));
  EXPECT_FALSE(lifted.ignored("target/x", kFile));
  EXPECT_TRUE(lifted.ignored("node_modules/x", kFile));
}

TEST(IgnoreRulesFile, ATrailingSlashIsForFoldersOnly) {
  auto rules = IgnoreRules::with_file("cache/\n/dist/\n");
  EXPECT_TRUE(rules.ignored("cache", kDir));
  EXPECT_TRUE(rules.ignored("a/cache", kDir)) << "a trailing slash alone does not anchor";
  EXPECT_TRUE(rules.ignored("cache/x.bin", kFile));
  EXPECT_TRUE(rules.ignored("a/cache/x.bin", kFile));
  EXPECT_FALSE(rules.ignored("cache", kFile));
  EXPECT_FALSE(rules.ignored("a/cache", kFile));
  EXPECT_TRUE(rules.ignored("dist", kDir));
  EXPECT_TRUE(rules.ignored("dist/app.js", kFile));
  EXPECT_FALSE(rules.ignored("dist", kFile));
  EXPECT_FALSE(rules.ignored("web/dist", kDir));
}

TEST(IgnoreRulesFile, CrlfLineEndingsAreTheSameRules) {
  auto lf = IgnoreRules::with_file("# c\n*.log\n!keep.log\n/build\ncache/\n");
  auto crlf = IgnoreRules::with_file("# c\r\n*.log\r\n!keep.log\r\n\r\n/build\r\ncache/\r\n");
  struct Case {
    const char* path;
    bool dir;
    bool ignored;
  };
  for (auto c : {Case{"x.log", kFile, true}, Case{"keep.log", kFile, false}, Case{"build", kDir, true},
                 Case{"build/x", kFile, true}, Case{"src/build", kDir, false}, Case{"cache", kDir, true},
                 Case{"a/cache/x", kFile, true}, Case{"cache", kFile, false}, Case{"main.c", kFile, false}}) {
    SCOPED_TRACE(c.path);
    EXPECT_EQ(lf.ignored(c.path, c.dir), c.ignored);
    EXPECT_EQ(crlf.ignored(c.path, c.dir), c.ignored);
  }
  // A last line without any newline counts too.
  EXPECT_TRUE(IgnoreRules::with_file("*.tmp\r\n*.bak").ignored("x.bak", kFile));
}

TEST(IgnoreRulesFile, TrailingSpacesAreTrimmed) {
  auto rules = IgnoreRules::with_file("*.log   \n");
  EXPECT_TRUE(rules.ignored("x.log", kFile));
}

TEST(IgnoreRulesFile, AFullFileTogether) {
  const char* text =
      "# build output\r\n"
      "/build\r\n"
      "\r\n"
      "*.log\r\n"
      "!keep.log\r\n"
      "docs/*.md\r\n"
      "**/tmp\r\n"
      "a/**/b\r\n"
      "cache/\r\n";
  auto rules = IgnoreRules::with_file(text);
  EXPECT_TRUE(rules.ignored("build", kDir));
  EXPECT_FALSE(rules.ignored("src/build", kDir));
  EXPECT_TRUE(rules.ignored("src/x.log", kFile));
  EXPECT_FALSE(rules.ignored("src/keep.log", kFile));
  EXPECT_TRUE(rules.ignored("docs/x.md", kFile));
  EXPECT_FALSE(rules.ignored("src/docs/x.md", kFile));
  EXPECT_TRUE(rules.ignored("q/tmp/z", kFile));
  EXPECT_TRUE(rules.ignored("a/p/q/b", kFile));
  EXPECT_TRUE(rules.ignored("cache", kDir));
  EXPECT_FALSE(rules.ignored("cache", kFile));
  EXPECT_TRUE(rules.ignored("lib/node_modules/left-pad/index.js", kFile));
  EXPECT_FALSE(rules.ignored("src/main.cpp", kFile));
  EXPECT_FALSE(rules.ignored("# build output", kFile));
}

}  // namespace
}  // namespace berth::workspace
