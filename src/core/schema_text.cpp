// The schema's text side (schema.h): values as TOML text, and the words messages use.
#include <cstdio>

#include "core/number_text.h"
#include "core/schema.h"

namespace artic::schema {

// TOML needs a point or exponent to read a float back as a float.
std::string format_number(double v) {
  std::string out = shortest_text(v);
  if (out.find_first_of(".en") == std::string::npos) out += ".0";
  return out;
}

std::string join(const std::vector<std::string>& items, const std::string& sep) {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) out += (i ? sep : "") + items[i];
  return out;
}

std::string quote_toml(const std::string& s) {
  std::string out = "\"";
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (ch == '"' || ch == '\\') {
      out += '\\';
      out += ch;
    } else if (c < 0x20 || c == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else {
      out += ch;
    }
  }
  return out + "\"";
}

std::string node_kind(const toml::node& n) {
  switch (n.type()) {
    case toml::node_type::string:
      return "a string";
    case toml::node_type::integer:
      return "an integer";
    case toml::node_type::floating_point:
      return "a float";
    case toml::node_type::boolean:
      return "a boolean";
    case toml::node_type::table:
      return "a table";
    case toml::node_type::array:
      return "an array";
    default:
      return "a date/time";
  }
}

std::string value_text(const Field& f) {
  switch (f.type) {
    case Type::Retired:
      return "";
    case Type::Int:
      return std::to_string(*static_cast<const int64_t*>(f.ptr));
    case Type::Int32:
      return std::to_string(*static_cast<const int*>(f.ptr));
    case Type::Float:
      return format_number(*static_cast<const double*>(f.ptr));
    case Type::Bool:
      return *static_cast<const bool*>(f.ptr) ? "true" : "false";
    case Type::String:
      return quote_toml(*static_cast<const std::string*>(f.ptr));
    case Type::Choice:
      return quote_toml(f.choices.at(f.get_choice()));
    case Type::StringList: {
      std::vector<std::string> quoted;
      for (const auto& s : *static_cast<const std::vector<std::string>*>(f.ptr)) {
        quoted.push_back(quote_toml(s));
      }
      return "[" + join(quoted, ", ") + "]";
    }
    case Type::NamePairs: {
      std::vector<std::string> pairs;
      for (const auto& [a, b] :
           *static_cast<const std::vector<std::pair<std::string, std::string>>*>(f.ptr)) {
        pairs.push_back("[" + quote_toml(a) + ", " + quote_toml(b) + "]");
      }
      return "[" + join(pairs, ", ") + "]";
    }
  }
  return "";
}

std::string location(const std::string& origin, const toml::source_region& src) {
  if (src.begin.line == 0) return origin;
  return origin + ":" + std::to_string(src.begin.line);
}

std::string toml_literal(const toml::node& value) {
  if (auto s = value.value_exact<std::string>()) return quote_toml(*s);
  if (auto b = value.value_exact<bool>()) return *b ? "true" : "false";
  if (auto i = value.value_exact<int64_t>()) return std::to_string(*i);
  if (auto d = value.value_exact<double>()) return format_number(*d);
  if (const toml::array* a = value.as_array()) {
    std::vector<std::string> items;
    for (const auto& item : *a) items.push_back(toml_literal(item));
    return "[" + join(items, ", ") + "]";
  }
  return node_kind(value);
}

}  // namespace artic::schema
