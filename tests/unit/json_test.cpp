// JSON values: round trips, escaping, number formatting, and parse errors with line:column.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "core/error.h"
#include "core/json.h"

namespace artic {
namespace {

TEST(Json, RoundTripKeepsKindsOrderAndValues) {
  json::Value v = json::Value::object();
  v.set("name", "run \"a\"\n\ttab\\");
  v.set("steps", int64_t{1234567890123});
  v.set("loss", 0.1);
  v.set("tiny", 1e-300);
  v.set("ok", true);
  v.set("none", json::Value());
  json::Value arr = json::Value::array();
  arr.push_back(1);
  arr.push_back(-2.5);
  arr.push_back("x");
  v.set("list", arr);
  v.set("nested", json::Value::object()).set("k", 3);
  for (int indent : {0, 2}) {
    const std::string text = json::to_json(v, indent);
    const json::Value back = json::parse(text, "round-trip");
    EXPECT_EQ(json::to_json(back, indent), text);
    EXPECT_EQ(back.at("name", "t").as_string("name"), "run \"a\"\n\ttab\\");
    EXPECT_EQ(back.at("steps", "t").as_integer("steps"), 1234567890123);
    EXPECT_EQ(back.at("loss", "t").as_number("loss"), 0.1);
    EXPECT_EQ(back.at("tiny", "t").as_number("tiny"), 1e-300);
    EXPECT_TRUE(back.at("ok", "t").as_bool("ok"));
    EXPECT_TRUE(back.at("none", "t").is_null());
    EXPECT_EQ(back.at("list", "t").items().size(), 3u);
    EXPECT_EQ(back.at("nested", "t").at("k", "t").as_integer("k"), 3);
    EXPECT_EQ(back.members().front().first, "name");
  }
  EXPECT_EQ(json::to_json(v).find('\n'), std::string::npos);
}

TEST(Json, SetReplacesInPlace) {
  json::Value v = json::Value::object();
  v.set("a", 1);
  v.set("b", 2);
  v.set("a", 3);
  EXPECT_EQ(json::to_json(v), R"({"a":3,"b":2})");
}

TEST(Json, NonFiniteNumbersBecomeNull) {
  json::Value v = json::Value::array();
  v.push_back(std::numeric_limits<double>::quiet_NaN());
  v.push_back(std::numeric_limits<double>::infinity());
  EXPECT_EQ(json::to_json(v), "[null,null]");
  EXPECT_TRUE(std::isnan(json::parse("null", "t").as_number("x")));
}

TEST(Json, ParseErrorsNameOriginLineAndColumn) {
  const auto message = [](const std::string& text) {
    try {
      json::parse(text, "summary.json");
    } catch (const UserError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_EQ(message("{\n  \"a\": 1,\n  \"b\" 2\n}"),
            "summary.json:3:7: expected ':' after key \"b\"");
  EXPECT_EQ(message("{\"a\": [1, 2}"), "summary.json:1:12: expected ',' or ']' in an array");
  EXPECT_EQ(message("{\"a\": \"open"), "summary.json:1:12: unterminated string");
  EXPECT_EQ(message("{} x"), "summary.json:1:4: unexpected text after the JSON value");
  EXPECT_EQ(message(""), "summary.json:1:1: expected a JSON value, found the end of the text");
  EXPECT_EQ(message("[1.2.3]"), "summary.json:1:2: malformed number '1.2.3'");
  EXPECT_EQ(message(std::string(500, '[')), "summary.json:1:202: JSON nested too deeply");
  EXPECT_EQ(message("\"\\u00zz\""),
            "summary.json:1:4: \\u must be followed by 4 hex digits, got '00zz'");
}

TEST(Json, TypedReadsAndMissingKeysAreUserErrors) {
  const json::Value v = json::parse(R"({"epochs": 3, "name": "a", "r": 0.5})", "s.json");
  EXPECT_THROW(v.at("missing", "s.json"), UserError);
  EXPECT_THROW(v.at("name", "s.json").as_number("name"), UserError);
  EXPECT_THROW(v.at("r", "s.json").as_integer("r"), UserError);
  EXPECT_THROW(v.at("epochs", "s.json").at("x", "s.json"), UserError);
  EXPECT_EQ(v.at("epochs", "s.json").as_number("epochs"), 3.0);
  try {
    v.at("best_epoch", "runs/a/summary.json");
    FAIL();
  } catch (const UserError& e) {
    EXPECT_STREQ(e.what(), "runs/a/summary.json: missing key 'best_epoch'");
  }
}

TEST(Json, UnicodeEscapesDecodeToUtf8) {
  EXPECT_EQ(json::parse(R"("\u00e9\u20ac\u0041")", "t").as_string("s"),
            "\xC3\xA9\xE2\x82\xAC"
            "A");
}

}  // namespace
}  // namespace artic
