#include "synth/phones.h"

#include <cstdio>
#include <initializer_list>
#include <stdexcept>

namespace artic::synth {
namespace {

constexpr double kStrong = 1.0;
constexpr double kMid = 0.35;
constexpr double kWeak = 0.06;

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
  // Pause targets are redrawn per token (add_pause, plan.cpp); only the weak strengths stay.
  Phone sil = consonant("sil", PhoneClass::kPause, 0.3, 0, 0, {});
  sil.strength = {0.1, 0.02, 0.02, 0.02, 0.02, 0.12, 0.05, 0.4, 0.3};
  v.push_back(sil);
  return v;
}

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

}  // namespace

int Inventory::index(const std::string& name) const {
  for (size_t i = 0; i < phones.size(); ++i) {
    if (phones[i].name == name) return static_cast<int>(i);
  }
  throw std::logic_error("synth: unknown phone " + name);
}

const Inventory& inventory() {
  static const Inventory inv = make_phonotactics();
  return inv;
}

}  // namespace artic::synth
