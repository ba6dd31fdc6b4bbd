// Enums that configs set by name: each enum E with values 0..N-1 declares, beside itself,
// `const std::vector<std::string>& names_of(E)` listing the names in value order.
#pragma once

#include <string>
#include <vector>

namespace artic {

template <typename E>
const std::string& name_of(E value) {
  return names_of(value).at(static_cast<size_t>(value));
}

}  // namespace artic
