// net::HttpClient's blocking GET (the JWKS fetch) against a loopback server.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>
#include <thread>

#include "net/http_client.hpp"

namespace asio = boost::asio;
using asio::ip::tcp;

namespace {
// Answers one request with `response`, from a thread.
std::uint16_t serve_once(asio::io_context& ioc, tcp::acceptor& acceptor, std::string response, std::thread& t) {
  acceptor.open(tcp::v4());
  acceptor.bind({asio::ip::make_address("127.0.0.1"), 0});
  acceptor.listen();
  t = std::thread([&acceptor, response] {
    tcp::socket s(acceptor.get_executor());
    acceptor.accept(s);
    asio::streambuf buf;
    asio::read_until(s, buf, "\r\n\r\n");
    asio::write(s, asio::buffer(response));
  });
  (void)ioc;
  return acceptor.local_endpoint().port();
}
}  // namespace

TEST(HttpGetBlocking, FetchesABodyAndRefusesErrors) {
  asio::io_context ioc;
  {
    tcp::acceptor acceptor(ioc);
    std::thread t;
    auto port = serve_once(ioc, acceptor, "HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\n{\"keys\":[]}", t);
    auto body = berth::net::http_get_blocking("http://127.0.0.1:" + std::to_string(port) + "/jwks.json");
    t.join();
    ASSERT_TRUE(body) << body.error().message;
    EXPECT_EQ(*body, "{\"keys\":[]}");
  }
  {
    tcp::acceptor acceptor(ioc);
    std::thread t;
    auto port = serve_once(ioc, acceptor, "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n", t);
    auto body = berth::net::http_get_blocking("http://127.0.0.1:" + std::to_string(port) + "/missing");
    t.join();
    ASSERT_FALSE(body);
    EXPECT_NE(body.error().message.find("404"), std::string::npos);
  }
  EXPECT_FALSE(berth::net::http_get_blocking("ftp://127.0.0.1/x"));
  EXPECT_EQ(berth::net::http_get_blocking("http://127.0.0.1:1/x", std::chrono::milliseconds(500)).error().code,
            "unavailable");
}
