// TOML text to a toml++ table; a syntax error becomes a ConfigError "ORIGIN:LINE: TOML syntax
// error: ...". For the files artic reads besides the training config (sweeps, prep configs).
#pragma once

#include <toml++/toml.h>

#include <string>

namespace artic {

toml::table parse_toml_document(const std::string& text, const std::string& origin);

// "ORIGIN:LINE" of a node of such a document ("ORIGIN" when the node has no source line).
std::string toml_location(const std::string& origin, const toml::node& node);

}  // namespace artic
