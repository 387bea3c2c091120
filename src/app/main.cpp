// connect-local: the composition root, the only place that knows every module.
#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>

#include <cstdio>
#include <fstream>
#include <iterator>
#include <regex>

#include "admin/admin.hpp"
#include "app/gateway.hpp"
#include "auth/credentials.hpp"
#include "auth/verifier.hpp"
#include "common/clock.hpp"
#include "common/crypto.hpp"
#include "common/ids.hpp"
#include "common/metrics.hpp"
#include "common/value_json.hpp"
#include "common/worker_pool.hpp"
#include "app/throttle.hpp"
#include "connect/service.hpp"
#include "inventory/inventory.hpp"
#include "http/server.hpp"
#include "protocol/model.hpp"
#include "store/sqlite/sqlite_store.hpp"

#ifndef CL_VERSION
#define CL_VERSION "0.0.0"
#endif

namespace {

// "2s", "500ms", "1.5s", "0" -> milliseconds; throws CLI::ValidationError.
cl::Millis parse_duration(const std::string& text) {
  static const std::regex kForm(R"(^(\d+(?:\.\d+)?)(ms|s|m)?$)");
  std::smatch m;
  if (!std::regex_match(text, m, kForm)) throw CLI::ValidationError("--transient-delay", "expected e.g. 2s, 500ms, 0");
  double n = std::stod(m[1].str());
  std::string unit = m[2].matched ? m[2].str() : "s";
  double ms = unit == "ms" ? n : unit == "m" ? n * 60000 : n * 1000;
  return static_cast<cl::Millis>(ms);
}

bool is_loopback(const std::string& host) {
  return host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0;
}

struct ServeOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 4570;
  std::string data_dir = "./connect-local-data";
  bool in_memory = false;
  std::string postgres;
  std::string credentials;
  std::string auth = "verify";
  std::string transient_delay = "2s";
  std::string throttle = "off";
  std::string admin_token;
  unsigned threads = 2;
  unsigned workers = 64;
  std::string log_level = "info";
  std::string seed;
};

