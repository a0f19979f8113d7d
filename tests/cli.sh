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
  case "$f" in *.cases.json) continue ;; esac
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

# check: lint that knows the options. A comparison with a value that is no option is an
# error (exit 1) with a did-you-mean, in an outcome and in a rule; the rule never fires.
python3 - "$tmp" <<'PY'
import json, sys
pb = json.load(open("examples/demo-request.json"))
pb["outcomes"][0]["if"] = {"and": [{">=": [{"var": "score.fit"}, 25]}, {"==": [{"var": "timeline"}, "0-6m"]}]}
pb["rules"][0]["if"] = {"in": [{"var": "timeline"}, ["0-3m", "0-6m"]]}
pb["rules"][1]["if"] = {"==": [{"var": "budget"}, "aproved"]}
json.dump(pb, open(sys.argv[1] + "/typo.json", "w"))
PY
expect 1 'outcomes[0] (talk_to_sales).if: compares an answer with a value that is not one of its options ("0-6m" is not an option of timeline (0-3m, 3-12m, researching); did you mean "0-3m"?)' -- "$bin" check "$tmp/typo.json"
expect 1 'rules[1].if: compares an answer with a value that is not one of its options ("aproved" is not an option of budget (approved, planned, none); did you mean "approved"?)' -- "$bin" check "$tmp/typo.json"
expect 1 'warning: rules[1].if: this rule never fires' -- "$bin" check "$tmp/typo.json"
expect 1 'warning: outcomes[0] (talk_to_sales): no way of answering reaches this outcome (talk_to_sales: its condition is false for every possible answer)' -- "$bin" check "$tmp/typo.json"
expect 1 '3 error(s)' -- "$bin" check "$tmp/typo.json"
# ... and a hint for a disqualifying question that could come first, measured by simulate.
expect 0 'hint: questions[1] (role): this question can disqualify' -- "$bin" check examples/demo-request.json
expect 0 'asking role before company_size: 3.91 questions asked on average with early decision (-0.25)' -- "$bin" simulate examples/demo-request.json

# test: the examples' cases pass; a wrong expectation fails naming what differs.
expect 0 "demo-request.cases.json: 5 passed, 0 failed" -- "$bin" test examples/demo-request.json
expect 0 "gated-guide.cases.json: 2 passed, 0 failed" -- "$bin" test examples/gated-guide.json examples/gated-guide.cases.json
cat >"$tmp/wrong.cases.json" <<'JSON'
{ "cases": [ { "name": "small and researching", "answers": { "company_size": "1-10", "role": "manager", "timeline": "researching" },
  "expect": { "outcome": "talk_to_sales", "score": { "fit": 10 } } } ] }
JSON
expect 1 "FAIL small and researching: outcome is send_guide, expected talk_to_sales" -- "$bin" test examples/demo-request.json "$tmp/wrong.cases.json"
expect 1 "0 passed, 1 failed" -- "$bin" test examples/demo-request.json "$tmp/wrong.cases.json"
echo '{"cases": [{"answers": {}, "expect": {"class": "hot"}}]}' >"$tmp/bad.cases.json"
expect 1 "cases[0].expect.class: expected sales_ready, content_only or disqualified" -- "$bin" test examples/demo-request.json "$tmp/bad.cases.json"

# run: without contact details, the outcome the answers reach.
expect 0 '"contact_missing": [' -- "$bin" run examples/demo-request.json --answers '{"company_size":"201+","role":"executive","timeline":"0-3m"}'
expect 0 '"outcome": "talk_to_sales"' -- "$bin" run examples/demo-request.json --answers '{"company_size":"201+","role":"executive","timeline":"0-3m"}'

