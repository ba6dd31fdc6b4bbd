#include "core/schema.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "core/error.h"
#include "core/number_text.h"
#include "core/suggest.h"

namespace artic::schema {
namespace {

Field make_field(const char* section, const char* key, Type type, void* ptr, const char* help) {
  Field f;
  f.section = section;
  f.key = key;
  f.type = type;
  f.ptr = ptr;
  f.help = help;
  return f;
}

std::string range_text(const Field& f) {
  auto num = [&](double v) {
    return f.type == Type::Int ? std::to_string(static_cast<int64_t>(v)) : format_number(v);
  };
  if (f.hi == kInf) return std::string(f.lo_open ? "> " : ">= ") + num(f.lo);
  if (f.lo == -kInf) return std::string(f.hi_open ? "< " : "<= ") + num(f.hi);
  return std::string("in ") + (f.lo_open ? "(" : "[") + num(f.lo) + ", " + num(f.hi) +
         (f.hi_open ? ")" : "]");
}

bool in_range(const Field& f, double v) {
  if (std::isnan(v)) return false;
  if (f.lo_open ? v <= f.lo : v < f.lo) return false;
  if (f.hi_open ? v >= f.hi : v > f.hi) return false;
  return true;
}

std::string type_name(Type t) {
  switch (t) {
    case Type::Int:
      return "an integer";
    case Type::Float:
      return "a number";
    case Type::Bool:
      return "true or false";
    case Type::String:
      return "a string";
  }
  return "?";
}

std::vector<std::string> keys_in(const std::vector<Field>& fields, const std::string& section) {
  std::vector<std::string> keys;
  for (const auto& f : fields) {
    if (f.section == section) keys.push_back(f.key);
  }
  return keys;
}

std::string unknown_key_message(const std::vector<Field>& fields, const std::string& where,
                                const std::string& section, const std::string& key) {
  std::string msg = where + ": unknown key '" + key + "' in [" + section + "]";
  const std::string near = nearest_match(key, keys_in(fields, section));
  if (!near.empty()) return msg + "; did you mean '" + near + "'?";
  for (const auto& f : fields) {
    if (f.key == key) return msg + "; it belongs in [" + f.section + "]";
  }
  return msg + "; valid keys: " + join(keys_in(fields, section), ", ");
}

}  // namespace

Field int_field(const char* s, const char* k, int64_t* p, int64_t lo, int64_t hi,
                const char* help) {
  Field f = make_field(s, k, Type::Int, p, help);
  f.lo = static_cast<double>(lo);
  f.hi = hi == kMaxInt ? kInf : static_cast<double>(hi);
  return f;
}

Field float_field(const char* s, const char* k, double* p, double lo, double hi, bool lo_open,
                  bool hi_open, const char* help) {
  Field f = make_field(s, k, Type::Float, p, help);
  f.lo = lo;
  f.hi = hi;
  f.lo_open = lo_open;
  f.hi_open = hi_open;
  return f;
}

Field bool_field(const char* s, const char* k, bool* p, const char* help) {
  return make_field(s, k, Type::Bool, p, help);
}

Field string_field(const char* s, const char* k, std::string* p, std::vector<std::string> choices,
                   bool non_empty, const char* help) {
  Field f = make_field(s, k, Type::String, p, help);
  f.choices = std::move(choices);
  f.non_empty = non_empty;
  return f;
}

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

// Assigns a TOML value to a field, checking type, range and choices. `where` prefixes errors.
void assign(const Field& f, const toml::node& value, const std::string& where) {
  const std::string at = where + ": " + f.name();
  auto fail_type = [&] {
    throw ConfigError(at + " must be " + type_name(f.type) + ", got " + node_kind(value));
  };
  switch (f.type) {
    case Type::Int: {
      const auto v = value.value_exact<int64_t>();
      if (!v) fail_type();
      if (!in_range(f, static_cast<double>(*v))) {
        throw ConfigError(at + " must be " + range_text(f) + ", got " + std::to_string(*v));
      }
      *static_cast<int64_t*>(f.ptr) = *v;
      break;
    }
    case Type::Float: {
      if (!value.is_number()) fail_type();
      const double v = *value.value<double>();
      if (!in_range(f, v)) {
        throw ConfigError(at + " must be " + range_text(f) + ", got " + format_number(v));
      }
      *static_cast<double*>(f.ptr) = v;
      break;
    }
    case Type::Bool: {
      const auto v = value.value_exact<bool>();
      if (!v) fail_type();
      *static_cast<bool*>(f.ptr) = *v;
      break;
    }
    case Type::String: {
      const auto v = value.value_exact<std::string>();
      if (!v) fail_type();
      if (f.non_empty && v->empty()) throw ConfigError(at + " must not be empty");
      if (!f.choices.empty() &&
          std::find(f.choices.begin(), f.choices.end(), *v) == f.choices.end()) {
        std::string msg = at + " must be one of " + join(f.choices, ", ") + ", got \"" + *v + "\"";
        const std::string near = nearest_match(*v, f.choices);
        if (!near.empty()) msg += "; did you mean \"" + near + "\"?";
        throw ConfigError(msg);
      }
      *static_cast<std::string*>(f.ptr) = *v;
      break;
    }
  }
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
  return "";
}

const Field* Schema::find(const std::string& section, const std::string& key) const {
  for (const auto& f : fields_) {
    if (f.section == section && f.key == key) return &f;
  }
  return nullptr;
}

void Schema::check_section(const std::string& section, const std::string& where) const {
  if (std::find(sections_.begin(), sections_.end(), section) != sections_.end()) return;
  std::string msg = where + ": unknown section [" + section + "]";
  const std::string near = nearest_match(section, sections_);
  if (!near.empty()) throw ConfigError(msg + "; did you mean [" + near + "]?");
  throw ConfigError(msg + "; valid sections: " + join(sections_, ", "));
}

const Field& Schema::field_at(const std::string& section, const std::string& key,
                              const std::string& where) const {
  const Field* f = find(section, key);
  if (f == nullptr) throw ConfigError(unknown_key_message(fields_, where, section, key));
  return *f;
}

void Schema::read_section(const std::string& section, const toml::node& node,
                          const std::string& where, const std::string& origin) const {
  check_section(section, where);
  const toml::table* table = node.as_table();
  if (table == nullptr) {
    throw ConfigError(where + ": '" + section + "' must be a section ([" + section + "]), got " +
                      node_kind(node));
  }
  for (auto&& [key, value] : *table) {
    const std::string key_where = location(origin, key.source());
    assign(field_at(section, std::string(key.str()), key_where), value, key_where);
  }
}

void Schema::apply_override(const std::string& assignment) const {
  const std::string where = "--set " + assignment;
  const size_t eq = assignment.find('=');
  if (eq == std::string::npos) {
    throw ConfigError(where + ": expected section.key=value");
  }
  const std::string path = assignment.substr(0, eq);
  const std::string text = assignment.substr(eq + 1);
  const size_t dot = path.find('.');
  if (dot == std::string::npos || path.find('.', dot + 1) != std::string::npos) {
    throw ConfigError(where + ": expected section.key=value, e.g. data.sequence_length=500");
  }
  const std::string section = path.substr(0, dot), key = path.substr(dot + 1);
  check_section(section, where);
  const Field& f = field_at(section, key, where);
  if (f.type == Type::String) {
    // Accept bare words and TOML-quoted strings alike.
    std::string value = text;
    try {
      auto doc = toml::parse("v = " + text);
      if (auto s = doc["v"].value_exact<std::string>()) value = *s;
    } catch (const toml::parse_error&) {
    }
    assign(f, toml::value<std::string>(value), where);
    return;
  }
  toml::table doc;
  try {
    doc = toml::parse("v = " + text);
  } catch (const toml::parse_error&) {
    throw ConfigError(where + ": " + f.name() + " must be " + type_name(f.type) + ", got '" + text +
                      "'");
  }
  assign(f, *doc.get("v"), where);
}

std::string Schema::to_toml(bool with_help) const {
  std::string out;
  std::string current;
  for (const auto& f : fields_) {
    if (f.section != current) {
      out += (current.empty() ? "" : "\n") + std::string("[") + f.section + "]\n";
      current = f.section;
    }
    if (with_help) {
      std::string note = "# " + f.help;
      if (!f.choices.empty()) note += " (" + join(f.choices, " | ") + ")";
      out += note + "\n";
    }
    out += f.key + " = ";
    switch (f.type) {
      case Type::Int:
        out += std::to_string(*static_cast<const int64_t*>(f.ptr));
        break;
      case Type::Float:
        out += format_number(*static_cast<const double*>(f.ptr));
        break;
      case Type::Bool:
        out += *static_cast<const bool*>(f.ptr) ? "true" : "false";
        break;
      case Type::String:
        out += quote_toml(*static_cast<const std::string*>(f.ptr));
        break;
    }
    out += "\n";
  }
  return out;
}

}  // namespace artic::schema
