#!/usr/bin/env bash
# The command line as users run it: exit codes and the words it prints.
# Usage: tests/cli.sh path/to/lead-qualifier
set -uo pipefail
cd "$(dirname "$0")/.."
bin="$1"
pass=0
fail=0
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }

# expect CODE PATTERN -- command...
expect() {
  local code="$1" pattern="$2"
  shift 3
  local out rc
  out="$("$@" 2>&1)"
  rc=$?
  if [ "$rc" -ne "$code" ]; then
    bad "$* exited $rc, expected $code"$'\n'"$out"
  elif [ -n "$pattern" ] && ! grep -qF -- "$pattern" <<<"$out"; then
    bad "$* did not print '$pattern'"$'\n'"$out"
  else
    ok
  fi
}

# JsonLogic: the official suite.
expect 0 "278 passed, 0 failed" -- "$bin" logic --tests ../shared/jsonlogic/tests.json

# check: the examples are valid.
for f in examples/*.json; do
  expect 0 ": ok: playbook" -- "$bin" check "$f"
done

# check: every malformed playbook is refused naming its path.
n=0
while read -r file want; do
  expect 1 "$want" -- "$bin" check "tests/playbooks/bad/$file"
  n=$((n + 1))
done < tests/playbooks/bad/EXPECT
[ "$n" -ge 20 ] && ok || bad "only $n malformed playbooks"

# verify: an honest lead passes; edited outcome, score or class fail.
lead="$tmp/lead.json"
"$bin" run examples/demo-request.json --answers '{"company_size":"201+","role":"executive","timeline":"0-3m","email":"ana@acme.com","consent":true}' > "$lead"
expect 0 "verified: outcome talk_to_sales" -- "$bin" verify examples/demo-request.json "$lead"
python3 - "$lead" "$tmp" <<'PY'
import json, sys
lead = json.load(open(sys.argv[1]))
def tamper(name, fn):
    l = json.loads(json.dumps(lead)); fn(l)
    json.dump(l, open(f"{sys.argv[2]}/{name}.json", "w"))
tamper("outcome", lambda l: l["outcome"].__setitem__("id", "send_guide"))
tamper("score", lambda l: l["score"].__setitem__("fit", 99))
tamper("total", lambda l: l["score"].__setitem__("total", 1))
tamper("class", lambda l: l["outcome"].__setitem__("class", "content_only"))
tamper("answer", lambda l: l["answers"].__setitem__("company_size", "1-10"))
PY
expect 1 "outcome.id: lead says \"send_guide\", engine computes \"talk_to_sales\"" -- "$bin" verify examples/demo-request.json "$tmp/outcome.json"
expect 1 "score.fit: lead says 99, engine computes 45" -- "$bin" verify examples/demo-request.json "$tmp/score.json"
expect 1 "score.total" -- "$bin" verify examples/demo-request.json "$tmp/total.json"
expect 1 "outcome.class" -- "$bin" verify examples/demo-request.json "$tmp/class.json"
expect 1 "difference(s)" -- "$bin" verify examples/demo-request.json "$tmp/answer.json"
expect 1 "playbook.id" -- "$bin" verify examples/gated-guide.json "$lead"

# usage errors
expect 2 "" -- "$bin" check /nonexistent/playbook.json
expect 2 "" -- "$bin" frobnicate

echo "cli: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