# check-config: the deployment example, its secrets from the environment.
sed "s#/etc/lead-qualifier/playbooks#$PWD/examples#" deploy/lead-qualifier.toml >"$tmp/lq.toml"
secrets=(env LQ_ADMIN_TOKEN=0123456789abcdef01 LQ_SLACK_WEBHOOK_URL=https://hooks.slack.com/services/T/B/x
  LQ_HUBSPOT_TOKEN=pat-na1-x LQ_NEWSLETTER_URL=https://hooks.example.com/news
  LQ_NEWSLETTER_SECRET=whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw)
expect 0 "route sales_ready -> sales-slack, crm" -- "${secrets[@]}" "$bin" check-config "$tmp/lq.toml"
expect 1 "destinations.crm.token_env: LQ_HUBSPOT_TOKEN is not set" -- "${secrets[@]}" LQ_HUBSPOT_TOKEN= "$bin" check-config "$tmp/lq.toml"
printf '[routes]\nhot_leads = ["nowhere"]\n' >"$tmp/bad.toml"
expect 1 "routes.hot_leads[0]: no destination named nowhere" -- "$bin" check-config "$tmp/bad.toml"
printf '[server]\nprot = 1\n' >"$tmp/typo.toml"
expect 1 "line 2, column 1: unknown field \`prot\`" -- "$bin" check-config "$tmp/typo.toml"
expect 2 "no such file" -- "$bin" check-config /nonexistent/lq.toml
expect 2 "no such database file" -- "$bin" deliveries --db /nonexistent/leads.sqlite
# export: the leads of a collector's database (the `leads` table of serve's store.rs, made
# here with python's sqlite3 from the lead `run` printed) as CSV and JSON Lines.
python3 - "$lead" "$tmp/leads.sqlite" <<'PY'
import json, sqlite3, sys
lead = json.load(open(sys.argv[1]))
db = sqlite3.connect(sys.argv[2])
db.execute("""CREATE TABLE leads (id TEXT PRIMARY KEY NOT NULL, playbook_id TEXT NOT NULL,
    playbook_version TEXT, outcome_id TEXT NOT NULL, class TEXT NOT NULL, verified INTEGER NOT NULL,
    differences TEXT NOT NULL, lead TEXT NOT NULL, format TEXT NOT NULL, idempotency_key TEXT,
    received_at TEXT NOT NULL)""")
for i, at in [("a", "2026-12-01T09:00:00.000Z"), ("b", "2026-12-02T09:00:00.000Z")]:
    l = dict(lead, id=i)
    db.execute("INSERT INTO leads VALUES (?, ?, ?, ?, ?, 1, '[]', ?, 'json', NULL, ?)",
        (i, l["playbook"]["id"], l["playbook"].get("version"), l["outcome"]["id"], l["outcome"]["class"], json.dumps(l), at))
db.commit()
PY
expect 0 "id,received_at,created_at,playbook_id,playbook_version,outcome_id,class,verified,flag,score_total,score_fit,score_intent,answer_company_size" -- "$bin" export --format csv --db "$tmp/leads.sqlite"
expect 0 "b,2026-12-02T09:00:00.000Z," -- "$bin" export --format csv --db "$tmp/leads.sqlite" --since 2026-12-02
expect 0 '{"id":"a","received_at":"2026-12-01T09:00:00.000Z","verified":true,"flag":null,"lead":{"id":"a",' -- "$bin" export --format jsonl --db "$tmp/leads.sqlite"
expect 0 "1 lead(s) exported" -- "$bin" export --format jsonl --db "$tmp/leads.sqlite" --since 2026-12-01T12:00:00Z --output "$tmp/leads.jsonl"
[ "$(wc -l <"$tmp/leads.jsonl")" -eq 1 ] && ok || bad "export --output: $(cat "$tmp/leads.jsonl")"
expect 2 "--since: expected a UTC date or date-time" -- "$bin" export --format csv --db "$tmp/leads.sqlite" --since yesterday
expect 2 "no such database file" -- "$bin" export --format csv --db "$tmp/none.sqlite"
[ ! -e "$tmp/none.sqlite" ] && ok || bad "export created the missing database"

