#include "core/file_walk.h"

#include <cctype>
#include <filesystem>
#include <set>
#include <system_error>

#include "core/error.h"

namespace artic {

namespace fs = std::filesystem;

std::string lowercase(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

std::vector<std::string> find_files(const std::string& dir,
                                    const std::vector<std::string>& extensions) {
  std::set<std::string> wanted;
  for (const std::string& e : extensions) wanted.insert(lowercase(e));
  std::vector<std::string> out;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir,
                                                  fs::directory_options::follow_directory_symlink |
                                                      fs::directory_options::skip_permission_denied,
                                                  ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    std::error_code type_ec;
    if (!it->is_regular_file(type_ec)) continue;
    if (wanted.count(lowercase(it->path().extension().string())) != 0) {
      out.push_back(it->path().string());
    }
  }
  if (ec) throw DataError(dir + ": cannot read the folder (" + ec.message() + ")");
  return out;
}

}  // namespace artic
