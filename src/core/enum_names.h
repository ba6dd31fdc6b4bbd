// Enums that configs set by name: each enum E with values 0..N-1 declares, beside itself,
// `const std::vector<std::string>& names_of(E)` listing the names in value order.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace artic {

template <typename E>
const std::string& name_of(E value) {
  return names_of(value).at(static_cast<size_t>(value));
}

template <typename E>
std::optional<E> parse_name(const std::string& name) {
  const std::vector<std::string>& names = names_of(E{});
  for (size_t i = 0; i < names.size(); ++i) {
    if (names[i] == name) return static_cast<E>(i);
  }
  return std::nullopt;
}

}  // namespace artic
