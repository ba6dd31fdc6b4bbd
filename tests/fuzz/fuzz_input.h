// Shared by the fuzz targets: the input as text, and the "#set section.key=value" comment lines
// of a TOML input, which the config targets apply as command-line overrides.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace artic::fuzz {

inline std::string text_of(const uint8_t* data, size_t size) {
  return std::string(reinterpret_cast<const char*>(data), size);
}

inline std::vector<std::string> set_lines(const std::string& text) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    if (text.compare(pos, 5, "#set ") == 0) out.push_back(text.substr(pos + 5, end - pos - 5));
    pos = end + 1;
  }
  return out;
}

}  // namespace artic::fuzz
