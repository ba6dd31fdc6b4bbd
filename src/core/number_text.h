// Numbers as text: the shortest form that reads back to the same double (std::to_chars), for
// configs, messages and files that are read again. "inf", "-inf" and "nan" for the rest.
#pragma once

#include <string>

namespace artic {

std::string shortest_text(double v);
// v with `digits` digits after the point, for tables and log lines ("1.385"); "n/a" when v is not
// finite (the one fixed-digit formatter: tables, logs and comparisons all use it).
std::string fixed_text(double v, int digits);

}  // namespace artic