# simulate --leads, backtest: synthetic leads with a planted rule (201+ companies win 5x),
# then the report as JSON (its keys), text and HTML; feedback rows matching no lead are
# listed with their line; a bad status is a problem (exit 1); --db reads the collector's
# SQLite (flagged leads skipped, no feedback table yet); a missing file exits 2.
printf '%s' '{"base_win_rate": 0.05, "rules": [{"if": {"==": [{"var": "answers.company_size"}, "201+"]}, "win_multiplier": 5}]}' >"$tmp/truth.json"
expect 0 "500 synthetic lead(s) (seed 3)" -- "$bin" simulate examples/demo-request.json --leads 500 --seed 3 --truth "$tmp/truth.json" --out "$tmp/synth"
synth=(--leads "$tmp/synth/leads.jsonl" --feedback "$tmp/synth/feedback.csv")
for key in '"by_outcome": [' '"by_class": [' '"by_answer": [' '"sales_ready": {' '"bands": [' '"sweeps": [' '"variable": "score.fit"' '"transitions": []' '"moved": []' '"good": "won"'; do
  expect 0 "$key" -- "$bin" backtest examples/demo-request.json "${synth[@]}" --json
done
expect 0 "Threshold sweep: score.fit >= t (this playbook compares it with 25)" -- "$bin" backtest examples/demo-request.json "${synth[@]}"
expect 0 "<svg viewBox" -- "$bin" backtest examples/demo-request.json "${synth[@]}" --html
cp "$tmp/synth/feedback.csv" "$tmp/extra.csv"
printf 'no-such-lead,won,,,\n' >>"$tmp/extra.csv"
expect 0 "extra.csv:502: no lead has the id no-such-lead" -- "$bin" backtest examples/demo-request.json --leads "$tmp/synth/leads.jsonl" --feedback "$tmp/extra.csv"
printf '%s,hot,,,\n' "$(head -2 "$tmp/synth/feedback.csv" | tail -1 | cut -d, -f1)" >>"$tmp/extra.csv"
expect 1 'extra.csv:503: status "hot": expected accepted, rejected, won, lost' -- "$bin" backtest examples/demo-request.json --leads "$tmp/synth/leads.jsonl" --feedback "$tmp/extra.csv"
python3 - "$tmp" <<'PY'
import json, sqlite3, sys
db = sqlite3.connect(sys.argv[1] + "/synth.sqlite")
db.execute("CREATE TABLE leads (id TEXT PRIMARY KEY, lead TEXT NOT NULL, received_at TEXT NOT NULL, flag TEXT)")
for i, line in enumerate(open(sys.argv[1] + "/synth/leads.jsonl")):
    rec = json.loads(line)
    db.execute("INSERT INTO leads VALUES (?, ?, ?, ?)", (rec["lead"]["id"], json.dumps(rec["lead"]), rec["received_at"], "too_fast" if i < 10 else None))
db.commit()
PY
expect 0 "no feedback table yet" -- "$bin" backtest examples/demo-request.json --db "$tmp/synth.sqlite"
expect 0 "10 flagged lead(s) skipped" -- "$bin" backtest examples/demo-request.json --db "$tmp/synth.sqlite"
expect 0 "490 lead(s) replayed, 0 with feedback" -- "$bin" backtest examples/demo-request.json --db "$tmp/synth.sqlite"
python3 - "$tmp" <<'PY'
import csv, sqlite3, sys
db = sqlite3.connect(sys.argv[1] + "/synth.sqlite")
db.execute("CREATE TABLE feedback (lead_id TEXT PRIMARY KEY, status TEXT, reason TEXT, amount REAL, date TEXT, updated_at TEXT)")
for r in csv.DictReader(open(sys.argv[1] + "/synth/feedback.csv")):
    db.execute("INSERT INTO feedback VALUES (?, ?, ?, ?, ?, NULL)", (r["lead_id"], r["status"], r["reason"], float(r["amount"]) if r["amount"] else None, r["date"]))
