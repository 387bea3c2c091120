#include "app/admin_cli.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <regex>
#include <sstream>

#include "common/time_format.hpp"
#include "common/value.hpp"
#include "common/value_json.hpp"

namespace cl::app {

namespace {

namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = boost::asio::ip::tcp;

enum Exit { kOk = 0, kRefused = 1, kUsage = 2, kUnreachable = 3 };

constexpr const char* kDefaultEndpoint = "http://127.0.0.1:4570";
constexpr auto kTimeout = std::chrono::seconds(60);

struct Usage : std::runtime_error {
  using std::runtime_error::runtime_error;
};
struct Unreachable : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct Endpoint {
  std::string host, port, base;  // base: path prefix without a trailing '/'
};

Endpoint parse_endpoint(const std::string& url) {
  static const std::regex kForm(R"(^http://(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+)(?::(\d{1,5}))?(/.*)?$)");
  std::smatch m;
  if (url.rfind("https://", 0) == 0) throw Usage("--endpoint: https is not supported (the server speaks plain HTTP)");
  if (!std::regex_match(url, m, kForm))
    throw Usage("--endpoint must look like http://127.0.0.1:4570, got '" + url + "'");
  Endpoint e{m[1].str(), m[2].matched ? m[2].str() : "80", m[3].matched ? m[3].str() : ""};
  while (!e.base.empty() && e.base.back() == '/') e.base.pop_back();
  return e;
}

struct Reply {
  unsigned status = 0;
  std::string body;
};

// One synchronous HTTP/1.1 exchange; throws Unreachable when no answer comes.
class Client {
 public:
  Client(std::string endpoint, std::string token)
      : url_(std::move(endpoint)), ep_(parse_endpoint(url_)), token_(std::move(token)) {}

  Reply call(http::verb method, const std::string& path, const std::string& body = "", bool has_body = false) {
    try {
      boost::asio::io_context io;
      tcp::resolver resolver(io);
      beast::tcp_stream stream(io);
      std::string host = ep_.host;
      if (host.size() > 2 && host.front() == '[') host = host.substr(1, host.size() - 2);
      stream.expires_after(kTimeout);
      stream.connect(resolver.resolve(host, ep_.port));
      http::request<http::string_body> req{method, ep_.base + "/_connect-local/" + path, 11};
      req.set(http::field::host, ep_.host + ":" + ep_.port);
      req.set(http::field::user_agent, "connect-local-admin");
      req.set(http::field::accept, "application/json");
      if (!token_.empty()) req.set(http::field::authorization, "Bearer " + token_);
      if (has_body) {
        req.set(http::field::content_type, "application/json");
        req.body() = body;
      }
      req.prepare_payload();
      http::write(stream, req);
      beast::flat_buffer buffer;
      http::response_parser<http::string_body> parser;
      parser.body_limit(1ULL << 30);  // snapshots can be large
      http::read(stream, buffer, parser);
      beast::error_code ignored;
      stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
      return {parser.get().result_int(), std::move(parser.get().body())};
    } catch (const boost::system::system_error& e) {
      throw Unreachable("cannot reach " + url_ + ": " + e.code().message());
    }
  }

