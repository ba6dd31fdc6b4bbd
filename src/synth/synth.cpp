#include "synth/synth.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <initializer_list>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/error.h"

namespace artic {
namespace {

constexpr double kPi = 3.14159265358979323846;

// ---------------------------------------------------------------------------------------------
// Random numbers: splitmix64 seeding, xoshiro256**, own uniform and Box-Muller mappings, so the
// stream is the same under every compiler and standard library.

uint64_t splitmix64(uint64_t& state) {
  uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

enum Stream : uint64_t {
  kLengthStream = 1,
  kSplitStream,
  kPlanStream,
  kNoiseStream,
  kSpeakerStream
};

uint64_t sub_seed(uint64_t seed, uint64_t stream, uint64_t index) {
  uint64_t state = seed;
  uint64_t h = splitmix64(state);
  state = h ^ (stream * 0xD1B54A32D192ED03ULL);
  h = splitmix64(state);
  state = h ^ (index * 0x8CB92BA72F3D8DD7ULL);
  return splitmix64(state);
}

class Rng {
 public:
  explicit Rng(uint64_t seed) {
    for (auto& word : s_) word = splitmix64(seed);
  }

  uint64_t next() {
    const uint64_t result = rotl(s_[1] * 5, 7) * 9;
    const uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
  }

  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
  double uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }
  int below(int n) { return static_cast<int>((next() >> 33) % static_cast<uint64_t>(n)); }

  double normal() {
    if (has_spare_) {
      has_spare_ = false;
      return spare_;
    }
    const double u1 = 1.0 - uniform();
    const double u2 = uniform();
    const double r = std::sqrt(-2.0 * std::log(u1));
    spare_ = r * std::sin(2.0 * kPi * u2);
    has_spare_ = true;
    return r * std::cos(2.0 * kPi * u2);
  }

 private:
  static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  uint64_t s_[4];
  bool has_spare_ = false;
  double spare_ = 0.0;
};

int pick_weighted(Rng& rng, const std::vector<double>& weights) {
  double total = 0.0;
  for (double w : weights) total += w;
  double r = rng.uniform() * total;
  for (size_t i = 0; i < weights.size(); ++i) {
    r -= weights[i];
    if (r < 0.0) return static_cast<int>(i);
  }
  return static_cast<int>(weights.size()) - 1;
}

// ---------------------------------------------------------------------------------------------
// Phones. Motor variables are in millimetres in a speaker-normalised space (velum and lateral
// opening in 0..1): jaw opening, tongue-body height and advancement, tongue-tip height and
// advancement, lip aperture and protrusion. Heights are absolute (tongue on jaw), so closures
// are reached whatever the jaw does.

enum Motor { kJaw, kBodyH, kBodyX, kTipH, kTipX, kLipAp, kLipPro, kVelum, kLateral, kNumMotor };
enum Source { kVoice, kAspiration, kFlow, kGain, kNumSource };
using MotorVec = std::array<double, kNumMotor>;

constexpr double kPalateTip = 14.0;   // tip height at alveolar contact
constexpr double kPalateBody = 16.0;  // body height at velar/palatal contact
constexpr double kStrong = 1.0;
constexpr double kMid = 0.35;
constexpr double kWeak = 0.06;

// Anticipatory reach of each motor variable's dominance (s); carry-over is 0.7 of it.
constexpr MotorVec kReach = {0.07, 0.06, 0.06, 0.035, 0.035, 0.04, 0.10, 0.09, 0.04};
// Natural frequency of the critically damped dynamics (rad/s): lips and tip fast, jaw slow.
constexpr MotorVec kOmega = {28.0, 32.0, 32.0, 55.0, 50.0, 55.0, 30.0, 30.0, 45.0};
constexpr std::array<double, kNumSource> kSourceOmega = {90.0, 70.0, 45.0, 25.0};

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

struct Spec {
  Motor motor;
  double target;
  double strength;
};

Phone vowel(const char* name, double dur, double jaw, double height, double front, double lip_ap,
            double lip_pro) {
  Phone p;
  p.name = name;
  p.cls = PhoneClass::kVowel;
  p.duration_s = dur;
  p.target = {jaw, height, front, 0.4 * height - 4.0, 0.3 * front - 1.0, lip_ap, lip_pro, 0.0, 0.0};
  const double round = lip_pro > 2.0 ? 0.8 : 0.3;
  p.strength = {0.6, kStrong, kStrong, 0.1, 0.1, 0.5, round, 0.2, 0.3};
  return p;
}

Phone consonant(const char* name, PhoneClass cls, double dur, double voice, double aspiration,
                std::initializer_list<Spec> specs) {
  Phone p;
  p.name = name;
  p.cls = cls;
  p.duration_s = dur;
  p.voice = voice;
  p.aspiration = aspiration;
  const bool obstruent = cls == PhoneClass::kStop || cls == PhoneClass::kFricative;
  p.target = {4.0, 2.0, 0.0, -3.0, 0.0, 8.0, 0.5, 0.0, 0.0};
  p.strength = {0.2, kWeak, kWeak, kWeak, kWeak, kWeak, kWeak, obstruent ? 1.0 : 0.4, 0.3};
  for (const Spec& s : specs) {
    p.target[s.motor] = s.target;
    p.strength[s.motor] = s.strength;
  }
  return p;
}

void add_vowels(std::vector<Phone>& v) {
  v.push_back(vowel("i", 0.11, 3, 10, 6, 8, -1));
  v.push_back(vowel("I", 0.075, 5, 7, 4.5, 9, -0.5));
  v.push_back(vowel("e", 0.11, 6, 5, 4, 10, -0.5));
  v.push_back(vowel("E", 0.08, 9, 1, 3, 12, 0));
  v.push_back(vowel("ae", 0.12, 12, -4, 2, 14, 0));
  v.push_back(vowel("a", 0.12, 14, -8, -2, 16, 0.5));
  v.push_back(vowel("V", 0.08, 10, -3, -3, 12, 0.5));
  v.push_back(vowel("O", 0.11, 11, -4, -6, 9, 3.5));
  v.push_back(vowel("o", 0.11, 8, 2, -6, 6, 4.5));
  v.push_back(vowel("U", 0.075, 6, 5, -5, 6, 3.5));
  v.push_back(vowel("u", 0.11, 4, 9, -7, 4, 6));
  Phone schwa = vowel("@", 0.05, 7, 0, 0, 10, 1);
  schwa.strength.fill(0.12);
  v.push_back(schwa);
}

void add_stops_and_nasals(std::vector<Phone>& v) {
  using PC = PhoneClass;
  const Spec lab_close{kLipAp, -3, kStrong}, lab_jaw{kJaw, 5, kMid};
  const Spec alv_close{kTipH, 17, kStrong}, alv_place{kTipX, 1, kStrong}, alv_jaw{kJaw, 3, 0.6};
  const Spec vel_close{kBodyH, 19, kStrong}, vel_jaw{kJaw, 4, kMid};
  const Spec nasal{kVelum, 1, kStrong};
  v.push_back(consonant("p", PC::kStop, 0.09, 0, 0.5, {lab_close, lab_jaw}));
  v.push_back(consonant("b", PC::kStop, 0.075, 0.7, 0, {lab_close, lab_jaw}));
  v.push_back(consonant("t", PC::kStop, 0.085, 0, 0.5, {alv_close, alv_place, alv_jaw}));
  v.push_back(consonant("d", PC::kStop, 0.07, 0.7, 0, {alv_close, alv_place, alv_jaw}));
  v.push_back(consonant("k", PC::kStop, 0.09, 0, 0.5, {vel_close, vel_jaw}));
  v.push_back(consonant("g", PC::kStop, 0.075, 0.7, 0, {vel_close, vel_jaw}));
  v.push_back(consonant("m", PC::kNasal, 0.07, 1, 0, {lab_close, lab_jaw, nasal}));
  v.push_back(consonant("n", PC::kNasal, 0.065, 1, 0, {alv_close, alv_place, alv_jaw, nasal}));
  v.push_back(consonant("N", PC::kNasal, 0.07, 1, 0, {vel_close, vel_jaw, nasal}));
}

void add_fricatives(std::vector<Phone>& v) {
  using PC = PhoneClass;
  const Spec labdent{kLipAp, 1.2, kStrong}, labdent_pro{kLipPro, -1, kMid}, fric_jaw{kJaw, 4, kMid};
  const Spec dent_h{kTipH, 12.5, kStrong}, dent_x{kTipX, 6, kStrong};
  const Spec sib_h{kTipH, 13.1, kStrong}, sib_x{kTipX, 1.5, kStrong}, sib_jaw{kJaw, 2, 0.8},
      sib_lip{kLipAp, 6, kMid};
  const Spec pal_h{kTipH, 12.8, kStrong}, pal_x{kTipX, -4, kStrong}, pal_jaw{kJaw, 3, 0.8},
      pal_body{kBodyH, 8, kMid}, pal_pro{kLipPro, 3.5, kMid};
  v.push_back(consonant("f", PC::kFricative, 0.095, 0, 0, {labdent, labdent_pro, fric_jaw}));
  v.push_back(consonant("v", PC::kFricative, 0.07, 1, 0, {labdent, labdent_pro, fric_jaw}));
  v.push_back(consonant("T", PC::kFricative, 0.09, 0, 0, {dent_h, dent_x, fric_jaw}));
  v.push_back(consonant("s", PC::kFricative, 0.105, 0, 0, {sib_h, sib_x, sib_jaw, sib_lip}));
  v.push_back(consonant("z", PC::kFricative, 0.08, 1, 0, {sib_h, sib_x, sib_jaw, sib_lip}));
  v.push_back(
      consonant("S", PC::kFricative, 0.105, 0, 0, {pal_h, pal_x, pal_jaw, pal_body, pal_pro}));
  v.push_back(
      consonant("Z", PC::kFricative, 0.08, 1, 0, {pal_h, pal_x, pal_jaw, pal_body, pal_pro}));
  Phone h = consonant("h", PC::kFricative, 0.065, 0, 1, {});
  h.strength.fill(0.02);
  h.strength[kVelum] = 0.2;
  v.push_back(h);
}

void add_approximants(std::vector<Phone>& v) {
  using PC = PhoneClass;
  v.push_back(consonant("l", PC::kApproximant, 0.065, 1, 0,
                        {{kTipH, 16, kStrong},
                         {kTipX, 1, kStrong},
                         {kBodyH, -2, kMid},
                         {kBodyX, -4, kMid},
                         {kLateral, 1, kStrong},
                         {kJaw, 5, kMid}}));
  v.push_back(consonant("r", PC::kApproximant, 0.06, 1, 0,
                        {{kTipH, 9, kStrong},
                         {kTipX, -5, kStrong},
                         {kBodyH, 3, kMid},
                         {kBodyX, -2, kMid},
                         {kLipPro, 2.5, kMid},
                         {kJaw, 6, kMid}}));
  v.push_back(consonant("w", PC::kApproximant, 0.055, 1, 0,
                        {{kLipAp, 2.5, kStrong},
                         {kLipPro, 6, kStrong},
                         {kBodyH, 9, kMid},
                         {kBodyX, -7, kMid},
                         {kJaw, 4, kMid}}));
  v.push_back(consonant("j", PC::kApproximant, 0.055, 1, 0,
                        {{kBodyH, 13, kStrong}, {kBodyX, 6, kStrong}, {kJaw, 3, kMid}}));
}

// 12 vowels, 6 stops, 3 nasals, 8 fricatives, 4 approximants and the pause "sil".
std::vector<Phone> make_inventory() {
  std::vector<Phone> v;
  add_vowels(v);
  add_stops_and_nasals(v);
  add_fricatives(v);
  add_approximants(v);
  // Pause targets are redrawn per token (Planner::add_pause); only the weak strengths stay.
  Phone sil = consonant("sil", PhoneClass::kPause, 0.3, 0, 0, {});
  sil.strength = {0.1, 0.02, 0.02, 0.02, 0.02, 0.12, 0.05, 0.4, 0.3};
  v.push_back(sil);
  return v;
}

struct Inventory {
  std::vector<Phone> phones;
  int silence = 0;
  std::vector<int> vowels, onsets, codas;
  std::vector<double> vowel_w, onset_w, coda_w;
  std::vector<std::array<int, 2>> onset_clusters, coda_clusters;

