#include "connect/service.hpp"

#include <future>

#include "common/aws_error.hpp"
#include "common/crypto.hpp"
#include "common/value_json.hpp"

namespace cl::connect {

namespace {
constexpr Millis kIdempotencyWindowMs = 24LL * 3600 * 1000;
constexpr const char* kPageTokenKey = "page_token_key";
constexpr const char* kClockOffsetKey = "clock_offset_ms";
constexpr const char* kSnapshotFormat = "connect-local-snapshot";
constexpr int64_t kSnapshotVersion = 1;

// Snapshots never carry the page-token key: it is the deployment's secret.
bool is_secret_row(const store::TableSnapshot& t, const std::vector<Value>& row) {
  return t.name == "settings" && !row.empty() && row[0] == Value(kPageTokenKey);
}

store::TableSnapshot table_of(const std::string& name, const Value& v) {
  const Value* columns = v.find("columns");
  const Value* rows = v.find("rows");
  if (!v.is_map() || !columns || !columns->is_list() || !rows || !rows->is_list())
    throw std::invalid_argument("table " + name + " needs a list of columns and a list of rows");
  store::TableSnapshot t{name, {}, {}};
  for (const auto& c : columns->as_list()) {
    if (!c.is_string()) throw std::invalid_argument("table " + name + ": column names must be strings");
    t.columns.push_back(c.as_string());
  }
  t.rows.reserve(rows->as_list().size());
  for (const auto& r : rows->as_list()) {
    if (!r.is_list() || r.as_list().size() != t.columns.size())
      throw std::invalid_argument("table " + name + ": every row needs one value per column");
    for (const auto& x : r.as_list())
      if (!x.is_null() && !x.is_string() && x.kind() != Value::Kind::Int)
        throw std::invalid_argument("table " + name + ": values must be strings, integers or null");
    if (!is_secret_row(t, r.as_list())) t.rows.push_back(r.as_list());
  }
  return t;
}

std::string new_token_key() {
  unsigned char b[32];
  crypto::random_bytes(b, sizeof b);
  return crypto::hex(b, sizeof b);
}

Millis stored_clock_offset(store::ReadTxn& t) {
  auto v = t.setting(kClockOffsetKey);
  try {
    return v ? std::stoll(*v) : 0;
  } catch (const std::exception&) {
    return 0;
  }
}
}  // namespace

store::Scope scope_of(const RequestContext& ctx) { return {ctx.account_id, ctx.region}; }

Service::Service(store::Store& store, const inventory::NumberPlan& plan, inventory::Inventory& inventory,
                 const Clock& clock, IdGenerator& ids, ServiceConfig config,
                 std::function<void(Millis)> apply_clock_offset)
    : store_(store),
      plan_(plan),
      inventory_(inventory),
      clock_(clock),
      ids_(ids),
      config_(config),
      apply_clock_offset_(std::move(apply_clock_offset)) {
  handlers_ = {
      {"CreateInstance", writes(&Service::create_instance)},
      {"DescribeInstance", reads(&Service::describe_instance)},
      {"ListInstances", reads(&Service::list_instances)},
      {"DeleteInstance", writes(&Service::delete_instance)},
      {"DescribeInstanceAttribute", reads(&Service::describe_instance_attribute)},
      {"UpdateInstanceAttribute", writes(&Service::update_instance_attribute)},
      {"ListInstanceAttributes", reads(&Service::list_instance_attributes)},
      {"TagResource", writes(&Service::tag_resource)},
      {"UntagResource", writes(&Service::untag_resource)},
      {"ListTagsForResource", reads(&Service::list_tags_for_resource)},
      {"ClaimPhoneNumber", writes(&Service::claim_phone_number)},
      {"SearchAvailablePhoneNumbers", reads(&Service::search_available_phone_numbers)},
      {"DescribePhoneNumber", reads(&Service::describe_phone_number)},
      {"ReleasePhoneNumber", writes(&Service::release_phone_number)},
      {"ListPhoneNumbersV2", reads(&Service::list_phone_numbers_v2)},
      {"ListPhoneNumbers", reads(&Service::list_phone_numbers)},
      {"UpdatePhoneNumber", writes(&Service::update_phone_number)},
      {"UpdatePhoneNumberMetadata", writes(&Service::update_phone_number_metadata)},
      {"ImportPhoneNumber", writes(&Service::import_phone_number)},
      {"AssociatePhoneNumberContactFlow", writes(&Service::associate_phone_number_contact_flow)},
      {"DisassociatePhoneNumberContactFlow", writes(&Service::disassociate_phone_number_contact_flow)},
      {"ReplicateInstance", writes(&Service::replicate_instance)},
      {"CreateTrafficDistributionGroup", writes(&Service::create_traffic_distribution_group)},
      {"DescribeTrafficDistributionGroup", reads(&Service::describe_traffic_distribution_group)},
      {"ListTrafficDistributionGroups", reads(&Service::list_traffic_distribution_groups)},
      {"DeleteTrafficDistributionGroup", writes(&Service::delete_traffic_distribution_group)},
      {"CreateContactFlow", writes(&Service::create_contact_flow)},
      {"DescribeContactFlow", reads(&Service::describe_contact_flow)},
      {"ListContactFlows", reads(&Service::list_contact_flows)},
      {"DeleteContactFlow", writes(&Service::delete_contact_flow)},
      {"UpdateContactFlowName", writes(&Service::update_contact_flow_name)},
      {"UpdateContactFlowContent", writes(&Service::update_contact_flow_content)},
      {"UpdateContactFlowMetadata", writes(&Service::update_contact_flow_metadata)},
      {"ListFlowAssociations", reads(&Service::list_flow_associations)},
  };
}

// ---- start-up and caches ----------------------------------------------------------------------

void Service::start(std::vector<inventory::BlockSpec> defaults) {
  default_blocks_ = std::move(defaults);
  store_.set_change_listener([this](const std::vector<store::Change>& changes) { on_changes(changes); });
  store_.write([&](store::WriteTxn& t) {
    if (t.blocks().empty()) {
      for (const auto& b : default_blocks_) {
        store::BlockRecord r{0, b.country, b.type, b.prefix, b.length};
        if (t.insert_block(r) == store::Insert::Ok) t.publish({store::Change::Kind::Block, {}, 0, r.id});
      }
    }
    t.insert_setting(kPageTokenKey, new_token_key());  // the first node to start chooses it
  });
  store_.read([&](store::ReadTxn& t) {
    tokens_.emplace(t.setting(kPageTokenKey).value_or(""));
    std::lock_guard lk(refresh_mu_);
    load_caches(t, clock_.now_ms());
  });
}

namespace {
std::vector<FaultRule> stored_fault_rules(store::ReadTxn& t) {
  std::vector<FaultRule> rules;
  for (const auto& rec : t.fault_rules())
    if (auto r = FaultRule::from_record(rec)) rules.push_back(std::move(*r));
  return rules;
}
}  // namespace

void Service::load_caches(store::ReadTxn& t, Millis now_ms) {
  if (apply_clock_offset_) {
    apply_clock_offset_(stored_clock_offset(t));
    now_ms = clock_.now_ms();
  }
  // Built aside and swapped in: requests running meanwhile see the old index, never an empty one.
  inventory::Inventory fresh(plan_);
  for (const auto& b : t.blocks()) fresh.add_block(b.id, {b.country, b.type, b.prefix, b.length});
  const auto holds = t.active_holds(now_ms);
  fresh.reserve_holds(holds.size());
  for (const auto& [number, until] : holds) fresh.hold(number, until);
  inventory_.replace_with(fresh);
  faults_.load(stored_fault_rules(t));
}

void Service::on_changes(const std::vector<store::Change>& changes) {
  using Kind = store::Change::Kind;
  for (const auto& c : changes) {
    switch (c.kind) {
      case Kind::Hold: {
        // Under refresh_mu_: a hold is never applied to an index that a reload is about to replace.
        std::lock_guard lk(refresh_mu_);
        inventory_.hold(c.number, c.until_ms);
        if (reset_pending_) holds_since_reset_.emplace_back(c.number, c.until_ms);
        break;
      }
      case Kind::Block: blocks_stale_ = true; break;
      case Kind::Faults: faults_stale_ = true; break;
      case Kind::Clock:
        if (apply_clock_offset_) apply_clock_offset_(c.value);
        break;
      case Kind::Reset: {
        std::lock_guard lk(refresh_mu_);
        reset_pending_ = true;
        holds_since_reset_.clear();
        break;
      }
    }
  }
}

void Service::refresh(store::ReadTxn& t) {
  if (!reset_pending_.load() && !blocks_stale_.load() && !faults_stale_.load() && reloading_.load() == 0) return;
  std::lock_guard lk(refresh_mu_);
  reloading_.fetch_add(1);  // before any flag is cleared (sequentially consistent, like the checks above)
  struct Done {
    std::atomic<int>& n;
    ~Done() { n.fetch_sub(1); }
  } done{reloading_};
  // Flags are cleared before reading, so a change announced meanwhile marks them again; a read that
  // fails (the database went away) marks them again too, so the next transaction reloads.
  if (reset_pending_) {
    reset_pending_ = false;
    blocks_stale_ = false;
    faults_stale_ = false;
    try {
      load_caches(t, clock_.now_ms());
    } catch (...) {
      reset_pending_ = true;  // holds_since_reset_ is kept for the next attempt
      throw;
    }
    // Holds committed after the reset may postdate this snapshot: apply them again, in order.
    for (const auto& [number, until] : holds_since_reset_) inventory_.hold(number, until);
    holds_since_reset_.clear();
    return;
  }
  if (blocks_stale_.exchange(false)) {
    try {
      for (const auto& b : t.blocks()) inventory_.add_block(b.id, {b.country, b.type, b.prefix, b.length});
    } catch (...) {
      blocks_stale_ = true;
      throw;
    }
  }
  if (faults_stale_.exchange(false)) {
    try {
      faults_.load(stored_fault_rules(t));
    } catch (...) {
      faults_stale_ = true;
      throw;
    }
  }
}

// ---- running operations -----------------------------------------------------------------------

struct Service::WriteRun {
  RequestContext ctx;
  Value input;
  Handler handler;
  Done done;
  Value output;                   // of the last run of the transaction
  std::optional<AwsError> fault;  // an injected error to answer once the transaction is durable
};

std::optional<FaultRules::Fired> Service::fire_fault(store::WriteTxn& t, const FaultRules::Fired& candidate) {
  if (candidate.limited) {
    if (!t.consume_fault_rule(candidate.rule_id)) return std::nullopt;  // another request took the last firing
    t.publish({store::Change::Kind::Faults, {}, 0, 0});
  }
  return candidate;
}

void Service::execute(RequestContext ctx, Value input, Done done) {
  auto it = handlers_.find(ctx.operation);
  if (it == handlers_.end()) {
    done({{},
          std::make_exception_ptr(AwsException(
              errors::kNotImplemented, "The operation " + ctx.operation + " is not implemented by connect-local"))});
    return;
  }
  const Handler& h = it->second;
  const std::string number = input.string_or("PhoneNumber", "");
  if (h.write || faults_.limited_rule_matches(ctx.operation, number))
    return run_write(h, std::move(ctx), std::move(input), std::move(done));
  Outcome out;
  bool needs_write = false;
  try {
    store_.read([&](store::ReadTxn& t) {
      refresh(t);
      ctx.now_ms = clock_.now_ms();
      // A fault rule with a firing limit is consumed in a write transaction.
      if (faults_.limited_rule_matches(ctx.operation, number)) {
        needs_write = true;
        return;
      }
      if (auto f = faults_.error_for(ctx.operation, number, false)) throw AwsException(f->error);
      out.output = (this->*h.read)(ctx, input, t);
      if (auto f = faults_.error_for(ctx.operation, number, true)) throw AwsException(f->error);
    });
  } catch (...) {
    out.error = std::current_exception();
  }
  if (needs_write) return run_write(h, std::move(ctx), std::move(input), std::move(done));
  done(std::move(out));
}

void Service::run_write(const Handler& h, RequestContext ctx, Value input, Done done) {
  auto run = std::make_shared<WriteRun>(WriteRun{std::move(ctx), std::move(input), h, std::move(done), {}, {}});
  auto body = [this, run](store::WriteTxn& t) {
    // Every run starts afresh: the transaction may run more than once.
    run->output = Value();
    run->fault.reset();
    refresh(t);
    RequestContext& c = run->ctx;
    c.now_ms = clock_.now_ms();
    const std::string number = run->input.string_or("PhoneNumber", "");
    if (auto f = faults_.error_for(c.operation, number, false); f && fire_fault(t, *f)) {
      run->fault = f->error;  // the firing is counted, nothing else happens
      return;
    }
    run->output = run->handler.write ? (this->*run->handler.write)(c, run->input, t)
                                     : (this->*run->handler.read)(c, run->input, t);
    // A lost response: the change is made, the client sees an error and retries.
    if (auto f = faults_.error_for(c.operation, number, true); f && fire_fault(t, *f)) run->fault = f->error;
  };
  auto finish = [run](const std::exception_ptr& e) {
    Outcome out;
    if (e)
      out.error = e;
    else if (run->fault)
      out.error = std::make_exception_ptr(AwsException(*run->fault));
    else
      out.output = std::move(run->output);
    run->done(std::move(out));
  };
  try {
    store_.submit(std::move(body), finish);
  } catch (...) {
    finish(std::current_exception());
  }
}

Value Service::call(RequestContext ctx, const Value& input) {
  std::promise<Outcome> result;
  auto outcome = result.get_future();
  execute(std::move(ctx), input, [&result](Outcome o) { result.set_value(std::move(o)); });
  Outcome o = outcome.get();
  if (o.error) std::rethrow_exception(o.error);
  return std::move(o.output);
}

bool Service::writes(const std::string& operation) const {
  auto it = handlers_.find(operation);
  return it != handlers_.end() && it->second.write;
}

std::vector<std::string> Service::operations() const {
  std::vector<std::string> out;
  for (const auto& [name, _] : handlers_) out.push_back(name);
  return out;
}

Value Service::idempotent(const RequestContext& ctx, const Value& in, store::WriteTxn& t,
                          const std::function<Value()>& body) {
  auto token = in.opt_string("ClientToken");
  if (!token) return body();
  Value fingerprint_input = in;
  fingerprint_input.as_map().erase("ClientToken");
  const std::string fingerprint = crypto::hex(crypto::sha256(to_json(fingerprint_input)));
  const auto scope = scope_of(ctx);
  const Millis expired_before = ctx.now_ms - kIdempotencyWindowMs;
  if (auto seen = t.idempotency(scope, ctx.operation, *token); seen && seen->created_ms > expired_before) {
    if (seen->request_hash != fingerprint)
      errors::raise(errors::kIdempotency, "The ClientToken " + *token + " was already used with different parameters.");
    Value out;
    if (!from_json(seen->response, out)) throw store::StoreFailure("stored idempotent response is not JSON");
    return out;
  }
  Value out;
  try {
    out = body();
  } catch (const AwsException&) {
    // The request may have failed only because a concurrent one with the same token (on any node)
    // won the race meanwhile (it holds the number now): when its record is there, run again and
    // replay its answer.
    if (auto seen = t.idempotency(scope, ctx.operation, *token); seen && seen->created_ms > expired_before)
      throw store::Retry("idempotency token used concurrently");
    throw;
  }
  // A concurrent request with the same token (on any node) may have won meanwhile: run again and
  // replay its answer.
  if (t.insert_idempotency(scope, ctx.operation, *token, {fingerprint, to_json(out), ctx.now_ms}, expired_before + 1) ==
      store::Insert::Conflict)
    throw store::Retry("idempotency token taken concurrently");
  return out;
}

// ---- admin ------------------------------------------------------------------------------------

Quotas Service::quotas(const store::Scope& scope) {
  Quotas q;
  store_.read([&](store::ReadTxn& t) { q = load_quotas(t, scope, config_.default_quotas); });
  return q;
}

void Service::set_quotas(const store::Scope& scope, const Value& changes) {
  Quotas q = config_.default_quotas;
  q.apply(changes);  // validates before anything is written
  store_.write([&](store::WriteTxn& t) {
    Quotas current = load_quotas(t, scope, config_.default_quotas);
    current.apply(changes);
    save_quotas(t, scope, current);
  });
}

FaultRule Service::add_fault_rule(FaultRule rule) {
  rule.id = "fault-" + ids_.uuid().substr(28);  // random bits: an id starts with its time
  store_.write([&](store::WriteTxn& t) {
    t.put_fault_rule(rule.to_record());
    t.publish({store::Change::Kind::Faults, {}, 0, 0});
  });
  return rule;
}

bool Service::remove_fault_rule(const std::string& id) {
  bool removed = false;
  store_.write([&](store::WriteTxn& t) {
    removed = t.delete_fault_rule(id);
    t.publish({store::Change::Kind::Faults, {}, 0, 0});
  });
  return removed;
}

void Service::clear_fault_rules() {
  store_.write([&](store::WriteTxn& t) {
    t.delete_fault_rules();
    t.publish({store::Change::Kind::Faults, {}, 0, 0});
  });
}

std::vector<FaultRule> Service::fault_rules() {
  store_.read([&](store::ReadTxn& t) { refresh(t); });
  return faults_.list();
}

Millis Service::now_ms() {
  store_.read([&](store::ReadTxn& t) { refresh(t); });  // a transaction catches up with other nodes first
  return clock_.now_ms();
}

Millis Service::advance_clock(Millis ms) {
  Millis offset = 0;
  store_.write([&](store::WriteTxn& t) {
    offset = stored_clock_offset(t) + ms;
    t.put_setting(kClockOffsetKey, std::to_string(offset));
    t.publish({store::Change::Kind::Clock, {}, 0, offset});
  });
  return offset;
}

void Service::reset() {
  store_.write([&](store::WriteTxn& t) {
    const auto token_key = t.setting(kPageTokenKey);  // kept: every node holds it
    t.delete_everything();
    t.insert_setting(kPageTokenKey, token_key ? *token_key : new_token_key());
    t.publish({store::Change::Kind::Reset, {}, 0, 0});
    t.publish({store::Change::Kind::Clock, {}, 0, 0});
    for (const auto& b : default_blocks_) {
      store::BlockRecord r{0, b.country, b.type, b.prefix, b.length};
      t.insert_block(r);
    }
  });
  store_.read([&](store::ReadTxn& t) { refresh(t); });
}

Value Service::export_snapshot() {
  Value out = Value::map();
  out.set("format", kSnapshotFormat);
  out.set("version", kSnapshotVersion);
  out.set("backend", store_.backend());
  out.set("exported_at", static_cast<double>(wall_clock_ms()) / 1000.0);
  Value tables = Value::map();
  store_.read([&](store::ReadTxn& t) {
    for (auto& table : t.dump_tables()) {
      Value columns = Value::list();
      for (auto& c : table.columns) columns.push_back(std::move(c));
      Value rows = Value::list();
      rows.as_list().reserve(table.rows.size());
      for (auto& r : table.rows)
        if (!is_secret_row(table, r)) rows.push_back(Value(std::move(r)));
      Value v = Value::map();
      v.set("columns", std::move(columns));
      v.set("rows", std::move(rows));
      tables.set(table.name, std::move(v));
    }
  });
  out.set("tables", std::move(tables));
  return out;
}

void Service::import_snapshot(const Value& snapshot, const std::function<void(const std::string&)>& progress) {
  if (!snapshot.is_map() || snapshot.string_or("format", "") != kSnapshotFormat)
    throw std::invalid_argument("this is not a connect-local snapshot (no \"format\": \"connect-local-snapshot\")");
  const auto version = snapshot.opt_int("version");
  if (!version || *version != kSnapshotVersion)
    throw std::invalid_argument("snapshot version " + (version ? std::to_string(*version) : std::string("(none)")) +
                                " is not supported: this server reads version " + std::to_string(kSnapshotVersion));
  const std::string backend = snapshot.string_or("backend", "");
  if (backend != store_.backend())
    throw std::invalid_argument("a snapshot of a " + (backend.empty() ? std::string("unknown") : backend) +
                                " store cannot be imported into a " + store_.backend() + " store");
  const Value* tables_value = snapshot.find("tables");
  if (!tables_value || !tables_value->is_map()) throw std::invalid_argument("the snapshot has no tables");
  std::vector<store::TableSnapshot> tables;
  size_t rows = 0;
  for (const auto& [name, v] : tables_value->as_map()) {
    tables.push_back(table_of(name, v));
    rows += tables.back().rows.size();
  }
  if (progress) progress("importing " + std::to_string(tables.size()) + " tables, " + std::to_string(rows) + " rows");
  store_.write([&](store::WriteTxn& t) {
    const auto token_key = t.setting(kPageTokenKey);  // the deployment's own, never the snapshot's
    t.delete_everything();
    t.load_tables(tables);
    t.insert_setting(kPageTokenKey, token_key ? *token_key : new_token_key());
    t.publish({store::Change::Kind::Reset, {}, 0, 0});
    t.publish({store::Change::Kind::Clock, {}, 0, stored_clock_offset(t)});
  });
  store_.read([&](store::ReadTxn& t) { refresh(t); });
  if (progress) progress("imported " + std::to_string(rows) + " rows");
}

// ---- shared pieces ----------------------------------------------------------------------------

Value Service::tags_value(const store::TagMap& tags) {
  Value v = Value::map();
  for (const auto& [k, val] : tags) v.set(k, val);
  return v;
}

void Service::put_input_tags(store::WriteTxn& t, const std::string& arn, const Value* tags) {
  if (!tags || !tags->is_map()) return;
  store::TagMap m;
  for (const auto& [k, v] : tags->as_map()) m.emplace(k, v.as_string());
  t.put_tags(arn, m);
}

Service::Page Service::open_page(const RequestContext& ctx, const Value& in, int default_limit,
                                 const std::string& filters) const {
  Page p;
  p.limit = static_cast<int>(in.opt_int("MaxResults").value_or(default_limit));
  p.binding = ctx.account_id + "\n" + ctx.region + "\n" + ctx.operation + "\n" + filters;
  if (auto token = in.opt_string("NextToken")) {
    auto position = tokens_->open(p.binding, *token);
    if (!position) errors::raise(ctx.validation_error, "The NextToken is not valid for this request.");
    p.after = std::move(*position);
  }
  return p;
}

}  // namespace cl::connect
