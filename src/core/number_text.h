// Numbers as text: the shortest form that reads back to the same double (std::to_chars), for
// configs, messages and files that are read again. "inf", "-inf" and "nan" for the rest.
#pragma once

#include <string>

namespace artic {

std::string shortest_text(double v);

}  // namespace artic
