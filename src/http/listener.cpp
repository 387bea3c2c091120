#include "http/listener.hpp"

#include <sys/resource.h>

#include <algorithm>
#include <cerrno>
#include <stdexcept>

#include <boost/asio/ip/basic_resolver.hpp>
#include <boost/asio/post.hpp>

namespace cl::http {

namespace {

// Descriptors kept for everything but client connections: the store (database, WAL, shared
// memory, lock file), logs, the listening socket, worker threads' files, plus an eighth of the
// limit so refusals and evictions in progress never reach it.
constexpr size_t kReservedDescriptors = 64;
constexpr size_t kMaxRefusing = 16;  // connections answering 503 at once; beyond, closed unanswered

}  // namespace

size_t default_max_connections() {
  rlimit rl{};
  size_t limit = 1024;
  if (::getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY) limit = static_cast<size_t>(rl.rlim_cur);
  if (rl.rlim_cur == RLIM_INFINITY) limit = size_t{1} << 20;
  const size_t reserved = kReservedDescriptors + limit / 8;
  return limit > reserved + 16 ? limit - reserved : 16;
}

// ---- ConnectionTable ----------------------------------------------------------------------------

ConnectionTable::ConnectionTable(size_t max_open, size_t max_per_client)
    : max_open_(std::max<size_t>(1, max_open)),
      max_per_client_(std::clamp<size_t>(max_per_client, 1, max_open_)),
      max_overshoot_(std::min<size_t>(16, max_open_ / 8 + 1)) {}

size_t ConnectionTable::open() const {
  std::lock_guard<std::mutex> lock(mu_);
  return open_;
}

// O(open connections), and only at a cap: cheaper than keeping an ordered list up to date on
// every request.
Session* ConnectionTable::oldest_idle(const std::string* address) const {
  Session* best = nullptr;
  int64_t best_since = 0;
  for (Session* s : sessions_) {
    const int64_t since = s->idle_since();
    if (since == 0 || s->eviction_pending.load(std::memory_order_relaxed)) continue;
    if (address && s->remote() != *address) continue;
    if (!best || since < best_since) {
      best = s;
      best_since = since;
    }
  }
  return best;
}

ConnectionTable::Decision ConnectionTable::admit(const std::string& address) {
  Decision d;
  std::lock_guard<std::mutex> lock(mu_);
  size_t& mine = per_client_[address];
  const bool client_full = mine >= max_per_client_;
  const bool server_full = open_ >= max_open_;
  if (!client_full && !server_full) {
    ++open_;
    ++mine;
    return d;
  }
  if (open_ < max_open_ + max_overshoot_) {
    if (Session* victim = oldest_idle(client_full ? &address : nullptr)) {
      // Destroyed sessions leave the table first, so a listed one is alive; lock() fails only
      // while its last owner is letting go.
      if (auto sp = victim->weak_from_this().lock()) {
        victim->eviction_pending.store(true, std::memory_order_relaxed);
        d.victim = std::move(sp);
        ++open_;
        ++mine;
        return d;
      }
    }
  }
  if (mine == 0) per_client_.erase(address);
  if (refusing_ >= kMaxRefusing) {
    d.drop = true;
    return d;
  }
  ++refusing_;
  d.admission = Session::Admission::Refused;
  return d;
}

void ConnectionTable::attach(Session* s) {
  std::lock_guard<std::mutex> lock(mu_);
  s->table_index = sessions_.size();
  sessions_.push_back(s);
}

void ConnectionTable::release(Session* s, Session::Admission admission) {
  std::lock_guard<std::mutex> lock(mu_);
  if (admission == Session::Admission::Refused) {
    --refusing_;
    return;
  }
  const size_t i = s->table_index;
  if (i < sessions_.size() && sessions_[i] == s) {
    if (i + 1 != sessions_.size()) {
      sessions_[i] = sessions_.back();
      sessions_[i]->table_index = i;
    }
    sessions_.pop_back();
  }
  --open_;
  auto it = per_client_.find(s->remote());
  if (it != per_client_.end() && --it->second == 0) per_client_.erase(it);
}

// ---- Listener -----------------------------------------------------------------------------------

Listener::Listener(const std::string& host, uint16_t port, std::vector<std::shared_ptr<Context>> ctxs,
                   std::shared_ptr<ConnectionTable> table)
    : host_(host), requested_port_(port), ctxs_(std::move(ctxs)), table_(std::move(table)) {
  auto executor = ctxs_[0]->ioc.get_executor();
  error_code ec;
  tcp::endpoint endpoint;
  const auto address = asio::ip::make_address(host_, ec);
  if (!ec) {
    endpoint = tcp::endpoint(address, port);
  } else {
    asio::ip::basic_resolver<tcp, Executor> resolver(executor);
    auto results = resolver.resolve(host_, std::to_string(port), ec);
    if (ec || results.empty()) listen_failed("cannot resolve host", ec);
    endpoint = results.begin()->endpoint();
  }
  acceptor_.emplace(executor);
  acceptor_->open(endpoint.protocol(), ec);
  if (ec) listen_failed("open", ec);
  acceptor_->set_option(asio::socket_base::reuse_address(true), ec);
  acceptor_->bind(endpoint, ec);
  if (ec) listen_failed("bind", ec);
  acceptor_->listen(asio::socket_base::max_listen_connections, ec);
  if (ec) listen_failed("listen", ec);
  port_ = acceptor_->local_endpoint(ec).port();
  if (ec) listen_failed("local_endpoint", ec);
  retry_.emplace(executor);
}

void Listener::listen_failed(const std::string& what, const error_code& ec) const {
  throw std::runtime_error("cannot listen on " + host_ + ":" + std::to_string(requested_port_) + ": " + what +
                           (ec ? ": " + ec.message() : std::string()));
}

void Listener::start() { do_accept(); }

void Listener::close() {
  closed_.store(true, std::memory_order_release);
  error_code ec;
  if (acceptor_) acceptor_->close(ec);
  if (retry_) retry_->cancel();
}

// Connections go round-robin to the per-thread contexts.
void Listener::do_accept() {
  auto ctx = ctxs_[next_ctx_];
  next_ctx_ = (next_ctx_ + 1) % ctxs_.size();
  acceptor_->async_accept(ctx->ioc, [this, ctx](const error_code& ec, Socket socket) mutable {
    if (closed_.load(std::memory_order_acquire) || ec == asio::error::operation_aborted || !acceptor_->is_open())
      return;
    if (!ec) {
      on_accept(ctx, std::move(socket));
      return do_accept();
    }
    if (ec == asio::error::no_descriptors || ec == asio::error::no_buffer_space || ec == asio::error::no_memory ||
        (ec.category() == boost::system::system_category() && ec.value() == ENFILE)) {
      // Out of descriptors or memory: the connection stays in the backlog; back off instead of
      // spinning on the error, and try again once something was closed.
      retry_->expires_after(std::chrono::milliseconds(50));
      retry_->async_wait([this](const error_code& e) {
        if (!e && !closed_.load(std::memory_order_acquire)) do_accept();
      });
      return;
    }
    do_accept();  // per-connection failure (e.g. aborted handshake)
  });
}

void Listener::on_accept(const std::shared_ptr<Context>& ctx, Socket socket) {
  error_code ec;
  auto ep = socket.remote_endpoint(ec);
  if (ec) return;  // already gone
  std::string remote = ep.address().to_string();
  ConnectionTable::Decision d = table_->admit(remote);
  if (d.drop) return;  // the socket closes as it goes out of scope
  if (d.victim) {
    Context& vc = d.victim->context();
    asio::post(vc.ioc, [v = std::move(d.victim)] { v->evict_if_idle(); });
  }
  asio::post(ctx->ioc, [ctx, s = std::move(socket), remote = std::move(remote), a = d.admission]() mutable {
    std::make_shared<Session>(ctx, std::move(s), std::move(remote), a)->start();
  });
}

}  // namespace cl::http
