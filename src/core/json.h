// A small JSON value (null, bool, integer, number, string, array, object with keys kept in
// insertion order), a writer, and a parser whose errors name the source, line and column.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace artic::json {

class Value {
 public:
  enum class Kind { Null, Bool, Integer, Number, String, Array, Object };

  Value() = default;
  Value(bool b);         // NOLINT(google-explicit-constructor)
  Value(int v);          // NOLINT(google-explicit-constructor)
  Value(int64_t v);      // NOLINT(google-explicit-constructor)
  Value(double v);       // NOLINT(google-explicit-constructor)
  Value(const char* s);  // NOLINT(google-explicit-constructor)
  Value(std::string s);  // NOLINT(google-explicit-constructor)
  static Value object();
  static Value array();

  Kind kind() const { return kind_; }
  bool is_null() const { return kind_ == Kind::Null; }
  bool is_number() const { return kind_ == Kind::Integer || kind_ == Kind::Number; }
  bool is_string() const { return kind_ == Kind::String; }
  bool is_object() const { return kind_ == Kind::Object; }
  bool is_array() const { return kind_ == Kind::Array; }

  // Object members: set replaces an existing key in place; at throws UserError naming
  // `origin` (e.g. the file) when the key is missing or this is not an object.
  Value& set(const std::string& key, Value v);
  bool has(const std::string& key) const;
  const Value& at(const std::string& key, const std::string& origin) const;
  const std::vector<std::pair<std::string, Value>>& members() const { return members_; }

  void push_back(Value v);
  const std::vector<Value>& items() const { return items_; }

  // Typed reads; throw UserError naming `what` when the kind does not match.
  double as_number(const std::string& what) const;
  int64_t as_integer(const std::string& what) const;
  const std::string& as_string(const std::string& what) const;
  bool as_bool(const std::string& what) const;

 private:
  Kind kind_ = Kind::Null;
  bool bool_ = false;
  int64_t int_ = 0;
  double num_ = 0;
  std::string str_;
  std::vector<Value> items_;
  std::vector<std::pair<std::string, Value>> members_;
};

// Compact (one line) when indent is 0, else pretty-printed. Non-finite numbers become null.
std::string to_json(const Value& v, int indent = 0);

// Throws UserError "<origin>:<line>:<col>: <what was expected>" on malformed text.
Value parse(const std::string& text, const std::string& origin);
Value parse_file(const std::string& path);

}  // namespace artic::json
