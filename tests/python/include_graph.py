#!/usr/bin/python3
"""Checks that src/'s includes follow the module graph of docs/architecture.md: a module includes
only its own headers and those of the modules below it (the table below is that graph). Every
include that points elsewhere is printed with its file and line, and the exit status is 1.

Usage: include_graph.py SRC_DIR        (ctest build.include_graph)
       include_graph.py --self-test    (an upward include in a scratch tree must be found)
"""
import os
import re
import sys
import tempfile

# module -> the modules it may include (besides itself). synth/corpus_files.* is its own module
# (library artic_synth_files, above prep).
BELOW = {
    "core": set(),
    "data": {"core"},
    "dist": {"core"},
    "model": {"core"},
    "eval": {"core"},
    "monitor": {"core", "eval"},
    "synth": {"core"},
    "prep": {"core", "data"},
    "synth_files": {"core", "data", "prep", "synth"},
    "train": {"core", "data", "dist", "eval", "model", "monitor"},
    "infer": {"core", "data", "dist", "eval", "model", "monitor", "prep", "train"},
    "cli": {"core", "data", "dist", "eval", "model", "monitor", "prep", "synth", "synth_files",
            "train", "infer"},
}
INCLUDE = re.compile(r'^\s*#\s*include\s+"([a-z_0-9]+)/([^"]+)"')


def module_of(folder, name):
    if folder == "synth" and name.startswith("corpus_files"):
        return "synth_files"
    return folder


def violations(src):
    found = []
    for folder in sorted(os.listdir(src)):
        path = os.path.join(src, folder)
        if not os.path.isdir(path):
            continue
        for name in sorted(os.listdir(path)):
            if not name.endswith((".h", ".cpp", ".h.in")):
                continue
            here = module_of(folder, name)
            if here not in BELOW:
                found.append(f"{folder}/{name}: module '{here}' is not in the graph")
                continue
            with open(os.path.join(path, name), encoding="utf-8") as f:
                for number, line in enumerate(f, 1):
                    m = INCLUDE.match(line)
                    if not m:
                        continue
                    there = module_of(m.group(1), m.group(2))
                    if there != here and there not in BELOW[here]:
                        found.append(f"src/{folder}/{name}:{number}: {here} includes "
                                     f"\"{m.group(1)}/{m.group(2)}\" ({there}), which is not "
                                     f"below it (docs/architecture.md)")
    return found


def self_test():
    with tempfile.TemporaryDirectory() as tmp:
        for folder, name, text in (("core", "a.h", '#include "core/b.h"\n'),
                                   ("core", "b.h", ""),
                                   ("train", "t.h", '#include "core/a.h"\n'),
                                   ("eval", "e.cpp", '#include "train/t.h"\n')):
            os.makedirs(os.path.join(tmp, folder), exist_ok=True)
            with open(os.path.join(tmp, folder, name), "w") as f:
                f.write(text)
        found = violations(tmp)
    want = ['src/eval/e.cpp:1: eval includes "train/t.h" (train), which is not below it '
            '(docs/architecture.md)']
    print("\n".join(found))
    return 0 if found == want else 1


def main():
    if sys.argv[1:] == ["--self-test"]:
        return self_test()
    found = violations(sys.argv[1])
    for v in found:
        print(v)
    print(f"include graph: {len(found)} include(s) against docs/architecture.md's module graph")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
