#include "core/schema.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <optional>
#include <set>

#include "core/error.h"
#include "core/log.h"
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

bool in_range(const Field& f, double v) {
  if (std::isnan(v)) return false;
  if (f.lo_open ? v <= f.lo : v < f.lo) return false;
  if (f.hi_open ? v >= f.hi : v > f.hi) return false;
  return true;
}

std::string type_name(Type t) {
  switch (t) {
    case Type::Int:
    case Type::Int32:
      return "an integer";
    case Type::Float:
      return "a number";
    case Type::Bool:
      return "true or false";
    case Type::String:
    case Type::Choice:
      return "a string";
    case Type::Retired:
      return "anything (ignored)";
    case Type::StringList:
      return "a list of strings";
    case Type::NamePairs:
      return "a list of [\"from\", \"to\"] name pairs";
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

std::string range_text(const Field& f) {
  auto num = [&](double v) {
    return f.type == Type::Float ? format_number(v) : std::to_string(static_cast<int64_t>(v));
  };
  if (f.hi == kInf) return std::string(f.lo_open ? "> " : ">= ") + num(f.lo);
  if (f.lo == -kInf) return std::string(f.hi_open ? "< " : "<= ") + num(f.hi);
  return std::string("in ") + (f.lo_open ? "(" : "[") + num(f.lo) + ", " + num(f.hi) +
         (f.hi_open ? ")" : "]");
}

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

Field int32_field(const char* s, const char* k, int* p, int lo, int hi, const char* help) {
  Field f = make_field(s, k, Type::Int32, p, help);
  f.lo = lo;
  f.hi = hi;
  return f;
}

Field retired_field(const char* s, const char* k, const char* why) {
  return make_field(s, k, Type::Retired, nullptr, why);
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

Field string_list_field(const char* s, const char* k, std::vector<std::string>* p, bool non_empty,
                        const char* help) {
  Field f = make_field(s, k, Type::StringList, p, help);
  f.non_empty = non_empty;
  return f;
}

Field name_pairs_field(const char* s, const char* k,
                       std::vector<std::pair<std::string, std::string>>* p, const char* example,
                       const char* help) {
  Field f = make_field(s, k, Type::NamePairs, p, help);
  f.example = example;
  return f;
}

namespace {

std::string choice_error(const Field& f, const std::string& at, const std::string& v) {
  std::vector<std::string> quoted;
  for (const auto& c : f.choices) quoted.push_back("\"" + c + "\"");
  std::string msg = at + " must be one of " + join(quoted, ", ") + ", got \"" + v + "\"";
  const std::string near = nearest_match(v, f.choices);
  if (!near.empty()) msg += "; did you mean \"" + near + "\"?";
  return msg;
}

std::vector<std::string> strings_of(const toml::node& value) {
  std::vector<std::string> out;
  for (const auto& item : *value.as_array()) out.push_back(*item.value_exact<std::string>());
  return out;
}

bool is_string_list(const toml::node& value) {
  const toml::array* a = value.as_array();
  if (a == nullptr) return false;
  for (const auto& item : *a) {
    if (!item.is_string()) return false;
  }
  return true;
}

}  // namespace

void assign(const Field& f, const toml::node& value, const std::string& where) {
  const std::string at = where + ": " + f.name();
  auto fail_type = [&] {
    throw ConfigError(at + " must be " + type_name(f.type) + ", got " + node_kind(value));
  };
  switch (f.type) {
    case Type::Retired: {
      static std::set<std::string> warned;
      if (warned.insert(f.name()).second) {
        log_warn(where + ": " + f.name() + " is no longer used and is ignored: " + f.help);
      }
      break;
    }
    case Type::Int:
    case Type::Int32: {
      const auto v = value.value_exact<int64_t>();
      if (!v) fail_type();
      if (!in_range(f, static_cast<double>(*v))) {
        throw ConfigError(at + " must be " + range_text(f) + ", got " + std::to_string(*v));
      }
      if (f.type == Type::Int) {
        *static_cast<int64_t*>(f.ptr) = *v;
      } else {
        *static_cast<int*>(f.ptr) = static_cast<int>(*v);
      }
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
        throw ConfigError(choice_error(f, at, *v));
      }
      *static_cast<std::string*>(f.ptr) = *v;
      break;
    }
    case Type::Choice: {
      const auto v = value.value_exact<std::string>();
      if (!v) fail_type();
      const auto it = std::find(f.choices.begin(), f.choices.end(), *v);
      if (it == f.choices.end()) throw ConfigError(choice_error(f, at, *v));
      f.set_choice(static_cast<size_t>(it - f.choices.begin()));
      break;
    }
    case Type::StringList: {
      if (!is_string_list(value)) fail_type();
      std::vector<std::string> v = strings_of(value);
      if (f.non_empty && v.empty()) throw ConfigError(at + " must not be empty");
      *static_cast<std::vector<std::string>*>(f.ptr) = std::move(v);
      break;
    }
    case Type::NamePairs: {
      const toml::array* a = value.as_array();
      std::vector<std::pair<std::string, std::string>> v;
      bool ok = a != nullptr;
      for (size_t i = 0; ok && i < a->size(); ++i) {
        const toml::node& item = *a->get(i);
        ok = is_string_list(item) && item.as_array()->size() == 2;
        if (ok) v.emplace_back(strings_of(item)[0], strings_of(item)[1]);
      }
      if (!ok) {
        throw ConfigError(at + " must be " + type_name(f.type) + ", e.g. " + f.example + ", got " +
                          toml_literal(value));
      }
      *static_cast<std::vector<std::pair<std::string, std::string>>*>(f.ptr) = std::move(v);
      break;
    }
  }
}

void assign_text(const Field& f, const std::string& text, const std::string& where) {
  std::optional<toml::table> doc;
  try {
    doc = toml::parse("v = " + text);
  } catch (const toml::parse_error&) {
  }
  const bool wants_word = f.type == Type::String || f.type == Type::Choice;
  if (wants_word && !(doc && (*doc)["v"].is_string())) {
    assign(f, toml::value<std::string>(text), where);
    return;
  }
  if (!doc) {
    throw ConfigError(where + ": " + f.name() + " must be " + type_name(f.type) + ", got '" + text +
                      "'");
  }
  assign(f, *doc->get("v"), where);
}

void copy_value(const Field& from, const Field& to) {
  switch (from.type) {
    case Type::Retired:
      return;
    case Type::Int:
      *static_cast<int64_t*>(to.ptr) = *static_cast<const int64_t*>(from.ptr);
      return;
    case Type::Int32:
      *static_cast<int*>(to.ptr) = *static_cast<const int*>(from.ptr);
      return;
    case Type::Float:
      *static_cast<double*>(to.ptr) = *static_cast<const double*>(from.ptr);
      return;
    case Type::Bool:
      *static_cast<bool*>(to.ptr) = *static_cast<const bool*>(from.ptr);
      return;
    case Type::String:
      *static_cast<std::string*>(to.ptr) = *static_cast<const std::string*>(from.ptr);
      return;
    case Type::Choice:
      to.set_choice(from.get_choice());
      return;
    case Type::StringList:
      *static_cast<std::vector<std::string>*>(to.ptr) =
          *static_cast<const std::vector<std::string>*>(from.ptr);
      return;
    case Type::NamePairs:
      *static_cast<std::vector<std::pair<std::string, std::string>>*>(to.ptr) =
          *static_cast<const std::vector<std::pair<std::string, std::string>>*>(from.ptr);
      return;
  }
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
                          const std::string& where, const std::string& origin,
                          const std::set<std::string>* skip,
                          std::map<std::string, std::string>* origins) const {
  check_section(section, where);
  const toml::table* table = node.as_table();
  if (table == nullptr) {
    throw ConfigError(where + ": '" + section + "' must be a section ([" + section + "]), got " +
                      node_kind(node));
  }
  for (auto&& [key, value] : *table) {
    const std::string key_where = location(origin, key.source());
    const Field& f = field_at(section, std::string(key.str()), key_where);
    if (skip != nullptr && skip->count(f.name()) > 0) continue;
    assign(f, value, key_where);
    if (origins != nullptr) (*origins)[f.name()] = key_where;
  }
}

std::string override_key(const std::string& assignment) {
  const size_t eq = assignment.find('=');
  return eq == std::string::npos ? std::string() : assignment.substr(0, eq);
}

const Field& Schema::apply_override(const std::string& assignment) const {
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
  assign_text(f, text, where);
  return f;
}

std::string Schema::to_toml(bool with_help) const {
  std::string out;
  std::string current;
  for (const auto& f : fields_) {
    if (f.type == Type::Retired) continue;
    if (f.section != current) {
      out += (current.empty() ? "" : "\n") + std::string("[") + f.section + "]\n";
      current = f.section;
    }
    if (with_help) {
      std::string note = "# " + f.help;
      if (!f.choices.empty()) note += " (" + join(f.choices, " | ") + ")";
      out += note + "\n";
    }
    out += f.key + " = " + value_text(f) + "\n";
  }
  return out;
}

}  // namespace artic::schema
