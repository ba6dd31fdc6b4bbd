// Reading and writing the fields of artic's JSON records (eval/run_records.h), shared by the
// files that define the records' to_json / from_json; not for use outside eval/.
#pragma once

#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <type_traits>

#include "eval/run_records.h"

namespace artic::record_fields {

// A key that is missing or holds the wrong type, named (with its parents) in the message.
struct BadField : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// nlohmann's messages start with "[json.exception.type_error.302] ".
inline std::string reason(const std::exception& e) {
  const std::string text = e.what();
  const size_t end = text.rfind("] ", text.find(' '));
  return text[0] == '[' && end != std::string::npos ? text.substr(end + 2) : text;
}

// JSON has no NaN or infinity: they are written as null and read back as NaN.
template <typename T>
void read_value(const Json& v, const char* key, T& out) {
  const std::string name = "'" + std::string(key) + "'";
  if constexpr (std::is_floating_point_v<T>) {
    if (v.is_null()) {
      out = std::numeric_limits<T>::quiet_NaN();
      return;
    }
  }
  // A float converted to an integer out of its range is undefined behaviour: refuse floats.
  if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
    if (!v.is_number_integer()) {
      throw BadField(name + ": an integer expected, got " + v.type_name());
    }
  }
  if constexpr (std::is_same_v<T, std::vector<int>>) {
    for (const auto& item : v) {
      if (!item.is_number_integer()) throw BadField(name + ": a list of integers expected");
    }
  }
  try {
    v.get_to(out);
  } catch (const BadField& e) {
    throw BadField("in " + name + ": " + e.what());
  } catch (const Json::exception& e) {
    throw BadField(name + ": " + reason(e));
  }
}

template <typename T>
void required(const Json& j, const char* key, T& out) {
  const auto it = j.is_object() ? j.find(key) : j.end();
  if (it == j.end()) throw BadField(std::string("missing key '") + key + "'");
  read_value(*it, key, out);
}

// Absent or null keeps the default (files written by older versions lack newer keys).
template <typename T>
void optional(const Json& j, const char* key, T& out) {
  const auto it = j.is_object() ? j.find(key) : j.end();
  if (it != j.end() && !it->is_null()) read_value(*it, key, out);
}

// What JSON can hold: NaN and infinity become null.
inline Json num(double v) {
  return std::isfinite(v) ? Json(v) : Json();
}

}  // namespace artic::record_fields
