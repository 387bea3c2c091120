// GCC 12 reports a false -Wmaybe-uninitialized inside std::map moves of a variant here (CI builds with -Werror).
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include "common/value_json.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>

namespace cl {
namespace {

Value parse(std::string_view text) {
  Value v;
  std::string error;
  EXPECT_TRUE(from_json(text, v, &error)) << text << ": " << error;
  return v;
}

TEST(ValueJson, EveryKindRoundTrips) {
  Value v = Value::map();
  v.set("null", nullptr);
  v.set("t", true);
  v.set("f", false);
  v.set("int", int64_t{-42});
  v.set("big", std::numeric_limits<int64_t>::max());
  v.set("small", std::numeric_limits<int64_t>::min());
  v.set("double", 1.5);
  v.set("string", "quote\" backslash\\ nl\n tab\t nul" + std::string(1, '\0') + " \xE2\x82\xAC");
  v.set("empty", "");
  Value list = Value::list();
  list.push_back(1);
  list.push_back("two");
  const Value empty_map = Value::map(), empty_list = Value::list();  // named: GCC 12 warns on the temporaries
  list.push_back(empty_map);
  list.push_back(empty_list);
  v.set("list", list);
  Value inner = Value::map();
  inner.set("b", 2);
  inner.set("a", 1);
  v.set("map", inner);
  const std::string text = to_json(v);
  EXPECT_EQ(parse(text), v) << text;
  EXPECT_EQ(to_json(parse(text)), text);
}

TEST(ValueJson, KeysAreWrittenSortedSoEqualValuesGiveEqualText) {
  EXPECT_EQ(to_json(parse(R"({"b":1,"a":{"d":2,"c":3}})")), R"({"a":{"c":3,"d":2},"b":1})");
  EXPECT_EQ(to_json(parse(R"({"a":{"c":3,"d":2},"b":1})")), to_json(parse(R"({"b":1,"a":{"d":2,"c":3}})")));
}

TEST(ValueJson, NumbersKeepTheirKind) {
  EXPECT_EQ(parse("7").kind(), Value::Kind::Int);
  EXPECT_EQ(parse("7.0").kind(), Value::Kind::Double);
  EXPECT_EQ(parse("1e3").kind(), Value::Kind::Double);
  EXPECT_EQ(parse("9223372036854775807").as_int(), std::numeric_limits<int64_t>::max());
}

TEST(ValueJson, MalformedOrInvalidUtf8TextIsRefusedWithAReason) {
  for (std::string_view bad : {"", "{", "{\"a\":}", "[1,]", "nul", "{} {}", "\"\xFF\"", "{\"\xC0\xAF\":1}", "'a'"}) {
    Value v;
    std::string error;
    EXPECT_FALSE(from_json(bad, v, &error)) << bad;
    EXPECT_FALSE(error.empty()) << bad;
  }
}

TEST(ValueJson, NestingDeeperThan64LevelsIsRefusedNotACrash) {
  auto nested = [](int depth) { return std::string(depth, '[') + std::string(depth, ']'); };
  Value v;
  EXPECT_TRUE(from_json(nested(64), v));
  EXPECT_FALSE(from_json(nested(66), v));
  EXPECT_FALSE(from_json(nested(100000), v));  // iterative parsing: no stack overflow
}

TEST(ValueJson, InvalidUtf8IsSanitisedOnOutput) {
  EXPECT_TRUE(valid_utf8("plain \xE2\x82\xAC \xF0\x9F\x98\x80"));
  for (std::string_view bad : {"\xFF", "\xC0\xAF", "\xED\xA0\x80", "\xE2\x82", "\xF4\x90\x80\x80"})
    EXPECT_FALSE(valid_utf8(bad)) << bad;
  EXPECT_EQ(sanitize_utf8("a\xFF"
                          "b"),
            "a\xEF\xBF\xBD"
            "b");
  const std::string text = to_json(Value(std::string("x\xFFy")));
  EXPECT_TRUE(valid_utf8(text));
  EXPECT_EQ(parse(text), Value("x\xEF\xBF\xBDy"));
}

}  // namespace
}  // namespace cl