  int index(const std::string& name) const {
    for (size_t i = 0; i < phones.size(); ++i) {
      if (phones[i].name == name) return static_cast<int>(i);
    }
    throw std::logic_error("synth: unknown phone " + name);
  }
};

void add_weighted(const Inventory& inv, const char* spec, std::vector<int>* ids,
                  std::vector<double>* weights) {
  char name[8];
  double w = 0.0;
  int used = 0;
  while (std::sscanf(spec, "%7s %lf%n", name, &w, &used) == 2) {
    ids->push_back(inv.index(name));
    weights->push_back(w);
    spec += used;
  }
}

std::vector<std::array<int, 2>> make_clusters(const Inventory& inv, const char* spec) {
  std::vector<std::array<int, 2>> out;
  char a[8], b[8];
  int used = 0;
  while (std::sscanf(spec, " %7[^+]+%7s%n", a, b, &used) == 2) {
    out.push_back({inv.index(a), inv.index(b)});
    spec += used;
  }
  return out;
}

Inventory make_phonotactics() {
  Inventory inv;
  inv.phones = make_inventory();
  inv.silence = inv.index("sil");
  add_weighted(inv, "i 2 I 2 e 2 E 2 ae 1.5 a 2 V 1.5 O 1.5 o 1.5 U 1 u 2 @ 3", &inv.vowels,
               &inv.vowel_w);
  add_weighted(inv, "p 2 b 2 t 3 d 3 k 3 g 1 f 2 v 1 T 1 s 3 z 1 S 1 h 2 m 3 n 3 l 3 r 3 w 2 j 1",
               &inv.onsets, &inv.onset_w);
  add_weighted(inv, "p 1 t 3 d 2 k 2 g 1 f 1 v 1 T 1 s 3 z 2 S 1 m 2 n 3 N 2 l 2 r 2", &inv.codas,
               &inv.coda_w);
  inv.onset_clusters = make_clusters(
      inv, "s+p s+t s+k p+r t+r k+r b+r d+r g+r f+r p+l k+l b+l f+l s+m s+n s+w k+w s+l");
  inv.coda_clusters = make_clusters(inv, "n+t n+d s+t m+p N+k l+d r+t k+s t+s");
  return inv;
}

const Inventory& inventory() {
  static const Inventory inv = make_phonotactics();
  return inv;
}

// ---------------------------------------------------------------------------------------------
// Speakers.

constexpr int kNumSensors = 6;
constexpr int kNumChannels = 2 * kNumSensors;
const char* const kChannelNames[kNumChannels] = {"T1_x",  "T1_y",  "T2_x", "T2_y", "T3_x", "T3_y",
                                                 "JAW_x", "JAW_y", "UL_x", "UL_y", "LL_x", "LL_y"};
// Rest positions (mm): origin at the upper incisor edge, x anterior, y up.
constexpr std::array<double, kNumChannels> kRestPosition = {-10, -6, -28, 0,  -42, -2,
                                                            -1,  -4, 12,  10, 11,  -1};

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

Speaker make_speaker(uint64_t seed, int index) {
  Rng rng(sub_seed(seed, kSpeakerStream, static_cast<uint64_t>(index)));
  Speaker s;
  char id[16];
  std::snprintf(id, sizeof(id), "spk%02d", index + 1);
  s.id = id;
  s.vtl = rng.uniform(0.84, 1.16);
  s.scale = s.vtl * std::exp(0.05 * rng.normal());
  for (int c = 0; c < kNumChannels; ++c) s.rest[c] = kRestPosition[c] + 0.8 * rng.normal();
  for (int m = kJaw; m <= kLipPro; ++m) s.bias[m] = 0.4 * rng.normal();
  s.f0_hz = 160.0 * std::exp(-1.8 * (s.vtl - 1.0) + 0.08 * rng.normal());
  s.tilt_hz = rng.uniform(300.0, 600.0);
  s.breathiness = rng.uniform(0.02, 0.1);
  s.rate = std::exp(0.08 * rng.normal());
  return s;
}

// ---------------------------------------------------------------------------------------------
// Utterance plan: a sequence of phone segments with their (jittered) targets.

struct Segment {
  double start = 0.0;
  double end = 0.0;
  MotorVec target{};
  MotorVec strength{};
  std::array<double, kNumSource> source{};
};

struct PlannedPhone {
  int phone;
  double duration;
  bool stressed;
};

std::vector<PlannedPhone> make_syllable(Rng& rng, const Inventory& inv, double rate, bool final) {
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
    for (int p : inv.onset_clusters[rng.below(static_cast<int>(inv.onset_clusters.size()))]) {
      add(p, false);
    }
  } else if (onset < 0.75) {
    add(inv.onsets[pick_weighted(rng, inv.onset_w)], false);
  }
  add(inv.vowels[pick_weighted(rng, inv.vowel_w)], true);
  const double coda = rng.uniform();
  if (coda < 0.05) {
    for (int p : inv.coda_clusters[rng.below(static_cast<int>(inv.coda_clusters.size()))]) {
      add(p, false);
    }
  } else if (coda < 0.45) {
    add(inv.codas[pick_weighted(rng, inv.coda_w)], false);
  }
  return syl;
}

struct Plan {
  std::vector<Segment> segments;
  double time = 0.0;
  double phrase_start = 0.0;
};

void add_phone(Plan& plan, const PlannedPhone& p, const Speaker& speaker, Rng& rng) {
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
void add_pause(Plan& plan, double duration, Rng& rng) {
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

// Leading pause, phrases of 2..11 syllables separated by pauses while they fit, final pause
// running past the end.
std::vector<Segment> plan_utterance(double length_s, const Speaker& speaker, Rng& rng) {
  const Inventory& inv = inventory();
  const double rate = speaker.rate * std::exp(0.1 * rng.normal());
  const double end = length_s - 0.15;
  Plan plan;
  add_pause(plan, std::min(rng.uniform(0.15, 0.5), 0.3 * length_s), rng);
  for (bool room = true; room;) {
    const int syllables = 2 + rng.below(10);
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

// ---------------------------------------------------------------------------------------------
// Articulation: dominance-weighted target blending (anticipatory coarticulation), then
// critically damped second-order dynamics per motor variable.

double frame_time(int64_t n, double fps) {
  return (static_cast<double>(n) + 0.5) / fps;
}

std::vector<MotorVec> blend_targets(const std::vector<Segment>& segs, int64_t frames, double fps) {
  std::vector<MotorVec> num(static_cast<size_t>(frames)), den(static_cast<size_t>(frames));
  for (const Segment& s : segs) {
    const double quarter = 0.25 * (s.end - s.start);
    const double core_lo = s.start + quarter, core_hi = s.end - quarter;
    for (int m = 0; m < kNumMotor; ++m) {
      const double ant = kReach[m], car = 0.7 * kReach[m];
      const int64_t lo = std::max<int64_t>(0, static_cast<int64_t>((core_lo - 14 * ant) * fps));
      const int64_t hi =
          std::min<int64_t>(frames, static_cast<int64_t>((core_hi + 14 * car) * fps) + 1);
      for (int64_t n = lo; n < hi; ++n) {
        const double t = frame_time(n, fps);
        const double d = t < core_lo ? (core_lo - t) / ant : t > core_hi ? (t - core_hi) / car : 0;
        const double w = s.strength[m] * std::exp(-d);
        num[n][m] += w * s.target[m];
        den[n][m] += w;
      }
    }
  }
  const MotorVec rest = inventory().phones[inventory().silence].target;
  for (int64_t n = 0; n < frames; ++n) {
    for (int m = 0; m < kNumMotor; ++m) {
      num[n][m] = (num[n][m] + 1e-9 * rest[m]) / (den[n][m] + 1e-9);
    }
  }
  return num;
}

std::vector<std::array<double, kNumSource>> source_targets(const std::vector<Segment>& segs,
                                                           int64_t frames, double fps) {
  std::vector<std::array<double, kNumSource>> out(static_cast<size_t>(frames));
  size_t k = 0;
  for (int64_t n = 0; n < frames; ++n) {
    const double t = frame_time(n, fps);
    while (k + 1 < segs.size() && segs[k].end <= t) ++k;
    out[n] = segs[k].source;
  }
  return out;
}

// Integrates x'' = w^2 (u - x) - 2 w x' with `substeps` semi-implicit Euler steps per frame,
// the input interpolated linearly between frames.
template <size_t N>
std::vector<std::array<double, N>> damp(const std::vector<std::array<double, N>>& input,
                                        const std::array<double, N>& omega, double fps,
                                        bool interpolate) {
  const int substeps = std::max(1, static_cast<int>(std::ceil(1.0 / (fps * 0.0025))));
  const double dt = 1.0 / (fps * substeps);
  std::vector<std::array<double, N>> out(input.size());
  if (input.empty()) return out;
  std::array<double, N> x = input[0], v{};
  for (size_t n = 0; n < input.size(); ++n) {
    const auto& prev = input[n > 0 ? n - 1 : 0];
    for (int j = 1; j <= substeps; ++j) {
      const double a = interpolate ? static_cast<double>(j) / substeps : 1.0;
      for (size_t m = 0; m < N; ++m) {
        const double u = prev[m] + a * (input[n][m] - prev[m]);
        v[m] += dt * (omega[m] * omega[m] * (u - x[m]) - 2.0 * omega[m] * v[m]);
        x[m] += dt * v[m];
      }
    }
    out[n] = x;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Physical state: motor variables saturated against the palate and between the lips.

double softplus(double x, double k) {
  return x > 20.0 * k ? x : k * std::log1p(std::exp(x / k));
}

double sigmoid(double x) {
  return 1.0 / (1.0 + std::exp(-x));
}

struct Physical {
  double jaw, body_h, body_x, tip_h, tip_x, lip_ap, lip_pro, velum, lateral;
  double gap_lips, gap_tip, gap_body;  // constriction apertures (mm, >= 0)
};

Physical physical(const MotorVec& m) {
  Physical p;
  p.gap_lips = softplus(m[kLipAp], 0.4);
  p.gap_tip = softplus(kPalateTip - m[kTipH], 0.4);
  p.gap_body = softplus(kPalateBody - m[kBodyH], 0.4);
  p.jaw = m[kJaw];
  p.body_h = kPalateBody - p.gap_body;
  p.body_x = m[kBodyX];
  p.tip_h = kPalateTip - p.gap_tip;
  p.tip_x = m[kTipX];
  p.lip_ap = p.gap_lips;
  p.lip_pro = m[kLipPro];
  p.velum = std::clamp(m[kVelum], 0.0, 1.0);
  p.lateral = std::clamp(m[kLateral], 0.0, 1.0);
  return p;
}

void ema_frame(const Physical& p, const Speaker& s, float* out) {
  const double k = s.scale;
  const double upper_lip = 0.08 * p.lip_ap - 2.0 * std::exp(-p.lip_ap / 2.0) + 0.3 * p.lip_pro;
  const double v[kNumChannels] = {p.tip_x + 0.15 * p.body_x,
                                  p.tip_h,
                                  0.8 * p.body_x + 0.1 * p.tip_x,
                                  0.9 * p.body_h + 0.1 * p.tip_h,
                                  0.9 * p.body_x,
                                  0.8 * p.body_h - 0.35 * p.body_x,
                                  -0.35 * p.jaw,
                                  -p.jaw,
                                  p.lip_pro,
                                  upper_lip,
                                  0.9 * p.lip_pro - 0.2 * p.jaw,
                                  upper_lip - p.lip_ap};
  for (int c = 0; c < kNumChannels; ++c) out[c] = static_cast<float>(s.rest[c] + k * v[c]);
}

// ---------------------------------------------------------------------------------------------
// Acoustics: a source-filter model evaluated at mel-spaced band centres.

constexpr double kAnalysisWindowS = 0.025;

struct Bands {
  std::vector<double> hz, hz2, widen2, width;
  std::vector<double> spread;  // log-std of a noise-excited band's power (periodogram variance)
};

Bands make_bands(int count) {
  auto mel = [](double f) { return 2595.0 * std::log10(1.0 + f / 700.0); };
  auto hz = [](double m) { return 700.0 * (std::pow(10.0, m / 2595.0) - 1.0); };
  const double lo = mel(80.0), hi = mel(7600.0);
  Bands b;
  for (int i = 0; i < count; ++i) {
    const double f = hz(lo + (hi - lo) * i / (count - 1));
    const double step = (hi - lo) / (count - 1);
    const double width = hz(mel(f) + 0.5 * step) - hz(mel(f) - 0.5 * step);
    b.hz.push_back(f);
    b.hz2.push_back(f * f);
    b.width.push_back(width);
    b.widen2.push_back(0.25 * width * width);
    const double dof = std::max(2.0, 2.0 * width * kAnalysisWindowS);
    b.spread.push_back(std::min(1.0, std::sqrt(2.0 / dof)));
  }
  return b;
}

constexpr int kOralPoles = 8;
constexpr int kNasalPoles = 4;

struct Filter {
  std::array<double, kOralPoles> f{}, b{};
  std::array<double, kNasalPoles> nf{}, nb{};
  double zero_hz = 1000.0;
  double closed = 0.0;
  double nasal = 0.0;
  double sibilant_hz = 5000.0;
  double velar_hz = 2000.0;
};

Filter make_filter(const Physical& p, const Speaker& s) {
  Filter f;
  const double tip_gap = p.gap_tip + 5.0 * p.lateral;
  const double k = 0.3;
  const double gap_min =
      std::max(0.0, -k * std::log(std::exp(-p.gap_lips / k) + std::exp(-tip_gap / k) +
                                  std::exp(-p.gap_body / k)));
  f.closed = std::exp(-gap_min / 0.4);
  f.nasal = p.velum;
  const double round = std::clamp(p.lip_pro / 5.0, -0.2, 1.3) + 0.4 * std::exp(-p.gap_lips / 3.0);
  const double retro = sigmoid((p.tip_h - 6.0) / 2.0) * sigmoid((-p.tip_x - 2.0) / 1.5);
  double f1 = (250.0 + 550.0 * sigmoid(-p.body_h / 4.5)) * (1.0 - 0.45 * std::exp(-gap_min / 2.5)) -
              50.0 * round;
  double f2 = 850.0 + 1450.0 * sigmoid((p.body_x - 5.0 * round) / 3.5) +
              250.0 * sigmoid((p.body_h - 4.0) / 3.0) * sigmoid(p.body_x / 2.0) - 200.0 * p.lateral;
  double f3 =
      2450.0 + 250.0 * sigmoid(p.body_x / 3.0) - 350.0 * round - 800.0 * retro + 200.0 * p.lateral;
  double f4 = 3400.0 + 150.0 * sigmoid(p.body_x / 3.0) - 200.0 * round;
  f1 = std::max(f1, 150.0);
  f2 = std::max(f2, f1 + 200.0);
  f3 = std::max(f3, f2 + 250.0);
  f4 = std::max(f4, f3 + 300.0);
  const double inv = 1.0 / s.vtl;
  f.f = {f1 * inv, f2 * inv, f3 * inv, f4 * inv, 4400 * inv, 5400 * inv, 6400 * inv, 7400 * inv};
  f.b = {60.0 + 250.0 * f.closed + 150.0 * f.nasal,
         80.0 + 100.0 * f.closed,
         120,
         180,
         300,
         400,
         500,
         600};
  f.nf = {250 * inv, 1000 * inv, 2200 * inv, 3300 * inv};
  f.nb = {100, 250, 350, 400};
  const double wl = std::exp(-p.gap_lips / 0.8), wt = std::exp(-p.gap_tip / 0.8),
               wb = std::exp(-p.gap_body / 0.8), wo = 0.3;
  f.zero_hz = (1000.0 * wl + 1800.0 * wt + 3000.0 * wb + 700.0 * wo) / (wl + wt + wb + wo) * inv;
  f.sibilant_hz =
      std::clamp((4800.0 + 320.0 * p.tip_x) * inv * (1.0 - 0.2 * round), 2000.0, 7500.0);
  f.velar_hz = 1.05 * f2 * inv;
  return f;
}

double resonance(double f2, double widen2, double pole, double bw) {
  const double p2 = pole * pole;
  const double d = p2 - f2;
  return p2 * p2 / (d * d + (bw * bw + widen2) * f2);
}

double lorentz(double f, double centre, double width) {
  const double x = (f - centre) / (0.5 * width);
  return 1.0 / (1.0 + x * x);
}

// Turbulence at a constriction: strongest near 1 mm, none at closure or when wide open.
double turbulence(double gap) {
  const double x = (gap - 0.9) / 0.6;
  return std::exp(-x * x) * (1.0 - std::exp(-gap / 0.15));
}

// Per-utterance recording conditions and prosody.
struct UtteranceAcoustics {
  std::vector<double> channel;      // microphone/channel gain per band
  std::vector<double> noise_floor;  // background noise power per band
  double f0_phase[2] = {0, 0};
  double f0_rate[2] = {0.3, 0.5};
  double effort_phase[2] = {0, 0};
  double effort_rate[2] = {0.2, 0.5};
};

constexpr double kVowelPeakPower = 50.0;

UtteranceAcoustics make_utterance_acoustics(Rng& rng, const SynthOptions& o, const Bands& bands) {
  UtteranceAcoustics u;
  const double gain = std::exp(0.3 * rng.normal());
  const double tilt = 0.3 * rng.normal();
  const double snr_db = o.snr_db + rng.uniform(-5.0, 5.0);
  const double noise_level = kVowelPeakPower * std::pow(10.0, -snr_db / 10.0);
  const double noise_slope = rng.uniform(0.5, 1.5);
  const size_t nb = bands.hz.size();
  for (size_t b = 0; b < nb; ++b) {
    const double pos = static_cast<double>(b) / static_cast<double>(nb - 1) - 0.5;
    u.channel.push_back(gain * std::exp(tilt * pos));
    u.noise_floor.push_back(noise_level * std::pow(500.0 / (bands.hz[b] + 500.0), noise_slope));
  }
  for (int i = 0; i < 2; ++i) {
    u.f0_phase[i] = rng.uniform(0.0, 2.0 * kPi);
    u.f0_rate[i] = rng.uniform(0.2, 0.7);
    u.effort_phase[i] = rng.uniform(0.0, 2.0 * kPi);
    u.effort_rate[i] = rng.uniform(0.1, 0.6);
  }
  return u;
}

// Slow vocal-effort drift in log power (about +-0.4).
double effort_at(const UtteranceAcoustics& u, double t) {
  return 0.4 * (0.6 * std::sin(2.0 * kPi * u.effort_rate[0] * t + u.effort_phase[0]) +
                0.4 * std::sin(2.0 * kPi * u.effort_rate[1] * t + u.effort_phase[1]));
}

double f0_at(const UtteranceAcoustics& u, const Speaker& s, double gain, double t) {
  return s.f0_hz * std::exp(0.25 * (gain - 1.0) +
                            0.05 * std::sin(2.0 * kPi * u.f0_rate[0] * t + u.f0_phase[0]) +
                            0.03 * std::sin(2.0 * kPi * u.f0_rate[1] * t + u.f0_phase[1]));
}

struct FrameSource {
  double voice, aspiration, flow, gain, pressure, f0, tilt_hz;
};

// Writes the harmonic (deterministic) and the noise-excited power of every band.
void spectrum(const Physical& p, const Filter& f, const FrameSource& src, const Speaker& s,
              const Bands& bands, double* harmonic, double* noisy) {
  const double flow2 = src.flow * src.flow;
  const double voiced = std::max(src.voice, 0.0) * flow2;
  const double aspirated = (std::max(src.aspiration, 0.0) + s.breathiness * src.voice) * flow2;
  const double burst = flow2 * (1.0 + 5.0 * std::max(src.pressure, 0.0));
  const double t_lips = burst * turbulence(p.gap_lips);
  const double t_tip = burst * turbulence(p.gap_tip);
  const double t_body = burst * turbulence(p.gap_body);
  const double open = 1.0 - f.closed;
  const size_t count = bands.hz.size();
  for (size_t b = 0; b < count; ++b) {
    const double hz = bands.hz[b], hz2 = bands.hz2[b], widen2 = bands.widen2[b];
    double oral = 1.0;
    for (int i = 0; i < kOralPoles; ++i) oral *= resonance(hz2, widen2, f.f[i], f.b[i]);
    double nasal = 1.0;
    for (int i = 0; i < kNasalPoles; ++i) nasal *= resonance(hz2, widen2, f.nf[i], f.nb[i]);
    nasal /= resonance(hz2, widen2, f.zero_hz, 150.0);
    const double tilt = 1.0 / (1.0 + hz2 / (src.tilt_hz * src.tilt_hz));
    const double spread = bands.width[b] / src.f0;
    const double ripple =
        spread < 2.5 ? 1.0 + 0.9 * std::exp(-spread * spread) * std::cos(2.0 * kPi * hz / src.f0)
                     : 1.0;
    const double voicebar = 0.3 * f.closed * (1.0 - f.nasal) / (1.0 + hz2 * hz2 / 3.90625e9);
    const double glottal = voiced * tilt * ripple *
                           (oral * open * (1.0 - 0.5 * f.nasal) + 0.5 * f.nasal * nasal + voicebar);
    const double breath = aspirated * 0.1 * oral * open / (1.0 + hz2 / 4.9e7);
    const double hp = hz2 * hz2 / (hz2 * hz2 + std::pow(0.5 * f.sibilant_hz, 4));
    const double fric = t_lips * 1.0 / (1.0 + hz2 / 4.9e7) +
                        t_tip * 8.0 * lorentz(hz, f.sibilant_hz, 0.5 * f.sibilant_hz) * hp +
                        t_body * 3.0 * lorentz(hz, f.velar_hz, 600.0);
    harmonic[b] = src.gain * glottal;
    noisy[b] = src.gain * (breath + fric);
  }
}

// ---------------------------------------------------------------------------------------------
// One utterance, written straight into the corpus arrays.

// Log band power: speech through the channel, noise-excited parts with periodogram-like
// fluctuation, plus fluctuating background noise and Gaussian noise in the log domain.
void write_features(const UtteranceAcoustics& ua, const Bands& bands, const double* harmonic,
                    const double* noisy, double acoustic_noise, Rng& rng, float* out) {
  for (size_t b = 0; b < bands.hz.size(); ++b) {
    const double sd = bands.spread[b];
    const double fluctuation = std::exp(sd * rng.normal() - 0.5 * sd * sd);
    const double power = ua.channel[b] * (harmonic[b] + noisy[b] * fluctuation) +
                         ua.noise_floor[b] * std::exp(0.5 * rng.normal());
    out[b] = static_cast<float>(std::log(power) + acoustic_noise * rng.normal());
  }
}

void write_targets(const Physical& p, const Speaker& speaker, double noise_mm, Rng& rng,
                   float* out) {
  ema_frame(p, speaker, out);
  for (int c = 0; c < kNumChannels; ++c) out[c] += static_cast<float>(noise_mm * rng.normal());
}

void render_utterance(const SynthOptions& o, const Speaker& speaker, const Bands& bands,
                      uint64_t index, int64_t frames, float* features, float* targets) {
  const double fps = o.frame_rate_hz;
  Rng plan_rng(sub_seed(o.seed, kPlanStream, index));
  Rng noise(sub_seed(o.seed, kNoiseStream, index));
  const std::vector<Segment> segs =
      plan_utterance(static_cast<double>(frames) / fps, speaker, plan_rng);
  const auto motor = damp(blend_targets(segs, frames, fps), kOmega, fps, true);
  const auto source = damp(source_targets(segs, frames, fps), kSourceOmega, fps, false);
  const UtteranceAcoustics ua = make_utterance_acoustics(plan_rng, o, bands);

  const size_t nb = bands.hz.size();
  std::vector<double> harmonic(nb), noisy(nb);
  const double pressure_step = 1.0 - std::exp(-1.0 / (fps * 0.03));
  double pressure = 0.0;
  for (int64_t n = 0; n < frames; ++n) {
    const Physical p = physical(motor[n]);
    const Filter filter = make_filter(p, speaker);
    const auto& s = source[n];
    const double t = frame_time(n, fps);
    const double flow = std::clamp(s[kFlow], 0.0, 1.2);
    const double gain = std::max(s[kGain], 0.0);
    const double effort = effort_at(ua, t);
    pressure += pressure_step * (flow * filter.closed * (1.0 - filter.nasal) - pressure);
    const FrameSource fs{s[kVoice],
                         s[kAspiration],
                         flow,
                         gain * std::exp(effort),
                         pressure,
                         f0_at(ua, speaker, gain, t),
                         speaker.tilt_hz * std::exp(0.3 * effort)};
    spectrum(p, filter, fs, speaker, bands, harmonic.data(), noisy.data());
    write_features(ua, bands, harmonic.data(), noisy.data(), o.acoustic_noise, noise,
                   features + n * static_cast<int64_t>(nb));
    write_targets(p, speaker, o.ema_noise_mm, noise, targets + n * kNumChannels);
  }
}

// ---------------------------------------------------------------------------------------------
// Corpus-level bookkeeping: lengths, speakers, splits.

int64_t draw_frames(const SynthOptions& o, uint64_t index) {
  Rng rng(sub_seed(o.seed, kLengthStream, index));
  const double mu = std::log(o.mean_length_s) - 0.5 * o.length_sigma * o.length_sigma;
  const double seconds =
      std::clamp(std::exp(mu + o.length_sigma * rng.normal()), o.min_length_s, o.max_length_s);
  return std::max<int64_t>(1, std::llround(seconds * o.frame_rate_hz));
}

std::vector<int> draw_splits(const SynthOptions& o) {
  const int n = o.num_utterances;
  std::vector<int> split(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) {
    const double u = Rng(sub_seed(o.seed, kSplitStream, static_cast<uint64_t>(i))).uniform();
    split[i] = u < o.test_fraction ? 2 : u < o.test_fraction + o.valid_fraction ? 1 : 0;
  }
  if (n < 3) return split;
  const double wanted[3] = {1.0, o.valid_fraction, o.test_fraction};
  for (int target = 0; target < 3; ++target) {
    if (wanted[target] <= 0.0) continue;
    int count[3] = {0, 0, 0};
    for (int s : split) ++count[s];
    if (count[target] > 0) continue;
    const int donor = static_cast<int>(std::max_element(count, count + 3) - count);
    for (int i = n - 1; i >= 0; --i) {
      if (split[i] == donor) {
        split[i] = target;
        break;
      }
    }
  }
  return split;
}

std::string format_name(const char* pattern, int value) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), pattern, value);
  return buf;
}

void require(bool ok, const std::string& message) {
  if (!ok) throw UserError("synth: " + message);
}

std::string num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%g", v);
  return buf;
}

void require_range(double value, double lo, double hi, const char* name) {
  require(std::isfinite(value) && value >= lo && value <= hi,
          std::string(name) + " must be in " + num(lo) + ".." + num(hi) + ", got " + num(value));
}

}  // namespace

void validate(const SynthOptions& o) {
  require_range(o.num_utterances, 1, 1000000, "num_utterances");
  require_range(o.num_speakers, 1, 999, "num_speakers");
  require_range(o.num_features, 40, 80, "num_features");
  require_range(o.frame_rate_hz, 10, 1000, "frame_rate_hz");
  require_range(o.min_length_s, 0.01, 3600, "min_length_s");
  require_range(o.max_length_s, o.min_length_s, 3600, "max_length_s");
  require_range(o.mean_length_s, o.min_length_s, o.max_length_s, "mean_length_s");
  require_range(o.length_sigma, 0, 3, "length_sigma");
  require_range(o.valid_fraction, 0, 0.99, "valid_fraction");
  require_range(o.test_fraction, 0, 0.99, "test_fraction");
  require(o.valid_fraction + o.test_fraction < 1.0,
          "valid_fraction + test_fraction must be below 1, got " +
              num(o.valid_fraction + o.test_fraction));
  require_range(o.acoustic_noise, 0, 10, "acoustic_noise");
  require_range(o.snr_db, -20, 120, "snr_db");
  require_range(o.ema_noise_mm, 0, 10, "ema_noise_mm");
}

Corpus synthesize(const SynthOptions& options) {
  validate(options);
  const SynthOptions& o = options;
  Corpus corpus;
  corpus.meta.frame_rate_hz = o.frame_rate_hz;
  corpus.meta.feature_kind = "synthetic-logmel";
  corpus.meta.source = "artic synth seed=" + std::to_string(o.seed);
  for (int b = 0; b < o.num_features; ++b) {
    corpus.meta.feature_names.push_back(format_name("mel_%02d", b));
  }
  corpus.meta.articulator_names.assign(kChannelNames, kChannelNames + kNumChannels);

  std::vector<Speaker> speakers;
  for (int s = 0; s < o.num_speakers; ++s) speakers.push_back(make_speaker(o.seed, s));
  const std::vector<int> split = draw_splits(o);
  const char* const kSplitNames[3] = {"train", "valid", "test"};
  int64_t total = 0;
  for (int i = 0; i < o.num_utterances; ++i) {
    UtteranceInfo u;
    const Speaker& spk = speakers[static_cast<size_t>(i % o.num_speakers)];
    u.id = spk.id + format_name("_%04d", i / o.num_speakers + 1);
    u.speaker = spk.id;
    u.split = kSplitNames[split[i]];
    u.offset = total;
    u.length = draw_frames(o, static_cast<uint64_t>(i));
    total += u.length;
    corpus.utterances.push_back(u);
  }
  corpus.features.assign(static_cast<size_t>(total * o.num_features), 0.0f);
  corpus.targets.assign(static_cast<size_t>(total * kNumChannels), 0.0f);
  const Bands bands = make_bands(o.num_features);
  for (size_t i = 0; i < corpus.utterances.size(); ++i) {
    const UtteranceInfo& u = corpus.utterances[i];
    render_utterance(o, speakers[i % speakers.size()], bands, i, u.length,
                     corpus.features.data() + u.offset * o.num_features,
                     corpus.targets.data() + u.offset * kNumChannels);
  }
  return corpus;
}

}  // namespace artic
