#include "preview/preview_host.hpp"

#include <gtest/gtest.h>

#include "preview/preview_pages.hpp"

using namespace berth::preview;

namespace {
const std::string kId = "0a0b0c0d-0000-4000-8000-00000000abcd";
}

TEST(PreviewHost, NamesAPortAndAProjectUnderTheDomain) {
  auto h = parse_preview_host("8080-" + kId + ".localhost:3000", "localhost");
  ASSERT_TRUE(h);
  EXPECT_EQ(h->port, 8080);
  EXPECT_EQ(h->project_id, kId);
  // Case-insensitive, with or without the listener's port, absolute form too.
  EXPECT_TRUE(parse_preview_host("3000-" + kId + ".Preview.Example.COM", "preview.example.com"));
  EXPECT_TRUE(parse_preview_host("1-" + kId + ".localhost.", "localhost"));
  EXPECT_EQ(preview_host_name(5173, kId, "localhost"), "5173-" + kId + ".localhost");
}

TEST(PreviewHost, RefusesPortsOutOfRangeAndIdsThatAreNotUuids) {
  for (const std::string& bad : std::initializer_list<std::string>{"0-" + kId, "65536-" + kId, "099-" + kId, "-" + kId, "80x-" + kId, "8080-not-a-uuid",
                          "8080-" + kId + "0", "8080", "+80-" + kId})
    EXPECT_FALSE(parse_preview_host(bad + ".localhost", "localhost")) << bad;
  EXPECT_TRUE(parse_preview_host("65535-" + kId + ".localhost", "localhost"));
}

TEST(PreviewHost, OnlyOneLabelUnderTheDomainIsAPreviewHost) {
  EXPECT_TRUE(is_preview_host("foo.localhost", "localhost"));  // the previews' 404, not the IDE
  EXPECT_TRUE(is_preview_host("foo.localhost:3000", "localhost"));
  EXPECT_FALSE(is_preview_host("localhost:3000", "localhost"));  // the API and the IDE
  EXPECT_FALSE(is_preview_host("127.0.0.1:3000", "localhost"));
  EXPECT_FALSE(is_preview_host("a.b.localhost", "localhost"));
  EXPECT_FALSE(is_preview_host("evillocalhost", "localhost"));
  EXPECT_FALSE(is_preview_host("foo.localhost:30x0", "localhost"));
  EXPECT_FALSE(is_preview_host("", "localhost"));
  EXPECT_FALSE(parse_preview_host("8080-" + kId + ".a.localhost", "localhost"));
}

TEST(PreviewPages, EachRefusalHasItsStatusAndCode) {
  EXPECT_EQ(no_such_preview().status, 404);
  EXPECT_EQ(refused(berth::make_error("unauthorized", "")).status, 401);
  EXPECT_EQ(refused(berth::make_error("not_found", "x")).code, "not_found");
  EXPECT_EQ(project_stopped().code, "not_running");
  EXPECT_EQ(port_closed(5173).status, 502);
  EXPECT_NE(port_closed(5173).html.find("5173"), std::string::npos);
  EXPECT_EQ(bad_gateway(true, false, std::chrono::seconds(3)).status, 504);
  EXPECT_EQ(too_many_connections(4).status, 503);
  // What a message carries is escaped, never markup.
  EXPECT_EQ(bad_request("<script>").html.find("<script>"), std::string::npos);
}
