#include "socketio/server.hpp"

namespace berth::socketio {

Server::Server(boost::asio::io_context& ioc, Options options)
    : namespaces_(std::make_shared<NamespaceTable>()),
      engine_(std::make_unique<engineio::Server>(ioc, options.engine)) {
  ClientSettings settings{options.connect_timeout, options.limits};
  engine_->on_connection([namespaces = namespaces_, settings](const engineio::SessionPtr& session) {
    auto client = std::make_shared<Client>(namespaces, settings, session);
    client->start();
    return client;
  });
}

Server::~Server() { close(); }

Namespace& Server::of(std::string_view name) { return namespaces_->of(name); }


void Server::close() { engine_->close_all(); }

}  // namespace berth::socketio
