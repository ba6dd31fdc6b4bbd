// The feature analysis a run's model was trained on, to repeat on new recordings (artic invert):
// the recipe `artic prep` records in a corpus, which training copies into the run.
#pragma once

#include <string>
#include <vector>

#include "prep/features.h"

namespace artic {

struct Analysis {
  FeatureOptions features;
  std::vector<std::string> audio_extensions;  // what a folder of recordings is searched for
  std::string origin;                         // the file the recipe was read from
};

// From RUN/corpus_recipe.toml, else from the recipe of the run's corpus file (runs trained
// before runs kept it). Throws UserError in a sentence when the corpus was not made from audio
// (artic synth's, or one that recorded no recipe): there is no analysis to repeat.
Analysis run_analysis(const std::string& run_dir, const std::string& corpus);

// The analysis in a recipe text; `origin` names it in errors.
Analysis analysis_of_recipe(const std::string& recipe, const std::string& origin);

}  // namespace artic
