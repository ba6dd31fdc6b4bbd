// "Did you mean" support: the candidate closest to a misspelt word, if close enough.
#pragma once

#include <string>
#include <vector>

namespace artic {

size_t edit_distance(const std::string& a, const std::string& b);
// Closest candidate within a distance that scales with the word's length; "" when none is.
std::string nearest_match(const std::string& word, const std::vector<std::string>& candidates);

}  // namespace artic
