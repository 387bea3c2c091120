// connect-local: the composition root, the only place that knows every module.
#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>

#include <fmt/format.h>
#include <netdb.h>
#ifdef CL_TCMALLOC
#include <gperftools/malloc_extension_c.h>
#endif

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <regex>
#include <stdexcept>
#include <string_view>
#include <vector>

#include "admin/admin.hpp"
#include "app/admin_cli.hpp"
#include "app/data_dir_lock.hpp"
#include "app/gateway.hpp"
#include "app/logging.hpp"
#include "app/throttle.hpp"
#include "auth/credentials.hpp"
#include "auth/verifier.hpp"
#include "common/clock.hpp"
#include "common/crypto.hpp"
#include "common/ids.hpp"
#include "common/metrics.hpp"
#include "common/value_json.hpp"
#include "common/worker_pool.hpp"
#include "connect/service.hpp"
#include "http/server.hpp"
#include "inventory/inventory.hpp"
#include "protocol/model.hpp"
#include "protocol/rest_json.hpp"
#include "store/postgres/postgres_store.hpp"
#include "store/sqlite/sqlite_store.hpp"

#ifndef CL_VERSION
#define CL_VERSION "0.0.0"
#endif

namespace {

constexpr int kUsageError = 2;  // a flag or argument was refused: nothing was touched
constexpr cl::Millis kMaxTransientDelay = 24LL * 3600 * 1000;

// "2s", "500ms", "1.5m", "1h", "0" (a bare number is seconds) -> milliseconds; nullopt when malformed.
std::optional<cl::Millis> parse_duration(const std::string& text) {
  static const std::regex kForm(R"(^(\d{1,9}(?:\.\d{1,3})?)(ms|s|m|h)?$)");
  std::smatch m;
  if (!std::regex_match(text, m, kForm)) return std::nullopt;
  const double n = std::stod(m[1].str());
  const std::string unit = m[2].matched ? m[2].str() : "s";
  const double per_unit = unit == "ms" ? 1 : unit == "s" ? 1000 : unit == "m" ? 60000 : 3600000;
  return static_cast<cl::Millis>(n * per_unit);
}

bool is_loopback(const std::string& host) { return host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0; }

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
  size_t max_connections = 0;
  size_t max_connections_per_client = 0;
  std::string log_level = "info";
  std::string log_format = "text";
  std::string seed;
};

// The options once every flag has been checked.
struct ServeConfig {
  ServeOptions o;
  bool use_postgres = false;
  cl::Millis transient_delay_ms = 0;
  spdlog::level::level_enum log_level = spdlog::level::info;
  cl::app::logging::Format log_format = cl::app::logging::Format::Text;
  std::optional<cl::auth::Credentials> credentials;  // empty: the default test/test credential
};

struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Every check a flag's value needs, before anything is created, opened or bound.
ServeConfig validate(const ServeOptions& o, bool postgres_given, bool admin_token_given) {
  ServeConfig c;
  c.o = o;
  if (o.host.empty()) throw UsageError("--host: an address or host name is required");
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE;
  addrinfo* found = nullptr;
  if (int rc = ::getaddrinfo(o.host.c_str(), nullptr, &hints, &found); rc != 0)
    throw UsageError("--host " + o.host + ": cannot resolve it (" + ::gai_strerror(rc) + ")");
  ::freeaddrinfo(found);
  if (postgres_given) {
    if (o.postgres.empty()) throw UsageError("--postgres: a connection string is required (e.g. postgresql://host/db)");
    c.use_postgres = true;
  } else if (!o.in_memory) {
    if (o.data_dir.empty()) throw UsageError("--data-dir: a directory is required");
    std::error_code ec;
    if (std::filesystem::exists(o.data_dir, ec) && !std::filesystem::is_directory(o.data_dir, ec))
      throw UsageError("--data-dir " + o.data_dir + ": exists and is not a directory");
  }
  auto delay = parse_duration(o.transient_delay);
  if (!delay)
    throw UsageError("--transient-delay " + o.transient_delay +
                     ": expected a number with a unit ms, s, m or h (e.g. 2s, 500ms, 1.5m, 1h; a bare number is "
                     "seconds)");
  if (*delay > kMaxTransientDelay) throw UsageError("--transient-delay " + o.transient_delay + ": at most 24h");
  c.transient_delay_ms = *delay;
  if (admin_token_given) {
    if (o.admin_token.empty()) throw UsageError("--admin-token: the token must not be empty");
    for (unsigned char ch : o.admin_token)
      if (ch <= 0x20 || ch >= 0x7f)
        throw UsageError("--admin-token: only printable ASCII characters without spaces (it is sent in a header)");
  }
  c.log_level = spdlog::level::from_str(o.log_level);
  c.log_format = o.log_format == "json" ? cl::app::logging::Format::Json : cl::app::logging::Format::Text;
  if (!o.credentials.empty()) {
    try {
      c.credentials = cl::auth::Credentials::load_file(o.credentials);
    } catch (const std::exception& e) {
      throw UsageError(std::string("--credentials: ") + e.what());
    }
  }
  return c;
}

