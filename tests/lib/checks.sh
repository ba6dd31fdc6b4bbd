# Check helpers for the shell tests: counters passed/failed, ok NAME, bad NAME, check NAME EXPR
# (eval'd), field FILE KEY (a top-level JSON key, read with $PY), show FILE [N] (last N lines, 30)
# and finish [LABEL] (prints "LABEL: N passed, M failed"; returns non-zero if any failed).
# Use: source "$HERE/tests/lib/checks.sh" after setting PY, then end the test with: finish NAME
passed=0
failed=0
ok() { echo "ok   $1"; passed=$((passed + 1)); }
bad() { echo "FAIL $1"; failed=$((failed + 1)); }
check() { if eval "$2"; then ok "$1"; else bad "$1"; fi; }
field() { "$PY" -c "import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])" "$1" "$2"; }
show() { echo "---- $1"; tail -n "${2:-30}" "$1"; }
finish() {
  echo "${1:+$1: }$passed passed, $failed failed"
  [[ $failed -eq 0 ]]
}