int serve(const ServeOptions& o) {
  spdlog::set_level(spdlog::level::from_str(o.log_level));
  if (!o.postgres.empty()) {
    std::fprintf(stderr, "connect-local: --postgres is not available in this build yet\n");
    return 2;
  }
  cl::auth::Credentials credentials =
      o.credentials.empty() ? cl::auth::Credentials::defaults() : cl::auth::Credentials::load_file(o.credentials);
  cl::auth::Verifier verifier(credentials, o.auth == "off" ? cl::auth::Mode::Off : cl::auth::Mode::Verify);

  cl::Metrics metrics;
  auto store_options = o.in_memory ? cl::store::SqliteOptions::memory() : cl::store::SqliteOptions::on_disk(o.data_dir);
  store_options.on_commit = [&metrics](double seconds, size_t n) { metrics.record_commit(seconds, n); };
  auto store = cl::store::open_sqlite(store_options);
  cl::OffsetClock clock;
  cl::RandomIdGenerator ids;
  cl::connect::ServiceConfig service_config;
  service_config.transient_delay_ms = parse_duration(o.transient_delay);
  const cl::protocol::Model& model = cl::protocol::Model::embedded();
  cl::inventory::NumberPlan plan;
  cl::inventory::Inventory inventory(plan);
  cl::connect::Service service(*store, plan, inventory, clock, ids, service_config,
                               [&clock](cl::Millis offset) { clock.set_offset_ms(offset); });
  service.start(plan.default_blocks(model.shape("PhoneNumberCountryCode")->enum_values));
  if (!o.seed.empty()) {
    // A pipeline starts from a known state: the snapshot replaces whatever the store holds.
    std::ifstream in(o.seed, std::ios::binary);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    cl::Value snapshot;
    std::string why;
    if (!in || !cl::from_json(text, snapshot, &why))
      throw std::runtime_error("--seed " + o.seed + ": not a JSON snapshot" + (why.empty() ? "" : ": " + why));
    try {
      service.import_snapshot(snapshot, [&o](const std::string& what) { std::printf("seed %s: %s\n", o.seed.c_str(), what.c_str()); });
    } catch (const std::invalid_argument& e) {
      throw std::runtime_error("--seed " + o.seed + ": " + e.what());
    }
  }

  cl::admin::AdminConfig admin_config{CL_VERSION, o.admin_token, !o.admin_token.empty() || is_loopback(o.host),
                                      store->backend()};
  cl::admin::Admin admin(admin_config, clock, service, metrics);

  std::unique_ptr<cl::app::Throttle> throttle;
  if (o.throttle == "aws") throttle = std::make_unique<cl::app::Throttle>(2.0, 5.0);
  cl::WorkerPool workers(o.workers);
  cl::app::Gateway gateway(model, verifier, service, admin, throttle.get(), metrics, workers);

  cl::http::ServerConfig server_config;
  server_config.host = o.host;
  server_config.port = o.port;
  server_config.threads = o.threads;
  cl::http::Server server(server_config, [&](cl::http::Request&& req, cl::http::Responder respond) {
    gateway.handle(std::move(req), std::move(respond));
  });
  server.stop_on_signals();

  std::printf("connect-local %s listening on http://%s:%u\n", CL_VERSION, o.host.c_str(), server.port());
  std::printf("  store: %s (%s)\n", store->backend(), o.in_memory ? "in memory" : o.data_dir.c_str());
  if (o.credentials.empty())
    std::printf("  credentials: access key 'test', secret 'test', account 000000000000\n");
  else
    std::printf("  credentials: %zu from %s\n", credentials.size(), o.credentials.c_str());
  std::printf("  auth: %s, transient delay: %s\n", o.auth.c_str(), o.transient_delay.c_str());
  std::fflush(stdout);
  server.run();
  spdlog::info("stopped");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"connect-local: the Amazon Connect phone-number API, locally"};
  app.set_version_flag("--version", CL_VERSION);
  app.require_subcommand(1);
  ServeOptions o;
  auto* s = app.add_subcommand("serve", "Start the server");
  s->add_option("--host", o.host, "Address to listen on")->capture_default_str();
  s->add_option("--port", o.port, "Port to listen on (0 picks a free one)")->capture_default_str();
  auto* data_dir = s->add_option("--data-dir", o.data_dir, "SQLite data directory")->capture_default_str();
  auto* in_memory = s->add_flag("--in-memory", o.in_memory, "Keep all state in memory (lost at exit)");
  auto* postgres = s->add_option("--postgres", o.postgres, "PostgreSQL connection string (shared deployments)");
  data_dir->excludes(in_memory);
  postgres->excludes(in_memory)->excludes(data_dir);
  s->add_option("--credentials", o.credentials,
                "Credentials file (JSON); without it one credential exists: test/test, account 000000000000")
      ->check(CLI::ExistingFile);
  s->add_option("--auth", o.auth, "verify: check SigV4 signatures; off: accept any request")
      ->check(CLI::IsMember({"verify", "off"}))
      ->capture_default_str();
  s->add_option("--transient-delay", o.transient_delay, "How long transient states last (e.g. 2s, 500ms, 0)")
      ->capture_default_str();
  s->add_option("--throttle", o.throttle, "off, or aws: 2 requests/s with burst 5 per account, region and operation")
      ->check(CLI::IsMember({"off", "aws"}))
      ->capture_default_str();
  s->add_option("--admin-token", o.admin_token, "Require 'Authorization: Bearer <token>' on the admin API");
  s->add_option("--threads", o.threads, "I/O threads")->check(CLI::Range(1u, 256u))->capture_default_str();
  s->add_option("--workers", o.workers, "Worker threads for admin calls and reads that may wait")->check(CLI::Range(1u, 1024u))->capture_default_str();
  s->add_option("--seed", o.seed, "Start from this state snapshot (from `connect-local admin export`), replacing the store's")
      ->check(CLI::ExistingFile);
  s->add_option("--log-level", o.log_level, "trace, debug, info, warn, error")->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  try {
    return serve(o);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "connect-local: %s\n", e.what());
    return 1;
  }
}
