#include "auth/credentials.hpp"

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <fstream>
#include <sstream>
#include <stdexcept>

namespace cl::auth {

namespace {

std::string string_member(const rapidjson::Value& obj, const char* name, const std::string& where, bool required) {
  auto it = obj.FindMember(name);
  if (it == obj.MemberEnd()) {
    if (required) throw std::runtime_error(where + "." + name + " is required");
    return {};
  }
  if (!it->value.IsString()) throw std::runtime_error(where + "." + name + " must be a string");
  return {it->value.GetString(), it->value.GetStringLength()};
}

Credential parse_credential_object(const rapidjson::Value& v, const std::string& where) {
  if (!v.IsObject()) throw std::runtime_error(where + " must be an object");
  for (const auto& m : v.GetObject()) {
    std::string_view key(m.name.GetString(), m.name.GetStringLength());
    if (key != "access_key_id" && key != "secret_access_key" && key != "account_id" && key != "session_token" &&
        key != "policy" && key != "description")
      throw std::runtime_error(where + "." + std::string(key) +
                               " is not a known member (known: access_key_id, secret_access_key, account_id, "
                               "session_token, policy, description)");
  }
  Credential c;
  c.access_key_id = string_member(v, "access_key_id", where, true);
  c.secret_access_key = string_member(v, "secret_access_key", where, true);
  c.account_id = string_member(v, "account_id", where, true);
  c.session_token = string_member(v, "session_token", where, false);
  string_member(v, "description", where, false);
  if (auto it = v.FindMember("policy"); it != v.MemberEnd() && !it->value.IsNull()) {
    std::string text;
    if (it->value.IsString()) {
      text.assign(it->value.GetString(), it->value.GetStringLength());
    } else if (it->value.IsObject()) {
      rapidjson::StringBuffer sb;
      rapidjson::Writer<rapidjson::StringBuffer> w(sb);
      it->value.Accept(w);
      text.assign(sb.GetString(), sb.GetSize());
    } else {
      throw std::runtime_error(where + ".policy must be a policy document (an object, or a string holding one)");
    }
    try {
      c.policy = Policy::parse(text);
    } catch (const std::runtime_error& e) {
      throw std::runtime_error(where + "." + e.what());
    }
  }
  return c;
}

}  // namespace

bool valid_account_id(std::string_view account_id) {
  if (account_id.size() != 12) return false;
  for (char c : account_id)
    if (c < '0' || c > '9') return false;
  return true;
}

Credentials Credentials::defaults() {
  Credentials c;
  c.add(Credential{"test", "test", "000000000000", "", std::nullopt});
  return c;
}

void Credentials::add(Credential credential) {
  if (credential.access_key_id.empty()) throw std::runtime_error("access_key_id must not be empty");
  const std::string& ak = credential.access_key_id;
  if (credential.secret_access_key.empty())
    throw std::runtime_error("secret_access_key of '" + ak + "' must not be empty");
  if (!valid_account_id(credential.account_id))
    throw std::runtime_error("account_id of '" + ak + "' must be exactly 12 digits, got '" + credential.account_id +
                             "'");
  if (index_.count(ak)) throw std::runtime_error("duplicate access_key_id '" + ak + "'");
  std::string key = ak;
  index_.emplace(std::move(key), std::move(credential));
}

const Credential* Credentials::find(std::string_view access_key_id) const {
  auto it = index_.find(access_key_id);
  return it == index_.end() ? nullptr : &it->second;
}

Credentials Credentials::parse(std::string_view json, const std::string& origin) {
  auto fail = [&](const std::string& what) -> std::runtime_error { return std::runtime_error(origin + ": " + what); };
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseValidateEncodingFlag | rapidjson::kParseIterativeFlag>(json.data(), json.size());
  if (doc.HasParseError())
    throw fail("invalid JSON at offset " + std::to_string(doc.GetErrorOffset()) + ": " +
               rapidjson::GetParseError_En(doc.GetParseError()));
  if (!doc.IsObject()) throw fail("expected a JSON object {\"credentials\": [...]}");
  auto list = doc.FindMember("credentials");
  if (list == doc.MemberEnd() || !list->value.IsArray())
    throw fail("expected a JSON object {\"credentials\": [...]} with a list of credentials");
  for (const auto& m : doc.GetObject())
    if (std::string_view(m.name.GetString(), m.name.GetStringLength()) != "credentials")
      throw fail("unknown top-level member '" + std::string(m.name.GetString(), m.name.GetStringLength()) + "'");
  if (list->value.Empty()) throw fail("the credentials list is empty");
  Credentials out;
  size_t i = 0;
  for (const auto& v : list->value.GetArray()) {
    const std::string where = "credentials[" + std::to_string(i++) + "]";
    try {
      out.add(parse_credential_object(v, where));
    } catch (const std::runtime_error& e) {
      std::string what = e.what();
      throw fail(what.rfind(where, 0) == 0 ? what : where + ": " + what);
    }
  }
  return out;
}

Credentials Credentials::load_file(const std::string& path) {
  const std::string origin = "credentials file '" + path + "'";
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error(origin + ": cannot be opened");
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) throw std::runtime_error(origin + ": read error");
  return parse(ss.str(), origin);
}

}  // namespace cl::auth
