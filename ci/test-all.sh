#!/usr/bin/env bash
# Every test: lint and types, unit and property tests, then the conformance
# scenarios in Docker. Ends with one line, "N passed, N failed", counting unit
# tests and scenarios together. Exits non-zero if anything failed.
set -uo pipefail
cd "$(dirname "$0")/.."
mkdir -p reports

status=0
unit_pass=0 unit_fail=0 sc_pass=0 sc_fail=0

step() { printf '\n==> %s\n' "$*"; }

step "Docker engine"
bash ci/setup-docker.sh || status=1

step "Lint, format and types (biome, tsc)"
npx biome check . || status=1
npx tsc --noEmit -p . || status=1

step "Unit and property tests (node --test)"
mapfile -t unit_files < <(find servent/test harness/test -name '*.test.ts' 2>/dev/null | sort)
node --import tsx --test \
  --test-reporter=spec --test-reporter-destination=stdout \
  --test-reporter=tap --test-reporter-destination=reports/unit.tap \
  "${unit_files[@]}" || status=1
unit_pass=$(sed -n 's/^# pass \([0-9]*\)$/\1/p' reports/unit.tap | tail -n 1)
unit_fail=$(sed -n 's/^# fail \([0-9]*\)$/\1/p' reports/unit.tap | tail -n 1)
unit_pass=${unit_pass:-0}
unit_fail=${unit_fail:-1}

step "Images"
npx tsx docker/build-images.ts || status=1

step "Conformance scenarios (cucumber-js)"
NODE_OPTIONS='--import tsx' npx cucumber-js | tee reports/cucumber.txt || status=1
summary=$(grep -E '^[0-9]+ scenarios? \(' reports/cucumber.txt | tail -n 1)
scenarios=$(echo "$summary" | sed -E 's/^([0-9]+) scenarios?.*/\1/')
sc_pass=$(echo "$summary" | grep -oE '[0-9]+ passed' | grep -oE '[0-9]+')
scenarios=${scenarios:-0}
sc_pass=${sc_pass:-0}
sc_fail=$((scenarios - sc_pass))
[ "$scenarios" -gt 0 ] || { sc_fail=1; status=1; }

step "Conformance report (per clause, reports/conformance/)"
npx tsx harness/report/report-cli.ts --ndjson reports/cucumber.ndjson --out reports/conformance \
  --scenarios reports/scenarios || true

# The mutant servent (docker/mutant) breaks X-Max-TTL (MUST: UP-1, DQ-1) and drops
# X-Try-Ultrapeers (SHOULD: HS-17, BOOT-3). The scenarios it meets must judge exactly that.
step "Mutant SUT: the scenarios must fail exactly the clauses it breaks"
mut_pass=0 mut_fail=1
if npx tsx docker/build-images.ts --variant mutant --quiet; then
  mutant=$(node -e "console.log(require('./dist/images.json').mutant)")
  up1_line=$(grep -n 'Scenario: The SUT.s answer to its leaf announces dynamic querying' features/dynamic-query.feature | cut -d: -f1)
  npx tsx harness/cli.ts run --sut-image "$mutant" --report reports/mutant --tags 'not @profiles' \
    features/handshake.feature "features/dynamic-query.feature:$up1_line" > reports/mutant-run.txt 2>&1
  npx tsx harness/report/expect-verdicts.ts reports/mutant/conformance/conformance.json \
    --fail UP-1,DQ-1 --non-strict HS-17,BOOT-3 --label mutant | tee reports/mutant-check.txt
  mut_line=$(tail -n 1 reports/mutant-check.txt)
  mut_pass=$(echo "$mut_line" | sed -nE 's/^([0-9]+) passed.*/\1/p')
  mut_fail=$(echo "$mut_line" | sed -nE 's/.* ([0-9]+) failed$/\1/p')
  mut_pass=${mut_pass:-0}
  mut_fail=${mut_fail:-1}
fi

printf '\nunit tests: %s passed, %s failed; scenarios: %s passed, %s failed; mutant verdicts: %s passed, %s failed\n' \
  "$unit_pass" "$unit_fail" "$sc_pass" "$sc_fail" "$mut_pass" "$mut_fail"
[ "$unit_fail" -eq 0 ] && [ "$sc_fail" -eq 0 ] && [ "$mut_fail" -eq 0 ] || status=1
echo "$((unit_pass + sc_pass + mut_pass)) passed, $((unit_fail + sc_fail + mut_fail)) failed"
exit "$status"
