#include "auth/policy.hpp"

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>

#include <cctype>
#include <stdexcept>

namespace cl::auth {

namespace {

[[noreturn]] void fail(const std::string& what) { throw std::runtime_error("policy: " + what); }

char lower(char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); }

std::vector<std::string> string_or_list(const rapidjson::Value& v, const std::string& where) {
  std::vector<std::string> out;
  if (v.IsString()) {
    out.emplace_back(v.GetString(), v.GetStringLength());
  } else if (v.IsArray()) {
    for (const auto& e : v.GetArray()) {
      if (!e.IsString()) fail(where + " must be a string or a list of strings");
      out.emplace_back(e.GetString(), e.GetStringLength());
    }
  } else {
    fail(where + " must be a string or a list of strings");
  }
  if (out.empty()) fail(where + " must not be empty");
  for (const auto& s : out)
    if (s.empty()) fail(where + " must not contain an empty string");
  return out;
}

Policy::Statement parse_statement(const rapidjson::Value& v, const std::string& where) {
  if (!v.IsObject()) fail(where + " must be an object");
  Policy::Statement st;
  bool has_effect = false, has_action = false, has_resource = false;
  for (const auto& m : v.GetObject()) {
    const std::string key(m.name.GetString(), m.name.GetStringLength());
    if (key == "Sid") {
      if (!m.value.IsString()) fail(where + ".Sid must be a string");
    } else if (key == "Effect") {
      if (!m.value.IsString()) fail(where + ".Effect must be \"Allow\" or \"Deny\"");
      std::string_view e(m.value.GetString(), m.value.GetStringLength());
      if (e == "Allow")
        st.effect = Policy::Effect::Allow;
      else if (e == "Deny")
        st.effect = Policy::Effect::Deny;
      else
        fail(where + ".Effect must be \"Allow\" or \"Deny\", got \"" + std::string(e) + "\"");
      has_effect = true;
    } else if (key == "Action") {
      st.actions = string_or_list(m.value, where + ".Action");
      for (auto& a : st.actions) {
        if (a != "*" && a.find(':') == std::string::npos)
          fail(where + ".Action \"" + a +
               "\" must be \"*\" or \"<service>:<action pattern>\", e.g. \"connect:Claim*\"");
      }
      has_action = true;
    } else if (key == "Resource") {
      st.resources = string_or_list(m.value, where + ".Resource");
      for (const auto& r : st.resources)
        if (r != "*" && r.rfind("arn:", 0) != 0)
          fail(where + ".Resource \"" + r + "\" must be \"*\" or an ARN pattern starting with \"arn:\"");
      has_resource = true;
    } else {
      fail(where + "." + key + " is not supported (supported: Sid, Effect, Action, Resource)");
    }
  }
  if (!has_effect) fail(where + " requires Effect");
  if (!has_action) fail(where + " requires Action");
  if (!has_resource) fail(where + " requires Resource");
  return st;
}

bool any_match(const std::vector<std::string>& patterns, std::string_view text, bool case_insensitive) {
  for (const auto& p : patterns)
    if (wildcard_match(p, text, case_insensitive)) return true;
  return false;
}

}  // namespace

bool wildcard_match(std::string_view pattern, std::string_view text, bool case_insensitive) {
  size_t p = 0, t = 0;
  size_t star = std::string_view::npos, mark = 0;
  while (t < text.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      mark = t;
    } else if (p < pattern.size() && (pattern[p] == '?' || pattern[p] == text[t] ||
                                      (case_insensitive && lower(pattern[p]) == lower(text[t])))) {
      ++p;
      ++t;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      t = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

Policy Policy::parse(std::string_view json) {
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseValidateEncodingFlag | rapidjson::kParseIterativeFlag>(json.data(), json.size());
  if (doc.HasParseError())
    fail(std::string("invalid JSON at offset ") + std::to_string(doc.GetErrorOffset()) + ": " +
         rapidjson::GetParseError_En(doc.GetParseError()));
  if (!doc.IsObject()) fail("the document must be a JSON object");
  Policy policy;
  bool has_statement = false;
  for (const auto& m : doc.GetObject()) {
    const std::string key(m.name.GetString(), m.name.GetStringLength());
    if (key == "Version") {
      if (!m.value.IsString()) fail("Version must be a string");
      std::string_view v(m.value.GetString(), m.value.GetStringLength());
      if (v != "2012-10-17" && v != "2008-10-17")
        fail("Version must be \"2012-10-17\" or \"2008-10-17\", got \"" + std::string(v) + "\"");
    } else if (key == "Id") {
      if (!m.value.IsString()) fail("Id must be a string");
    } else if (key == "Statement") {
      has_statement = true;
      if (m.value.IsArray()) {
        size_t i = 0;
        for (const auto& s : m.value.GetArray()) {
          policy.statements_.push_back(parse_statement(s, "Statement[" + std::to_string(i) + "]"));
          ++i;
        }
      } else {
        policy.statements_.push_back(parse_statement(m.value, "Statement"));
      }
    } else {
      fail(key + " is not supported (supported: Version, Id, Statement)");
    }
  }
  if (!has_statement) fail("Statement is required");
  return policy;
}

Policy::Decision Policy::evaluate(std::string_view action, std::string_view resource_arn) const {
  bool allowed = false;
  for (const auto& st : statements_) {
    if (st.effect == Effect::Allow && allowed) continue;  // only a Deny can change the outcome now
    if (!any_match(st.actions, action, true) || !any_match(st.resources, resource_arn, false)) continue;
    if (st.effect == Effect::Deny) return Decision::ExplicitDeny;
    allowed = true;
  }
  return allowed ? Decision::Allow : Decision::ImplicitDeny;
}

}  // namespace cl::auth
