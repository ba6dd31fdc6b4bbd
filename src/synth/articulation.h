// Articulation: from a plan to smooth motor and source trajectories (coarticulation by
// dominance-weighted target blending, then critically damped dynamics), and from motor
// variables to the physical vocal tract and its EMA sensor positions.
#pragma once

#include <cstdint>
#include <vector>

#include "core/rng.h"
#include "synth/phones.h"
#include "synth/plan.h"
#include "synth/speaker.h"

namespace artic::synth {

// Time of frame n (s): frame n is the state at n / fps, as EST tracks and feature frames count.
double frame_time(int64_t n, double fps);

std::vector<MotorVec> motor_trajectory(const std::vector<Segment>& segs, int64_t frames,
                                       double fps);
std::vector<SourceVec> source_trajectory(const std::vector<Segment>& segs, int64_t frames,
                                         double fps);

// Motor variables saturated against the palate and between the lips.
struct Physical {
  double jaw, body_h, body_x, tip_h, tip_x, lip_ap, lip_pro, velum, lateral;
  double gap_lips, gap_tip, gap_body;  // constriction apertures (mm, >= 0)
};

Physical physical(const MotorVec& m);

// The kNumChannels EMA coordinates of one frame (mm), with Gaussian sensor noise.
void write_targets(const Physical& p, const Speaker& speaker, double noise_mm, XoshiroRng& rng,
                   float* out);

}  // namespace artic::synth
