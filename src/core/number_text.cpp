#include "core/number_text.h"

#include <charconv>
#include <cmath>
#include <cstdio>

namespace artic {

// The fewest significant digits that read back exactly, in printf's %g style (0.0002, not
// 2e-04), except that a plain number no longer than the exponent form wins (30, not 3e+01).
std::string shortest_text(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  char buf[32];
  std::string general;
  for (int precision = 1;; ++precision) {
    const auto end =
        std::to_chars(buf, buf + sizeof buf, v, std::chars_format::general, precision).ptr;
    double back = 0;
    std::from_chars(buf, end, back);
    if (back == v || precision >= 17) {
      general.assign(buf, end);
      break;
    }
  }
  if (general.find('e') == std::string::npos) return general;
  char fixed[400];
  const auto end = std::to_chars(fixed, fixed + sizeof fixed, v, std::chars_format::fixed).ptr;
  const std::string plain(fixed, end);
  return plain.size() <= general.size() ? plain : general;
}

std::string fixed_text(double v, int digits) {
  if (!std::isfinite(v)) return "n/a";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

}  // namespace artic