 private:
  std::string url_;
  Endpoint ep_;
  std::string token_;
};

// What the server said no with: its {"error": ...}, else the raw body.
std::string server_error(const Reply& r) {
  Value v;
  if (from_json(r.body, v) && v.is_map())
    if (auto e = v.opt_string("error")) return *e;
  return r.body.empty() ? "HTTP " + std::to_string(r.status) : r.body.substr(0, 500);
}

std::string text(const Value& v) {
  switch (v.kind()) {
    case Value::Kind::Null: return "-";
    case Value::Kind::String: return v.as_string();
    case Value::Kind::Bool: return v.as_bool() ? "true" : "false";
    case Value::Kind::Int: return std::to_string(v.as_int());
    case Value::Kind::Double: {
      std::ostringstream s;
      s << v.as_double();
      return s.str();
    }
    default: return to_json(v);
  }
}

std::string iso_time(double epoch_seconds) { return iso8601_utc(static_cast<Millis>(epoch_seconds * 1000)); }

void print_table(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> width(header.size());
  for (size_t c = 0; c < header.size(); ++c) width[c] = header[c].size();
  for (const auto& row : rows)
    for (size_t c = 0; c < row.size() && c < width.size(); ++c) width[c] = std::max(width[c], row[c].size());
  auto line = [&](const std::vector<std::string>& cells) {
    std::string out;
    for (size_t c = 0; c < cells.size(); ++c) {
      out += cells[c];
      if (c + 1 < cells.size()) out += std::string(width[c] - cells[c].size() + 2, ' ');
    }
    std::cout << out << '\n';
  };
  line(header);
  for (const auto& row : rows) line(row);
}

// Rows of `list` (a list of maps), one column per key; "-" where a member is absent.
void print_list(const Value* list, const std::vector<std::string>& keys, const std::vector<std::string>& header) {
  std::vector<std::vector<std::string>> rows;
  if (list && list->is_list())
    for (const auto& item : list->as_list()) {
      std::vector<std::string> row;
      for (const auto& k : keys) {
        const Value* v = item.is_map() ? item.find(k) : nullptr;
        row.push_back(v ? text(*v) : "-");
      }
      rows.push_back(std::move(row));
    }
  print_table(header, rows);
}

void print_map(const Value& v) {
  std::vector<std::vector<std::string>> rows;
  if (v.is_map())
    for (const auto& [k, val] : v.as_map()) rows.push_back({k, text(val)});
  print_table({"KEY", "VALUE"}, rows);
}

// "180d", "24h", "90m", "30s", "45" (seconds) -> seconds.
double parse_duration(const std::string& s) {
  static const std::regex kForm(R"(^(\d+(?:\.\d+)?)([dhms]?)$)");
  std::smatch m;
  if (!std::regex_match(s, m, kForm)) throw Usage("a duration looks like 180d, 24h, 90m or 30s, got '" + s + "'");
  const double n = std::stod(m[1].str());
  const std::string u = m[2].str();
  return u == "d" ? n * 86400 : u == "h" ? n * 3600 : u == "m" ? n * 60 : n;
}

constexpr const char* kQuotaKeys[] = {"phone_numbers_per_instance", "instances",          "claim_release_ratio",
                                      "claim_release_window_days",  "claim_release_rule", "cooldown_days"};

// key=value -> a member of the quotas body, typed as the server expects.
void add_quota(Value& body, const std::string& assignment) {
  const auto eq = assignment.find('=');
  if (eq == std::string::npos || eq == 0) throw Usage("expected key=value, got '" + assignment + "'");
  const std::string key = assignment.substr(0, eq), value = assignment.substr(eq + 1);
  if (std::find(std::begin(kQuotaKeys), std::end(kQuotaKeys), key) == std::end(kQuotaKeys)) {
    std::string known;
    for (const char* k : kQuotaKeys) known += std::string(known.empty() ? "" : ", ") + k;
    throw Usage("unknown quota '" + key + "' (known: " + known + ")");
  }
  if (key == "claim_release_rule") {
    if (value != "true" && value != "false" && value != "on" && value != "off")
      throw Usage("claim_release_rule is true or false");
    body.set(key, value == "true" || value == "on");
    return;
  }
  static const std::regex kInt(R"(^-?\d{1,15}$)"), kNum(R"(^-?\d{1,15}(\.\d+)?$)");
  if (std::regex_match(value, kInt))
    body.set(key, static_cast<int64_t>(std::stoll(value)));
  else if (key == "claim_release_ratio" && std::regex_match(value, kNum))
    body.set(key, std::stod(value));
  else
    throw Usage(key + " must be a number, got '" + value + "'");
}

std::string read_file(const std::string& path) {
  if (path == "-") {
    std::stringstream s;
    s << std::cin.rdbuf();
    return s.str();
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Usage("cannot read '" + path + "'");
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string query(const std::vector<std::pair<std::string, std::string>>& params) {
  std::string q;
  for (const auto& [k, v] : params) {
    if (v.empty()) continue;
    q += (q.empty() ? "?" : "&") + k + "=";
    for (unsigned char c : v) {
      if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
        q += static_cast<char>(c);
      } else {
        char buf[4];
        std::snprintf(buf, sizeof buf, "%%%02X", c);
        q += buf;
      }
    }
  }
  return q;
}

struct Options {
  std::string endpoint = kDefaultEndpoint;
  std::string token;
  bool json = false;
};

// Runs one call; on a refusal prints the server's error and returns false.
bool call(Client& client, http::verb method, const std::string& path, Value& out, const Value* body = nullptr,
          std::string* raw = nullptr) {
  Reply r = client.call(method, path, body ? to_json(*body) : "", body != nullptr);
  if (r.status >= 400) {
    std::cerr << "connect-local admin: the server answered " << r.status << ": " << server_error(r) << '\n';
    return false;
  }
  if (raw) *raw = r.body;
  std::string why;
  if (!from_json(r.body, out, &why)) throw Unreachable("the server's answer is not JSON: " + why);
  return true;
}

}  // namespace

AdminCommand::AdminCommand(CLI::App& app) {
  sub_ = app.add_subcommand("admin", "Administer a running server (connect-local admin --help)");
  // The rest of the line is parsed by admin_main, which owns its usage errors (exit code 2).
  sub_->prefix_command();
  sub_->allow_extras();
  sub_->set_help_flag();
}

int AdminCommand::run() { return admin_main(sub_->remaining()); }

int admin_main(std::vector<std::string> args) {
  Options o;
  CLI::App app{
      "Administer a running connect-local server through its admin API.\n"
      "Exit codes: 0 ok, 1 the server said no, 2 usage error, 3 cannot connect.",
      "connect-local admin"};
  app.require_subcommand(1);
  app.fallthrough();
  app.add_option("--endpoint", o.endpoint, "Server URL")->envname("CONNECT_LOCAL_ENDPOINT")->capture_default_str();
  app.add_option("--admin-token", o.token, "Admin token (sent as Authorization: Bearer)")
      ->envname("CONNECT_LOCAL_ADMIN_TOKEN");
  app.add_flag("--json", o.json, "Print the server's JSON instead of tables");

  std::function<int(Client&)> action;
  // CLI11 runs the innermost command's callback first: it is the one that acts.
  auto on = [&](CLI::App* cmd, const std::function<int(Client&)>& fn) {
    cmd->callback([&action, fn] {
      if (!action) action = fn;
    });
  };
  auto show = [&](const Value& v, const std::function<void(const Value&)>& human) {
    if (o.json)
      std::cout << to_json(v) << '\n';
    else
      human(v);
    return kOk;
  };

  // status
  on(app.add_subcommand("status", "Health, domain clock and store of the server"), [&](Client& c) {
    Value health, clock;
    if (!call(c, http::verb::get, "health", health) || !call(c, http::verb::get, "clock", clock)) return kRefused;
    Value both = Value::map();
    both.set("health", health);
    both.set("clock", clock);
    return show(both, [&](const Value&) {
      const double now = clock.find("now") ? clock.find("now")->as_double() : 0;
      print_table({"KEY", "VALUE"}, {{"endpoint", o.endpoint},
                                     {"status", health.string_or("status", "?")},
                                     {"version", health.string_or("version", "?")},
                                     {"store", health.string_or("store", "?")},
                                     {"clock", iso_time(now)}});
    });
  });

  // clock [advance DURATION]
  auto* clock = app.add_subcommand("clock", "Show the domain clock, or move it forward");
  auto* advance = clock->add_subcommand("advance", "Move the domain clock forward (180d, 24h, 90m, 30s)");
  std::string duration;
  advance->add_option("duration", duration, "How far: 180d, 24h, 90m, 30s")->required();
  auto clock_action = [&](Client& c, const Value* body) {
    Value v;
    if (!call(c, body ? http::verb::post : http::verb::get, "clock", v, body)) return kRefused;
    return show(v, [](const Value& v) {
      const double now = v.find("now") ? v.find("now")->as_double() : 0;
      std::cout << iso_time(now) << "  (" << static_cast<int64_t>(now) << ")\n";
    });
  };
  on(clock, [&](Client& c) { return clock_action(c, nullptr); });
  on(advance, [&](Client& c) {
    Value body = Value::map();
    body.set("advance_seconds", parse_duration(duration));
    return clock_action(c, &body);
  });

  // quotas get|set
  auto* quotas = app.add_subcommand("quotas", "Quotas of an account and region");
  quotas->require_subcommand(1);
  std::string account = "000000000000", region = "us-east-1";
  std::vector<std::string> assignments;
  auto* qget = quotas->add_subcommand("get", "Show the quotas");
  auto* qset = quotas->add_subcommand("set", "Change quotas: key=value ...");
  for (auto* cmd : {qget, qset}) {
    cmd->add_option("--account", account, "Account id")->capture_default_str();
    cmd->add_option("--region", region, "Region")->capture_default_str();
  }
  qset->add_option("assignments", assignments,
                   "key=value: phone_numbers_per_instance, instances, claim_release_ratio, claim_release_window_days, "
                   "claim_release_rule, cooldown_days")
      ->required();
  on(qget, [&](Client& c) {
    Value v;
    if (!call(c, http::verb::get, "quotas" + query({{"account_id", account}, {"region", region}}), v)) return kRefused;
    return show(v, print_map);
  });
  on(qset, [&](Client& c) {
    Value body = Value::map();
    body.set("account_id", account);
    body.set("region", region);
    for (const auto& a : assignments) add_quota(body, a);
    Value v;
    if (!call(c, http::verb::put, "quotas", v, &body)) return kRefused;
    return show(v, print_map);
  });

  // inventory list|add
  auto* inventory = app.add_subcommand("inventory", "Number blocks of the inventory");
  inventory->require_subcommand(1);
  std::string country, type, prefix;
  int length = 0;
  auto* ilist = inventory->add_subcommand("list", "List the blocks");
  ilist->add_option("--country", country, "Only this country (ISO code)");
  ilist->add_option("--type", type, "Only this type (DID, TOLL_FREE, ...)");
  auto* iadd = inventory->add_subcommand("add", "Add a block");
  iadd->add_option("--country", country, "ISO country code, e.g. US")->required();
  iadd->add_option("--type", type, "DID, TOLL_FREE, UIFN, SHARED, THIRD_PARTY_DID, THIRD_PARTY_TF, SHORT_CODE")
      ->required();
  iadd->add_option("--prefix", prefix, "E.164 prefix, e.g. +1206555")->required();
  iadd->add_option("--length", length, "Length of the numbers, counting the +")->required()->check(CLI::Range(2, 16));
  auto print_blocks = [&](const Value& v) {
    Value filtered = Value::list();
    if (const Value* blocks = v.find("blocks"); blocks && blocks->is_list())
      for (const auto& b : blocks->as_list())
        if ((country.empty() || b.string_or("country", "") == country) &&
            (type.empty() || b.string_or("type", "") == type))
          filtered.push_back(b);
    print_list(&filtered, {"country", "type", "prefix", "length"}, {"COUNTRY", "TYPE", "PREFIX", "LENGTH"});
  };
  on(ilist, [&](Client& c) {
    Value v;
    if (!call(c, http::verb::get, "inventory", v)) return kRefused;
    return show(v, print_blocks);
  });
  on(iadd, [&](Client& c) {
    Value block = Value::map();
    block.set("country", country);
    block.set("type", type);
    block.set("prefix", prefix);
    block.set("length", length);
    Value blocks = Value::list();
    blocks.push_back(block);
    Value body = Value::map();
    body.set("blocks", std::move(blocks));
    Value v;
    if (!call(c, http::verb::post, "inventory", v, &body)) return kRefused;
    return show(v, [&](const Value& v) {
      std::cout << "added " << country << ' ' << type << ' ' << prefix << " (length " << length << "); "
                << (v.find("blocks") ? v.find("blocks")->as_list().size() : 0) << " blocks in the inventory\n";
    });
  });

  // external-numbers list|add
  auto* external = app.add_subcommand("external-numbers", "Numbers available to ImportPhoneNumber");
  external->require_subcommand(1);
  std::string source_arn, number;
  auto* elist = external->add_subcommand("list", "List them");
  auto* eadd = external->add_subcommand("add", "Stock one");
  eadd->add_option("--source-arn", source_arn, "arn:aws:sms-voice:<region>:<account>:phone-number/phone-<32 hex>")
      ->required();
  eadd->add_option("--phone-number", number, "E.164 number")->required();
  eadd->add_option("--country", country, "ISO country code")->required();
  eadd->add_option("--type", type, "Number type, e.g. DID")->required();
  auto print_external = [](const Value& v) {
    print_list(v.find("numbers"), {"phone_number", "country", "type", "source_arn"},
               {"NUMBER", "COUNTRY", "TYPE", "SOURCE ARN"});
  };
  on(elist, [&](Client& c) {
    Value v;
    if (!call(c, http::verb::get, "external-numbers", v)) return kRefused;
    return show(v, print_external);
  });
  on(eadd, [&](Client& c) {
    Value n = Value::map();
    n.set("source_arn", source_arn);
    n.set("phone_number", number);
    n.set("country", country);
    n.set("type", type);
    Value list = Value::list();
    list.push_back(n);
    Value body = Value::map();
    body.set("numbers", std::move(list));
    Value v;
    if (!call(c, http::verb::post, "external-numbers", v, &body)) return kRefused;
    return show(v, print_external);
  });

  // faults list|add|remove|clear
  auto* faults = app.add_subcommand("faults", "Fault rules");
  faults->require_subcommand(1);
  std::string operation, error_code, message, claim_failure, fault_id;
  double probability = 1.0;
  int times = -1;
  bool after_commit = false;
  auto* flist = faults->add_subcommand("list", "List the rules");
  auto* fadd = faults->add_subcommand("add", "Add a rule");
  fadd->add_option("--operation", operation, "Operation name, or *")->required();
  fadd->add_option("--prefix", prefix, "Only numbers with this E.164 prefix");
  fadd->add_option("--probability", probability, "Fraction of matching requests that fail")
      ->check(CLI::Range(0.0, 1.0));
  auto* code_opt = fadd->add_option("--error-code", error_code, "Fail with this error, e.g. InternalServiceException");
  fadd->add_option("--message", message, "The error's message");
  auto* claim_opt =
      fadd->add_option("--claim-failure-message", claim_failure, "Let claims settle to FAILED with this message");
  fadd->add_flag("--after-commit", after_commit, "Fail after the change is made (a lost response)");
  fadd->add_option("--times", times, "Fire at most this many times")->check(CLI::NonNegativeNumber);
  code_opt->excludes(claim_opt);
  auto* fremove = faults->add_subcommand("remove", "Remove a rule");
  fremove->add_option("id", fault_id, "The rule's id")->required();
  auto* fclear = faults->add_subcommand("clear", "Remove every rule");
  auto print_faults = [](const Value& v) {
    print_list(v.find("faults"),
               {"id", "operation", "prefix", "probability", "error_code", "message", "claim_failure_message",
                "after_commit", "times"},
               {"ID", "OPERATION", "PREFIX", "P", "ERROR", "MESSAGE", "CLAIM FAILURE", "AFTER COMMIT", "TIMES"});
  };
  on(flist, [&](Client& c) {
    Value v;
    if (!call(c, http::verb::get, "faults", v)) return kRefused;
    return show(v, print_faults);
  });
  on(fadd, [&](Client& c) {
    if (error_code.empty() && claim_failure.empty())
      throw Usage("faults add needs --error-code or --claim-failure-message");
    Value body = Value::map();
    body.set("operation", operation);
    if (!prefix.empty()) body.set("prefix", prefix);
    body.set("probability", probability);
    if (!error_code.empty()) body.set("error_code", error_code);
    if (!message.empty()) body.set("message", message);
    if (!claim_failure.empty()) body.set("claim_failure_message", claim_failure);
    if (after_commit) body.set("after_commit", true);
    if (times >= 0) body.set("times", times);
    Value v;
    if (!call(c, http::verb::post, "faults", v, &body)) return kRefused;
    return show(v, print_faults);
  });
  on(fremove, [&](Client& c) {
    Value v;
    if (!call(c, http::verb::delete_, "faults" + query({{"id", fault_id}}), v)) return kRefused;
    return show(v, print_faults);
  });
  on(fclear, [&](Client& c) {
    Value v;
    if (!call(c, http::verb::delete_, "faults", v)) return kRefused;
    return show(v, [](const Value&) { std::cout << "no fault rules\n"; });
  });

  // reset, export, import
  auto* reset = app.add_subcommand("reset", "Wipe all state (for test suites)");
  bool yes = false;
  reset->add_flag("--yes,-y", yes, "Accepted for scripts; the reset needs no confirmation");
  on(reset, [&](Client& c) {
    Value body = Value::map();
    Value v;
    if (!call(c, http::verb::post, "reset", v, &body)) return kRefused;
    return show(v, [](const Value&) { std::cout << "reset: all state wiped\n"; });
  });
  on(app.add_subcommand("export", "Write a snapshot of all state (JSON) to stdout"), [&](Client& c) {
    Value v;
    std::string raw;
    if (!call(c, http::verb::get, "snapshot", v, nullptr, &raw)) return kRefused;
    std::cout << raw;
    if (raw.empty() || raw.back() != '\n') std::cout << '\n';
    return kOk;
  });
  auto* import = app.add_subcommand("import", "Replace all state with a snapshot made by export");
  std::string file;
  import->add_option("file", file, "Snapshot file, or - for stdin")->required();
  on(import, [&](Client& c) {
    Value snapshot;
    std::string why;
    const std::string data = read_file(file);
    if (!from_json(data, snapshot, &why) || !snapshot.is_map())
      throw Usage("'" + file + "' is not a snapshot (a JSON object)" + (why.empty() ? "" : ": " + why));
    Value v;
    if (!call(c, http::verb::put, "snapshot", v, &snapshot)) return kRefused;
    return show(v, [](const Value& v) { std::cout << "imported: " << v.string_or("status", "ok") << '\n'; });
  });

  try {
    std::vector<std::string> reversed(args.rbegin(), args.rend());
    app.parse(reversed);  // CLI11 takes the arguments last-first
  } catch (const CLI::CallForHelp&) {
    std::cout << app.help();
    return kOk;
  } catch (const CLI::CallForAllHelp&) {
    std::cout << app.help("", CLI::AppFormatMode::All);
    return kOk;
  } catch (const CLI::ParseError& e) {
    std::cerr << "connect-local admin: " << e.what() << "\nRun 'connect-local admin --help' for usage.\n";
    return kUsage;
  }
  if (!action) {
    std::cerr << "connect-local admin: no command\n";
    return kUsage;
  }
  try {
    Client client(o.endpoint, o.token);
    return action(client);
  } catch (const Usage& e) {
    std::cerr << "connect-local admin: " << e.what() << '\n';
    return kUsage;
  } catch (const Unreachable& e) {
    std::cerr << "connect-local admin: " << e.what() << '\n';
    return kUnreachable;
  }
}

}  // namespace cl::app
