// A synthetic speaker: anatomy (vocal-tract length, EMA scale and sensor rest positions),
// habitual articulatory setting and voice, all drawn from the speaker's own stream.
#pragma once

#include <array>
#include <cstdint>
#include <string>

#include "synth/phones.h"

namespace artic::synth {

constexpr int kNumSensors = 6;
constexpr int kNumChannels = 2 * kNumSensors;
inline constexpr const char* kChannelNames[kNumChannels] = {"T1_x", "T1_y", "T2_x",  "T2_y",
                                                            "T3_x", "T3_y", "JAW_x", "JAW_y",
                                                            "UL_x", "UL_y", "LL_x",  "LL_y"};

struct Speaker {
  std::string id;
  double vtl = 1.0;    // vocal-tract length factor: formants are divided by it
  double scale = 1.0;  // EMA movement scale (anatomy size)
  std::array<double, kNumChannels> rest{};
  MotorVec bias{};  // habitual articulatory setting added to every target
  double f0_hz = 150.0;
  double tilt_hz = 400.0;
  double breathiness = 0.05;
  double rate = 1.0;
};

// Speaker `index` (0-based) of the corpus drawn with `seed`.
Speaker make_speaker(uint64_t seed, int index);

}  // namespace artic::synth
