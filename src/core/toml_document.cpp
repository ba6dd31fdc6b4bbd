#include "core/toml_document.h"

#include "core/error.h"

namespace artic {

toml::table parse_toml_document(const std::string& text, const std::string& origin) {
  try {
    return toml::parse(text, origin);
  } catch (const toml::parse_error& e) {
    throw ConfigError(origin + ":" + std::to_string(e.source().begin.line) +
                      ": TOML syntax error: " + std::string(e.description()));
  }
}

std::string toml_location(const std::string& origin, const toml::node& node) {
  const auto& src = node.source();
  return src.begin.line == 0 ? origin : origin + ":" + std::to_string(src.begin.line);
}

}  // namespace artic
