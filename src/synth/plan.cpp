#include "synth/plan.h"

#include <algorithm>
#include <cmath>
#include <utility>

namespace artic::synth {
namespace {

struct PlannedPhone {
  int phone;
  double duration;
  bool stressed;
};

std::vector<PlannedPhone> make_syllable(XoshiroRng& rng, const Inventory& inv, double rate,
                                        bool final) {
  std::vector<PlannedPhone> syl;
  const bool stressed = rng.uniform() < 0.3;
  bool rhyme = false;  // nucleus or coda: lengthened at the end of a phrase
  auto add = [&](int phone, bool nucleus) {
    rhyme = rhyme || nucleus;
    double d = inv.phones[phone].duration_s * rate * std::exp(0.15 * rng.normal());
    if (nucleus && stressed) d *= 1.3;
    if (final && rhyme) d *= 1.4;
    syl.push_back({phone, d, stressed});
  };
  const double onset = rng.uniform();
  if (onset < 0.15) {
    for (int p :
         inv.onset_clusters[rng.below_biased(static_cast<int>(inv.onset_clusters.size()))]) {
      add(p, false);
    }
  } else if (onset < 0.75) {
    add(inv.onsets[rng.pick_weighted(inv.onset_w)], false);
  }
  add(inv.vowels[rng.pick_weighted(inv.vowel_w)], true);
  const double coda = rng.uniform();
  if (coda < 0.05) {
    for (int p : inv.coda_clusters[rng.below_biased(static_cast<int>(inv.coda_clusters.size()))]) {
      add(p, false);
    }
  } else if (coda < 0.45) {
    add(inv.codas[rng.pick_weighted(inv.coda_w)], false);
  }
  return syl;
}

struct Plan {
  std::vector<Segment> segments;
  double time = 0.0;
  double phrase_start = 0.0;
};

void add_phone(Plan& plan, const PlannedPhone& p, const Speaker& speaker, XoshiroRng& rng) {
  const Phone& ph = inventory().phones[p.phone];
  Segment s;
  s.start = plan.time;
  s.end = plan.time + p.duration;
  s.strength = ph.strength;
  s.target = ph.target;
  for (int m = kJaw; m <= kLipPro; ++m) s.target[m] += speaker.bias[m] + 0.4 * rng.normal();
  const double stress = ph.cls == PhoneClass::kVowel && p.stressed ? 1.35 : 1.0;
  if (stress > 1.0) s.target[kJaw] += 2.0;
  s.source = {ph.voice, ph.aspiration, 1.0,
              stress * std::exp(-0.12 * (plan.time - plan.phrase_start))};
  plan.segments.push_back(s);
  plan.time = s.end;
}

// A pause: airflow off, weak pull towards a rest posture drawn per token.
void add_pause(Plan& plan, double duration, XoshiroRng& rng) {
  Segment s;
  s.start = plan.time;
  s.end = plan.time + duration;
  s.strength = inventory().phones[inventory().silence].strength;
  s.target = {rng.uniform(1, 4),      rng.uniform(-3, 1),    rng.uniform(-1.5, 1.5),
              rng.uniform(-5, -3),    rng.uniform(-1, 0.5),  rng.uniform(-1, 3),
              rng.uniform(-0.3, 1.0), rng.uniform(0.5, 1.0), 0.0};
  s.source = {0.0, 0.0, 0.0, 1.0};
  plan.segments.push_back(s);
  plan.time = s.end;
}

}  // namespace

std::vector<Segment> plan_utterance(double length_s, const Speaker& speaker, XoshiroRng& rng) {
  const Inventory& inv = inventory();
  const double rate = speaker.rate * std::exp(0.1 * rng.normal());
  const double end = length_s - 0.15;
  Plan plan;
  add_pause(plan, std::min(rng.uniform(0.15, 0.5), 0.3 * length_s), rng);
  for (bool room = true; room;) {
    const int syllables = 2 + rng.below_biased(10);
    plan.phrase_start = plan.time;
    for (int k = 0; k < syllables && room; ++k) {
      const auto syl = make_syllable(rng, inv, rate, k == syllables - 1);
      double d = 0.0;
      for (const auto& p : syl) d += p.duration;
      room = plan.time + d <= end;
      if (room) {
        for (const auto& p : syl) add_phone(plan, p, speaker, rng);
      }
    }
    const double pause = std::clamp(0.3 * std::exp(0.5 * rng.normal()), 0.1, 1.2);
    room = room && plan.time + pause + 0.3 <= end;
    if (room) add_pause(plan, pause, rng);
  }
  add_pause(plan, std::max(length_s - plan.time, 0.0) + 1.0, rng);
  return std::move(plan.segments);
}

}  // namespace artic::synth
