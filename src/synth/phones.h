// The phone inventory and phonotactics of the synthetic language: each phone's motor targets,
// their dominance, its source settings, and the weighted onsets, nuclei and codas of a syllable.
#pragma once

#include <array>
#include <string>
#include <vector>

namespace artic::synth {

// Motor variables are in millimetres in a speaker-normalised space (velum and lateral opening
// in 0..1). Heights are absolute (tongue on jaw), so closures are reached whatever the jaw does.
enum Motor { kJaw, kBodyH, kBodyX, kTipH, kTipX, kLipAp, kLipPro, kVelum, kLateral, kNumMotor };
enum Source { kVoice, kAspiration, kFlow, kGain, kNumSource };
using MotorVec = std::array<double, kNumMotor>;
using SourceVec = std::array<double, kNumSource>;

enum class PhoneClass { kVowel, kStop, kFricative, kNasal, kApproximant, kPause };

struct Phone {
  std::string name;
  PhoneClass cls = PhoneClass::kVowel;
  double duration_s = 0.08;
  MotorVec target{};
  MotorVec strength{};
  double voice = 1.0;
  double aspiration = 0.0;
};

struct Inventory {
  std::vector<Phone> phones;
  int silence = 0;
  std::vector<int> vowels, onsets, codas;
  std::vector<double> vowel_w, onset_w, coda_w;
  std::vector<std::array<int, 2>> onset_clusters, coda_clusters;

  int index(const std::string& name) const;
};

// Built once, on first use.
const Inventory& inventory();

}  // namespace artic::synth