std::string seconds_text(std::chrono::steady_clock::time_point since) {
  return fmt::format("{:.2f} s", std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count());
}

int serve(const ServeConfig& c) {
  using Clock = std::chrono::steady_clock;
  const ServeOptions& o = c.o;
  cl::app::logging::init(c.log_format, c.log_level);
  struct FlushAtExit {
    ~FlushAtExit() { cl::app::logging::shutdown(); }
  } flush_at_exit;
  cl::auth::Credentials credentials = c.credentials ? *c.credentials : cl::auth::Credentials::defaults();
  cl::auth::Verifier verifier(credentials, o.auth == "off" ? cl::auth::Mode::Off : cl::auth::Mode::Verify);

  // Taken before the database is opened, held until the process ends.
  std::optional<cl::app::DataDirLock> lock;
  if (!o.in_memory && !c.use_postgres) lock.emplace(o.data_dir);

  cl::Metrics metrics;
  auto started = Clock::now();
  auto on_commit = [&metrics](double seconds, size_t n) { metrics.record_commit(seconds, n); };
  std::unique_ptr<cl::store::Store> store;
  if (c.use_postgres) {
    cl::app::logging::say("opening the postgres store");
    cl::store::PostgresOptions store_options;
    store_options.dsn = o.postgres;
    store_options.on_commit = on_commit;
    try {
      store = cl::store::open_postgres(store_options);
    } catch (const cl::store::StoreFailure& e) {
      throw std::runtime_error(std::string("--postgres: ") + e.what() +
                               ": check that the database is running and the connection string is right");
    }
  } else {
    cl::app::logging::say(o.in_memory ? std::string("opening the in-memory store")
                                      : "opening the sqlite store in " + o.data_dir);
    auto store_options =
        o.in_memory ? cl::store::SqliteOptions::memory() : cl::store::SqliteOptions::on_disk(o.data_dir);
    store_options.on_commit = on_commit;
    store = cl::store::open_sqlite(store_options);
  }
  cl::app::logging::say("store ready in " + seconds_text(started));
  cl::OffsetClock clock;
  cl::RandomIdGenerator ids;
  cl::connect::ServiceConfig service_config;
  service_config.transient_delay_ms = c.transient_delay_ms;
  const cl::protocol::Model& model = cl::protocol::Model::embedded();
  cl::inventory::NumberPlan plan;
  cl::inventory::Inventory inventory(plan);
  cl::connect::Service service(*store, plan, inventory, clock, ids, service_config,
                               [&clock](cl::Millis offset) { clock.set_offset_ms(offset); });
  started = Clock::now();
  cl::app::logging::say("loading inventory: number blocks and held numbers");
  service.start(plan.default_blocks(model.shape("PhoneNumberCountryCode")->enum_values));
  cl::app::logging::say(fmt::format("loaded inventory: {} blocks, {} held numbers in {}", inventory.blocks().size(),
                                    inventory.hold_count(), seconds_text(started)));
  if (!o.seed.empty()) {
    // A pipeline starts from a known state: the snapshot replaces whatever the store holds.
    std::ifstream in(o.seed, std::ios::binary);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    cl::Value snapshot;
    std::string why;
    if (!in || !cl::from_json(text, snapshot, &why))
      throw std::runtime_error("--seed " + o.seed + ": not a JSON snapshot" + (why.empty() ? "" : ": " + why));
    try {
      service.import_snapshot(snapshot,
                              [&o](const std::string& what) { cl::app::logging::say("seed " + o.seed + ": " + what); });
    } catch (const std::invalid_argument& e) {
      throw std::runtime_error("--seed " + o.seed + ": " + e.what());
    }
  }
#ifdef CL_TCMALLOC
  // Start-up read every held number at once; tcmalloc keeps the pages it freed unless told.
  MallocExtension_ReleaseFreeMemory();
#endif

  cl::admin::AdminConfig admin_config{CL_VERSION, o.admin_token, !o.admin_token.empty() || is_loopback(o.host),
                                      store->backend()};
  cl::admin::Admin admin(admin_config, clock, service, *store, metrics);
  if (!o.credentials.empty()) admin.know_accounts_of(o.credentials);

  std::unique_ptr<cl::app::Throttle> throttle;
  if (o.throttle == "aws") throttle = std::make_unique<cl::app::Throttle>(2.0, 5.0);
  cl::WorkerPool workers(o.workers);
  cl::app::Gateway gateway(model, verifier, service, admin, throttle.get(), metrics, workers);

  cl::http::ServerConfig server_config;
  server_config.host = o.host;
  server_config.port = o.port;
  server_config.threads = o.threads;
  server_config.max_connections = o.max_connections;
  server_config.max_connections_per_client = o.max_connections_per_client;
  // State snapshots of large inventories exceed the API's 1 MiB; only the admin API's clients send them.
  server_config.limits.large_body_prefix = "/_connect-local/snapshot";
  server_config.limits.large_body_bytes = size_t{1} << 30;
  // Framing errors, timeouts and overload answer in the same AWS error form as everything else.
  server_config.render_error = [&model](unsigned status, std::string_view code, std::string_view message) {
    return cl::protocol::error_response(model,
                                        cl::errors::with_status(std::string(code), std::string(message), int(status)));
  };
  cl::http::Server server(server_config, [&](cl::http::Request&& req, cl::http::Responder respond) {
    gateway.handle(std::move(req), std::move(respond));
  });
  server.stop_on_signals();

  cl::app::logging::say(fmt::format("store: {} ({})", store->backend(),
                                    c.use_postgres ? "shared database"
                                    : o.in_memory  ? "in memory"
                                                   : o.data_dir));
  if (!c.credentials)
    cl::app::logging::say("credentials: access key 'test', secret 'test', account 000000000000");
  else
    cl::app::logging::say(fmt::format("credentials: {} from {}", credentials.size(), o.credentials));
  cl::app::logging::say(
      fmt::format("auth: {}, transient delay: {}, log level: {}", o.auth, o.transient_delay, o.log_level));
  // Last, so whoever waits for it has read the lines above. The e2e harnesses read the port from
  // this line: keep "listening on http://HOST:PORT".
  cl::app::logging::say(fmt::format("connect-local {} listening on http://{}:{}", CL_VERSION, o.host, server.port()));
  server.run();
  spdlog::info("stopped");
  return 0;
}

