// error_reply: the wire shape of a failure. An internal failure never shows
// its detail (a driver's message with SQL, file paths) to the client.
#include <gtest/gtest.h>

#include "api/error_status.hpp"

namespace berth::api {
namespace {

TEST(ErrorReply, CatalogueCodesKeepTheirStatusAndMessage) {
  auto r = error_reply(make_error("not_found", "no project 42"));
  EXPECT_EQ(r.status, 404);
  EXPECT_NE(r.body.find("\"code\":\"not_found\""), std::string::npos);
  EXPECT_NE(r.body.find("no project 42"), std::string::npos);
  EXPECT_EQ(error_reply(make_error("storage_unavailable", "x")).status, 503);
}

TEST(ErrorReply, InternalFailuresShowOnlyARequestId) {
  for (auto code : {"internal", "sqlite_error", "some_driver_code"}) {
    auto r = error_reply(make_error(code, "near \"FROM\": syntax error in SELECT * FROM berth.users /var/lib/x"));
    EXPECT_EQ(r.status, 500);
    EXPECT_NE(r.body.find("\"code\":\"internal\""), std::string::npos) << r.body;
    EXPECT_EQ(r.body.find("SELECT"), std::string::npos) << r.body;
    EXPECT_EQ(r.body.find("/var/lib"), std::string::npos) << r.body;
    std::string id;
    for (auto& [k, v] : r.headers)
      if (k == "X-Request-Id") id = v;
    ASSERT_EQ(id.size(), 16u);
    EXPECT_NE(r.body.find(id), std::string::npos) << "the body names the request id to quote";
  }
}

}  // namespace
}  // namespace berth::api
