#include "terminal/terminal_registry.hpp"

#include <algorithm>

#include "core/encoding.hpp"

namespace berth::terminal {
namespace asio = boost::asio;

TerminalRegistry::TerminalRegistry(asio::any_io_executor executor, docker::DockerClient& docker,
                                   TerminalOptions options, std::size_t limit)
    : executor_(std::move(executor)), docker_(docker), options_(options), limit_(limit) {}

asio::awaitable<Result<Terminal::Started>> TerminalRegistry::open(TerminalSpec spec, Opener opener) {
  std::uint64_t generation;
  {
    std::lock_guard lock(mu_);
    if (terminals_.size() + starting_ >= limit_) {
      auto ended = std::find_if(terminals_.begin(), terminals_.end(), [](const auto& t) { return t->ended(); });
      if (ended == terminals_.end())
        co_return make_error("limit_reached", "this project has " + std::to_string(limit_) +
                                                  " terminals already (BERTH_MAX_TERMINALS_PER_PROJECT); "
                                                  "close one first");
      terminals_.erase(ended);
    }
    ++starting_;
    generation = generation_;
  }
  auto id = "t" + hex_encode(random_bytes(8));
  auto attach = opener(id);
  auto started = co_await Terminal::start(executor_, docker_, id, std::move(spec), options_, std::move(attach));
  std::lock_guard lock(mu_);
  --starting_;
  if (!started) co_return started.error();
  if (generation != generation_) {
    started->terminal->close();
    co_return make_error("conflict", "the project stopped while the terminal was starting; start it again");
  }
  terminals_.push_back(started->terminal);
  co_return std::move(started).value();
}

std::shared_ptr<Terminal> TerminalRegistry::find(const std::string& id) const {
  std::lock_guard lock(mu_);
  for (const auto& t : terminals_)
    if (t->id() == id) return t;
  return nullptr;
}

std::vector<TerminalInfo> TerminalRegistry::list() const {
  std::vector<std::shared_ptr<Terminal>> all;
  {
    std::lock_guard lock(mu_);
    all = terminals_;
  }
  std::vector<TerminalInfo> out;
  for (const auto& t : all) out.push_back(t->info());
  return out;
}

bool TerminalRegistry::close(const std::string& id) {
  std::shared_ptr<Terminal> gone;
  {
    std::lock_guard lock(mu_);
    auto it = std::find_if(terminals_.begin(), terminals_.end(), [&](const auto& t) { return t->id() == id; });
    if (it == terminals_.end()) return false;
    gone = *it;
    terminals_.erase(it);
  }
  gone->close();
  return true;
}

void TerminalRegistry::end_all() {
  std::vector<std::shared_ptr<Terminal>> all;
  {
    std::lock_guard lock(mu_);
    ++generation_;
    all.swap(terminals_);
  }
  for (auto& t : all) t->close();
}

TerminalRegistries::TerminalRegistries(asio::any_io_executor executor, docker::DockerClient& docker,
                                       TerminalOptions options, std::size_t limit_per_project)
    : executor_(std::move(executor)), docker_(docker), options_(options), limit_(limit_per_project) {}

std::shared_ptr<TerminalRegistry> TerminalRegistries::of(const std::string& project_id) {
  std::lock_guard lock(mu_);
  auto& r = projects_[project_id];
  if (!r) r = std::make_shared<TerminalRegistry>(executor_, docker_, options_, limit_);
  return r;
}

std::shared_ptr<TerminalRegistry> TerminalRegistries::find(const std::string& project_id) {
  std::lock_guard lock(mu_);
  auto it = projects_.find(project_id);
  return it == projects_.end() ? nullptr : it->second;
}

void TerminalRegistries::end_project(const std::string& project_id) {
  std::shared_ptr<TerminalRegistry> r;
  {
    std::lock_guard lock(mu_);
    auto it = projects_.find(project_id);
    if (it == projects_.end()) return;
    r = std::move(it->second);
    projects_.erase(it);
  }
  r->end_all();
}

}  // namespace berth::terminal