// Levenshtein distance, for "did you mean" suggestions.
size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = up;
    }
  }
  return row[b.size()];
}

// The closest candidate, if it is close enough to be a typo (or `word` is a prefix of it).
std::optional<std::string> closest(std::string_view word, const std::vector<std::string>& candidates) {
  std::optional<std::string> best;
  size_t best_distance = std::max<size_t>(2, word.size() / 3) + 1;
  for (const auto& c : candidates) {
    size_t d = c.rfind(word, 0) == 0 && word.size() >= 3 ? 1 : edit_distance(word, c);
    if (d < best_distance) {
      best_distance = d;
      best = c;
    }
  }
  return best;
}

int usage_error(const std::string& message, const std::string& help) {
  std::fprintf(stderr, "connect-local: %s\nRun '%s' for the flags.\n", message.c_str(), help.c_str());
  return kUsageError;
}

// Options given on the command line that `command` does not know, each with a suggestion.
std::string unknown_options(const CLI::App& command, int argc, char** argv, int first) {
  std::vector<std::string> known;
  for (const CLI::Option* opt : command.get_options()) {
    for (const auto& n : opt->get_lnames()) known.push_back("--" + n);
    for (const auto& n : opt->get_snames()) known.push_back("-" + n);
  }
  std::string message;
  for (int i = first; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--") break;
    if (arg.size() < 2 || arg[0] != '-' || (arg[1] >= '0' && arg[1] <= '9')) continue;
    std::string name = arg.substr(0, arg.find('='));
    if (std::find(known.begin(), known.end(), name) != known.end()) continue;
    if (!message.empty()) message += "; ";
    message += "unknown option " + name;
    if (auto s = closest(name, known)) message += " (did you mean " + *s + "?)";
  }
  return message;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"connect-local: the Amazon Connect phone-number API, locally"};
  app.set_version_flag("--version", CL_VERSION);
  app.require_subcommand(1);
  ServeOptions o;
  auto* s = app.add_subcommand("serve", "Start the server");
  s->set_version_flag("--version", CL_VERSION);
  s->add_option("--host", o.host, "Address or host name to listen on")->capture_default_str();
  s->add_option("--port", o.port, "Port to listen on (0 picks a free one)")->capture_default_str();
  auto* data_dir =
      s->add_option("--data-dir", o.data_dir, "SQLite data directory (created if missing; locked while serving)")
          ->capture_default_str();
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
  s->add_option("--transient-delay", o.transient_delay,
                "How long transient states last: a number with a unit ms, s, m or h (e.g. 500ms, 2s, 1.5m, 1h; a "
                "bare number is seconds; at most 24h)")
      ->capture_default_str();
  s->add_option("--throttle", o.throttle, "off, or aws: 2 requests/s with burst 5 per account, region and operation")
      ->check(CLI::IsMember({"off", "aws"}))
      ->capture_default_str();
  auto* admin_token =
      s->add_option("--admin-token", o.admin_token, "Require 'Authorization: Bearer <token>' on the admin API");
  s->add_option("--threads", o.threads, "I/O threads")->check(CLI::Range(1u, 256u))->capture_default_str();
  s->add_option("--workers", o.workers, "Worker threads for admin calls and reads that may wait")
      ->check(CLI::Range(1u, 1024u))
      ->capture_default_str();
  s->add_option("--seed", o.seed,
                "Start from this state snapshot (from `connect-local admin export`), replacing the store's")
      ->check(CLI::ExistingFile);
  s->add_option("--max-connections", o.max_connections,
                "Open connections at most (0: from the descriptor limit); at the cap the oldest idle one is closed")
      ->check(CLI::Range(size_t{0}, size_t{1} << 24))
      ->capture_default_str();
  s->add_option("--max-connections-per-client", o.max_connections_per_client,
                "Open connections per client address at most (0: half of --max-connections)")
      ->check(CLI::Range(size_t{0}, size_t{1} << 24))
      ->capture_default_str();
  cl::app::AdminCommand admin_command(app);
  s->add_option("--log-level", o.log_level, "trace, debug, info (one access-log line per request), warn, error or off")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "off"}))
      ->capture_default_str();
  s->add_option("--log-format", o.log_format, "text, or json: one JSON object per line")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();

  // A misspelt command would otherwise be reported as a missing one.
  std::vector<std::string> commands;
  for (const CLI::App* sub : app.get_subcommands([](CLI::App*) { return true; })) commands.push_back(sub->get_name());
  if (argc > 1 && argv[1][0] != '-' && std::find(commands.begin(), commands.end(), argv[1]) == commands.end()) {
    std::string message = std::string("unknown command '") + argv[1] + "'";
    if (auto suggestion = closest(argv[1], commands)) message += " (did you mean '" + *suggestion + "'?)";
    return usage_error(message, "connect-local --help");
  }
  if (argc > 1 && argv[1][0] == '-') {
    const std::string_view a = argv[1];
    if (a != "-h" && a != "--help" && a != "--help-all" && a != "--version") {
      std::string message = unknown_options(app, argc, argv, 1);
      return usage_error(message.empty() ? "a command is required: connect-local serve [flags]" : message,
                         "connect-local --help");
    }
  }
  ServeConfig config;
  try {
    app.parse(argc, argv);
    if (admin_command.selected()) return admin_command.run();
    config = validate(o, postgres->count() > 0, admin_token->count() > 0);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ExtrasError& e) {
    const bool in_serve = s->parsed();
    std::string message = in_serve ? unknown_options(*s, argc, argv, 2) : unknown_options(app, argc, argv, 1);
    return usage_error(message.empty() ? e.what() : message,
                       in_serve ? "connect-local serve --help" : "connect-local --help");
  } catch (const CLI::ConversionError& e) {
    // "Could not convert: --port = 70000": say what is expected instead.
    static const std::regex kWhat(R"(^Could not convert: (\S+) = (.*)$)");
    static const std::vector<std::pair<std::string, std::string>> kExpected = {
        {"--port", "a port number from 0 to 65535 (0 picks a free one)"},
        {"--threads", "a whole number from 1 to 256"},
        {"--workers", "a whole number from 1 to 1024"}};
    std::smatch m;
    std::string what = e.what();
    if (std::regex_match(what, m, kWhat))
      for (const auto& [name, expected] : kExpected)
        if (m[1] == name) what = name + " " + m[2].str() + ": expected " + expected;
    return usage_error(what, "connect-local serve --help");
  } catch (const CLI::RequiredError& e) {
    if (!s->parsed()) return usage_error("a command is required: connect-local serve [flags]", "connect-local --help");
    return usage_error(e.what(), "connect-local serve --help");
  } catch (const CLI::ParseError& e) {
    return usage_error(e.what(), s->parsed() ? "connect-local serve --help" : "connect-local --help");
  } catch (const UsageError& e) {
    return usage_error(e.what(), "connect-local serve --help");
  }
  // Logging is the server's only writer of stdout; a reader that goes away must not kill it.
  std::signal(SIGPIPE, SIG_IGN);
  try {
    return serve(config);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "connect-local: %s\n", e.what());
    return 1;
  }
}
