// The schema engine behind artic's config files (docs/architecture.md): a module declares its
// keys (section, key, type, range or choices, help) as fields pointing into its own option
// struct; the engine reads TOML sections and `section.key=value` overrides into them, checking
// type, range and choices with messages that name the file, line and key (and the nearest valid
// key or section), and prints the values back as TOML that reads to the same values.
#pragma once

#include <toml++/toml.h>

#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "core/enum_names.h"

namespace artic::schema {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr int64_t kMaxInt = std::numeric_limits<int64_t>::max();

// Int32 is an `int` member; Choice an enum member (see enum_field); NamePairs a list of
// [from, to] string pairs; Retired a key that files of earlier versions hold: read, warned about
// once and ignored, never printed.
enum class Type { Int, Int32, Float, Bool, String, StringList, NamePairs, Choice, Retired };

// One key: where its value lives, its type, allowed values and meaning.
struct Field {
  std::string section;
  std::string key;
  Type type = Type::Int;
  void* ptr = nullptr;
  double lo = -kInf, hi = kInf;
  bool lo_open = false, hi_open = false;
  std::vector<std::string> choices;  // for strings and enums; empty = any string
  bool non_empty = false;            // strings, lists
  std::string example;               // NamePairs: a valid value, shown when one is malformed
  std::string help;
  std::function<size_t()> get_choice;  // Choice: the index into `choices` of the current value
  std::function<void(size_t)> set_choice;

  std::string name() const { return section + "." + key; }
};

Field int_field(const char* section, const char* key, int64_t* value, int64_t lo, int64_t hi,
                const char* help);
Field float_field(const char* section, const char* key, double* value, double lo, double hi,
                  bool lo_open, bool hi_open, const char* help);
Field int32_field(const char* section, const char* key, int* value, int lo, int hi,
                  const char* help);
Field bool_field(const char* section, const char* key, bool* value, const char* help);
// `why` says what replaced it (shown in the warning).
Field retired_field(const char* section, const char* key, const char* why);
Field string_field(const char* section, const char* key, std::string* value,
                   std::vector<std::string> choices, bool non_empty, const char* help);
Field string_list_field(const char* section, const char* key, std::vector<std::string>* value,
                        bool non_empty, const char* help);
// [["from", "to"], ...]; `example` is shown when the value has the wrong shape.
Field name_pairs_field(const char* section, const char* key,
                       std::vector<std::pair<std::string, std::string>>* value, const char* example,
                       const char* help);

// An enum member whose values are 0..N-1 named by names_of(E{}) (core/enum_names.h); only the
// first `settable` names may be set from a config (0 = all).
template <typename E>
Field enum_field(const char* section, const char* key, E* value, const char* help,
                 size_t settable = 0) {
  const std::vector<std::string>& names = names_of(E{});
  Field f;
  f.section = section;
  f.key = key;
  f.type = Type::Choice;
  f.ptr = value;
  f.help = help;
  f.choices.assign(names.begin(), settable == 0 ? names.end() : names.begin() + settable);
  f.get_choice = [value] { return static_cast<size_t>(*value); };
  f.set_choice = [value](size_t i) { *value = static_cast<E>(i); };
  return f;
}

// The fields of one options object and the sections they may appear in.
class Schema {
 public:
  Schema(std::vector<Field> fields, std::vector<std::string> sections)
      : fields_(std::move(fields)), sections_(std::move(sections)) {}

  const Field* find(const std::string& section, const std::string& key) const;
  // ConfigError naming `where` unless `section` is one of the schema's.
  void check_section(const std::string& section, const std::string& where) const;
  // Reads every key of a section's table (`node` must be a table) at their lines in `origin`.
  // Keys named in `skip` ("section.key", e.g. those a --set will replace) are checked to exist but
  // not read; `origins`, when given, records "FILE:LINE" for each key read.
  void read_section(const std::string& section, const toml::node& node, const std::string& where,
                    const std::string& origin, const std::set<std::string>* skip = nullptr,
                    std::map<std::string, std::string>* origins = nullptr) const;
  // The field that `section.key` names, or a ConfigError (unknown key, nearest match).
  const Field& field_at(const std::string& section, const std::string& key,
                        const std::string& where) const;
  // "section.key=value": a bare word or TOML value (strings may be unquoted). Returns the field
  // set.
  const Field& apply_override(const std::string& assignment) const;
  const std::vector<Field>& fields() const { return fields_; }
  // Every field as TOML by section; with_help adds a comment line per key.
  std::string to_toml(bool with_help) const;

 private:
  std::vector<Field> fields_;
  std::vector<std::string> sections_;
};

// "section.key" of an override "section.key=value"; empty when it has no '=' before a dot.
std::string override_key(const std::string& assignment);

// Checks a TOML value against a field and stores it. `where` prefixes errors.
void assign(const Field& field, const toml::node& value, const std::string& where);
// The same for a value written as text (a command-line flag or `--set`): a TOML value, or for
// strings and enums also a bare word.
void assign_text(const Field& field, const std::string& text, const std::string& where);
// Copies the value of `from` into `to`, fields of the same key in two objects.
void copy_value(const Field& from, const Field& to);
// A field's current value as TOML text.
std::string value_text(const Field& field);
// A numeric field's range as messages word it: "in [40, 80]", ">= 0", "in (0, 1)".
std::string range_text(const Field& field);
// "FILE:LINE" of a TOML node (the file alone when the node has no position).
std::string location(const std::string& origin, const toml::source_region& source);
// "a string", "an integer", ... for messages.
std::string node_kind(const toml::node& node);
// A TOML value as TOML text (for overrides recorded as text).
std::string toml_literal(const toml::node& value);
std::string quote_toml(const std::string& text);
// Shortest text that reads back to the same double, with a point or exponent (TOML floats).
std::string format_number(double v);
std::string join(const std::vector<std::string>& items, const std::string& separator);

}  // namespace artic::schema
