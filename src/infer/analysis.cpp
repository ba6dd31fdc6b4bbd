#include "infer/analysis.h"

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "core/error.h"
#include "data/corpus.h"
#include "prep/prep_config.h"
#include "train/run_files.h"

namespace artic {

namespace fs = std::filesystem;

Analysis analysis_of_recipe(const std::string& recipe, const std::string& origin) {
  static const std::regex prep_table(R"((^|\n)\s*\[(prep|features)\])");
  if (!std::regex_search(recipe, prep_table)) {
    throw UserError(origin +
                    ": the run's corpus recipe holds no [features] table (not made by "
                    "'artic prep'): the feature analysis to apply to a recording is unknown");
  }
  const PrepConfig c = parse_prep_config(recipe, origin);
  return {c.features, c.audio_extensions, origin};
}

Analysis run_analysis(const std::string& run_dir, const std::string& corpus) {
  const fs::path kept = fs::path(run_dir) / kCorpusRecipeFile;
  if (fs::exists(kept)) {
    std::ifstream in(kept);
    std::stringstream text;
    text << in.rdbuf();
    if (!in) throw UserError(kept.string() + ": cannot read the run's corpus recipe");
    return analysis_of_recipe(text.str(), kept.string());
  }
  if (!fs::exists(corpus)) {
    throw UserError(run_dir + " has no " + kCorpusRecipeFile + " and its corpus " + corpus +
                    " is not there: the feature analysis the model was trained on is unknown "
                    "(pass --set data.corpus=PATH if the corpus moved)");
  }
  const CorpusReader reader(corpus);
  if (reader.meta().recipe.empty()) {
    throw UserError(corpus + " (" + reader.meta().created_by +
                    ") recorded no recipe: it was not made by 'artic prep' from audio, so the "
                    "feature analysis to apply to a recording is unknown");
  }
  return analysis_of_recipe(reader.meta().recipe, corpus + " (recipe)");
}

}  // namespace artic
