// The Server: its I/O threads and their shutdown. Framing is in parser.cpp, one connection in
// session.cpp, accepting and connection caps in listener.cpp.
#include "http/server.hpp"

#include <condition_variable>
#include <csignal>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <thread>
#include <vector>

#include <boost/asio/basic_signal_set.hpp>
#include <boost/asio/post.hpp>

#include "common/worker_pool.hpp"
#include "http/listener.hpp"
#include "http/session.hpp"

namespace cl::http {

namespace {

using SignalSet = asio::basic_signal_set<Executor>;

void run_loop(asio::io_context& ioc) {
  for (;;) {
    try {
      ioc.run();
      return;
    } catch (...) {
      // A completion handler threw; the loop itself is intact, keep serving.
    }
  }
}

}  // namespace

struct Server::Impl {
  Impl(ServerConfig cfg, Handler handler) : config(std::move(cfg)) {
    const size_t max_open = config.max_connections ? config.max_connections : default_max_connections();
    const size_t per_client =
        config.max_connections_per_client ? config.max_connections_per_client : std::max<size_t>(1, max_open / 2);
    table = std::make_shared<ConnectionTable>(max_open, per_client);
    auto sh = std::make_shared<Shared>();
    sh->handler = std::move(handler);
    sh->limits = config.limits;
    sh->render_error = config.render_error;
    sh->connections = table;
    shared = std::move(sh);
    const unsigned n = std::max(1u, config.threads);
    ctxs.reserve(n);
    for (unsigned i = 0; i < n; ++i) ctxs.push_back(std::make_shared<Context>(shared));
    listener.emplace(config.host, config.port, ctxs, table);
    listener->start();
  }

  ServerConfig config;
  std::shared_ptr<ConnectionTable> table;
  std::shared_ptr<const Shared> shared;
  std::vector<std::shared_ptr<Context>> ctxs;
  // Bound to ctxs[0]; declared after ctxs so they are destroyed before it.
  std::optional<Listener> listener;
  std::optional<SignalSet> signals;
  std::atomic<bool> stopping{false};
  std::mutex run_mu;
  std::condition_variable run_cv;
  bool run_active = false;

  void stop() {
    if (stopping.exchange(true)) return;
    asio::post(ctxs[0]->ioc, [this] {
      if (listener) listener->close();
      error_code ec;
      if (signals) signals->cancel(ec);
    });
    for (auto& c : ctxs)
      asio::post(c->ioc, [cp = c.get(), grace = config.limits.shutdown_grace] { cp->begin_shutdown(grace); });
  }

  void stop_on_signals() {
    if (signals || stopping.load()) return;
    signals.emplace(ctxs[0]->ioc.get_executor(), SIGINT, SIGTERM);
    signals->async_wait([this](const error_code& ec, int) {
      if (!ec) stop();
    });
  }

  void run() {
    {
      std::lock_guard<std::mutex> lock(run_mu);
      if (run_active) throw std::logic_error("cl::http::Server::run() is already running");
      run_active = true;
    }
    std::vector<std::thread> threads;
    threads.reserve(ctxs.size() - 1);
    for (size_t i = 1; i < ctxs.size(); ++i)
      threads.emplace_back([c = ctxs[i]] {
        name_this_thread("cl-io");
        run_loop(c->ioc);
      });
    run_loop(ctxs[0]->ioc);
    for (auto& t : threads) t.join();
    {
      std::lock_guard<std::mutex> lock(run_mu);
      run_active = false;
    }
    run_cv.notify_all();
  }

  // Runs once no I/O thread is left: closes what is still open and completes the aborted operations,
  // so sessions (which hold their context) are released.
  void shutdown() {
    stop();
    {
      std::unique_lock<std::mutex> lock(run_mu);
      run_cv.wait(lock, [this] { return !run_active; });
    }
    for (auto& c : ctxs) c->dead.store(true, std::memory_order_release);
    for (auto& c : ctxs) {
      c->ioc.restart();
      asio::post(c->ioc, [cp = c.get()] {
        cp->stopping = true;
        cp->force_close_all();
        cp->finish();
      });
      while (c->ioc.poll() != 0) {}
    }
  }
};

Server::Server(ServerConfig config, Handler handler)
    : impl_(std::make_unique<Impl>(std::move(config), std::move(handler))) {}

Server::~Server() {
  if (impl_) impl_->shutdown();
}

uint16_t Server::port() const { return impl_->listener->port(); }
size_t Server::max_connections() const { return impl_->table->max_open(); }
void Server::run() { impl_->run(); }
void Server::stop() { impl_->stop(); }
void Server::stop_on_signals() { impl_->stop_on_signals(); }

}  // namespace cl::http
