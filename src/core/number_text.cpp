#include "core/number_text.h"

#include <charconv>
#include <cmath>
#include <cstdio>

namespace artic {

// printf's %g style (0.0002, not 2e-04) at the fewest significant digits that read back exactly.
std::string shortest_text(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  char buf[32];
  for (int precision = 1;; ++precision) {
    const auto end =
        std::to_chars(buf, buf + sizeof buf, v, std::chars_format::general, precision).ptr;
    double back = 0;
    std::from_chars(buf, end, back);
    if (back == v || precision >= 17) return std::string(buf, end);
  }
}

std::string fixed_text(double v, int digits) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

}  // namespace artic
