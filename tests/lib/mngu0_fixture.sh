# shellcheck shell=bash
# make_mngu0_fixture DIR EXTRA_S: a small MNGU0-style corpus for `artic prep` (sourced by the
# prep and invert tests; needs PY, espeak-ng and ch_track). DIR/wav/: 15 speech WAVs from
# espeak-ng (22.05 kHz); DIR/ema_basic_data/: EST binary tracks at 200 Hz with MNGU0's channel
# names in cm made by speech-tools' ch_track from known smooth curves, EXTRA_S seconds longer
# than their audio (0: as long). Built in: 0003 a 30 ms break and 0004 15 ms of NaN (filled),
# 0005's track 0.5 s short (trimmed), 0006 a 500 ms break and 0008 a missing channel (skipped),
# 0040 without a track. Returns non-zero, saying why, when a tool fails.
make_mngu0_fixture() {
local C=$1 extra=$2 i
local -a sentences ids
mkdir -p "$C/wav" "$C/ema_basic_data"
sentences=(
  "Author of the danger trail, Philip Steels, etc."
  "Not at this particular case, Tom, apologized Whittemore."
  "For the twentieth time that evening the two men shook hands."
  "Lord, but I'm glad to see you again, Phil."
  "Will we ever forget it."
  "God bless em, I hope I'll go on seeing them forever."
  "And you always want to see it in the superlative degree."
  "Gad, your letter came just in time."
  "He turned sharply, and faced Gregson across the table."
  "I'm playing a single hand in what looks like a losing game."
  "If I ever needed a fighter in my life I need one now."
  "Gregson shoved back his chair and rose to his feet."
  "He was a head shorter than his companion, of almost delicate physique."
  "Now you're coming down to business, Phil, he exclaimed."
)
ids=(0001 0002 0003 0004 0005 0006 0007 0008 0009 0010 0011 0012 0020 0030)
for i in "${!ids[@]}"; do
  espeak-ng -s $((150 + 10 * (i % 4))) -w "$C/wav/mngu0_s1_${ids[$i]}.wav" "${sentences[$i]}" \
    || { echo "FAIL espeak-ng"; return 1; }
done
# A WAV without a track.
espeak-ng -w "$C/wav/mngu0_s1_0040.wav" "No track for this one." || return 1

# Tracks: 200 Hz, times k/200, 14 channels (MNGU0 names, some unused), values in cm following
# known smooth curves; written as EST ASCII, converted to EST binary by ch_track.
"$PY" - "$C" "$extra" << 'EOF' || { echo "FAIL writing tracks"; return 1; }
import math, os, subprocess, sys, wave
root = sys.argv[1]
names = ["T1_px", "T1_py", "T1_pz", "T2_py", "T2_pz", "T3_py", "T3_pz", "jaw_py", "jaw_pz",
         "upperlip_py", "upperlip_pz", "lowerlip_py", "lowerlip_pz", "ref_py"]
def curve(c, t):  # cm; slow (< 4 Hz) so the 20 Hz low-pass leaves it as it is
    return 0.1 * c - 2.0 + 0.6 * math.sin(2 * math.pi * (0.7 + 0.25 * c) * t + c)
for wav in sorted(os.listdir(os.path.join(root, "wav"))):
    uid = wav[:-4]
    if uid.endswith("0040"):
        continue
    with wave.open(os.path.join(root, "wav", wav)) as w:
        seconds = w.getnframes() / w.getframerate() + float(sys.argv[2])
    chans = list(names)
    if uid.endswith("0005"):
        seconds -= 0.5                      # track shorter than the audio: warned, trimmed
    if uid.endswith("0008"):
        chans[chans.index("jaw_pz")] = "jaw_pz_"   # a channel the preset needs is missing
    n = int(seconds * 200)
    lines = []
    for k in range(n):
        t = k / 200.0
        valid = 1
        vals = [curve(c, t) for c in range(len(chans))]
        if uid.endswith("0003") and 100 <= k < 106:
            valid = 0                       # a 30 ms break: filled
        if uid.endswith("0004") and 60 <= k < 63:
            vals[1] = float("nan")          # 15 ms of NaN in T1_py: filled
        if uid.endswith("0006") and 50 <= k < 150:
            valid = 0                       # a 500 ms break: skipped
        lines.append("%.5f\t%d\t%s" % (t, valid, " ".join("nan" if math.isnan(v) else "%.6f" % v for v in vals)))
    header = ["EST_File Track", "DataType ascii", "NumFrames %d" % n, "NumChannels %d" % len(chans),
              "EqualSpace 1", "BreaksPresent true"]
    header += ["Channel_%d %s" % (i, c) for i, c in enumerate(chans)] + ["EST_Header_End"]
    asc = os.path.join(root, uid + ".txt")
    open(asc, "w").write("\n".join(header + lines) + "\n")
    subprocess.run(["ch_track", "-otype", "est_binary", "-o",
                    os.path.join(root, "ema_basic_data", uid + ".ema"), asc], check=True)
    os.remove(asc)
EOF
}