db.commit()
PY
expect 0 "490 lead(s) replayed, 490 with feedback" -- "$bin" backtest examples/demo-request.json --db "$tmp/synth.sqlite"
expect 0 "10 feedback row(s) match no lead" -- "$bin" backtest examples/demo-request.json --db "$tmp/synth.sqlite"
# ... and what export writes, from a schema 1 database (no flag column, no feedback table).
expect 0 "1 lead(s) replayed, 0 with feedback" -- "$bin" backtest examples/demo-request.json --leads "$tmp/leads.jsonl"
expect 0 "2 lead(s) replayed, 0 with feedback" -- "$bin" backtest examples/demo-request.json --db "$tmp/leads.sqlite"
expect 2 "no such file" -- "$bin" backtest examples/demo-request.json --leads "$tmp/nope.jsonl"
expect 2 "no such database file" -- "$bin" backtest examples/demo-request.json --db "$tmp/nope.sqlite"

# simulate --db: synthetic leads stored as the collector stores them, then backtested there.
expect 0 "300 lead(s) stored" -- "$bin" simulate examples/demo-request.json --leads 300 --seed 1 --truth examples/synthetic/demo-request.truth.json --out "$tmp/seed" --db "$tmp/seed.sqlite"
expect 0 '"with_feedback": 300' -- "$bin" backtest examples/demo-request.json --db "$tmp/seed.sqlite" --json
expect 0 "300 applied, 0 matched no lead, 0 invalid" -- "$bin" feedback import "$tmp/seed/feedback.csv" --db "$tmp/seed.sqlite"

# embed: the snippet with the first step pre-rendered, the playbook inline, the form to the
# collector; on standard error the stylesheet's hash for a strict CSP; a broken playbook is
# refused as `check` refuses it.
expect 0 '<template shadowrootmode="open">' -- "$bin" embed examples/demo-request.json
expect 0 'action="https://collect.example.com/qualify/demo-request"' -- "$bin" embed examples/demo-request.json --collector https://collect.example.com/
expect 0 "Wie viele Menschen arbeiten in Ihrem Unternehmen?" -- "$bin" embed examples/demo-request.json --locale de
expect 0 "style-src must allow 'sha256-" -- "$bin" embed examples/demo-request.json
expect 1 "the playbook is refused" -- "$bin" embed tests/playbooks/bad/points-string.json
# www/instant.html holds what embed prints today (run embed again after changing the demo).
snippet="$("$bin" embed examples/demo-request.json 2>/dev/null)"
in_page="$(sed -n '/^<!-- lead-qualifier embed examples\/demo-request.json -->$/,/^<!-- \/lead-qualifier embed -->$/p' www/instant.html | sed '1d;$d')"
if [ -n "$snippet" ] && [ "$snippet" = "$in_page" ]; then ok; else bad "www/instant.html's snippet is not what embed prints (lead-qualifier embed examples/demo-request.json)"; fi

# variants: checked where playbooks are written (the page only reads the list).
python3 - "$tmp/variants.json" <<'PY'
import json, sys
pb = json.load(open("examples/demo-request.json"))
pb["variants"] = [{"weight": 2}, {"url": "javascript:alert(1)", "weight": -1}]
json.dump(pb, open(sys.argv[1], "w"))
PY
expect 1 "variants[0].url: required field is missing" -- "$bin" check "$tmp/variants.json"
expect 1 "variants[1].url: expected an http(s) URL" -- "$bin" check "$tmp/variants.json"
expect 1 "variants[1].weight: expected a whole number" -- "$bin" check "$tmp/variants.json"

# usage errors
expect 2 "" -- "$bin" check /nonexistent/playbook.json
expect 2 "" -- "$bin" frobnicate

echo "cli: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
