/**
 * Pins a run's verdicts: the clauses named must have the verdicts named, and
 * every other clause the run checked must pass. A regression suite keeps its
 * known gaps this way; our CI uses it to prove that the mutant SUT
 * (docker/mutant) fails exactly the clauses it breaks.
 *
 *   npx tsx harness/report/expect-verdicts.ts DIR/conformance.json \
 *       [--fail UP-1,DQ-1] [--non-strict HS-17] [--label mutant]
 *
 * Prints one line per clause checked and ends with `N passed, N failed`.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { z } from 'zod';

const Report = z.object({
  clauses: z.array(
    z.object({ id: z.string(), verdict: z.string(), scenarios: z.array(z.unknown()) }),
  ),
});

export interface Expectation {
  /** Clause id → the verdict it must have; any clause not named must pass if checked. */
  expected: ReadonlyMap<string, string>;
}

export interface ExpectationResult {
  lines: string[];
  passed: number;
  failed: number;
}

/** Compares the verdicts of `report` (conformance.json) with what is expected. */
export function checkVerdicts(report: unknown, expectation: Expectation): ExpectationResult {
  const { clauses } = Report.parse(report);
  const lines: string[] = [];
  let passed = 0;
  let failed = 0;
  const seen = new Set<string>();
  for (const clause of clauses) {
    if (clause.verdict === 'unchecked') continue;
    seen.add(clause.id);
    const want = expectation.expected.get(clause.id) ?? 'pass';
    const ok = clause.verdict === want;
    if (ok) passed++;
    else failed++;
    lines.push(`${ok ? 'ok    ' : 'NOT OK'} ${clause.id}: ${clause.verdict}, expected ${want}`);
  }
  for (const [id, want] of expectation.expected) {
    if (seen.has(id)) continue;
    failed++;
    lines.push(`NOT OK ${id}: no scenario checked it, expected ${want}`);
  }
  return { lines, passed, failed };
}

function main(argv: string[]): number {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      fail: { type: 'string', default: '' },
      'non-strict': { type: 'string', default: '' },
      label: { type: 'string', default: 'verdicts' },
    },
  });
  const file = positionals[0];
  if (!file) {
    console.error('usage: expect-verdicts.ts conformance.json [--fail IDS] [--non-strict IDS]');
    return 2;
  }
  const expected = new Map<string, string>();
  const ids = (text: string) => text.split(',').filter((id) => id !== '');
  for (const id of ids(values.fail)) expected.set(id, 'fail');
  for (const id of ids(values['non-strict'])) expected.set(id, 'non-strict');
  const result = checkVerdicts(JSON.parse(readFileSync(file, 'utf8')), { expected });
  for (const line of result.lines) console.log(`${values.label}: ${line}`);
  console.log(`${result.passed} passed, ${result.failed} failed`);
  return result.failed === 0 ? 0 : 1;
}

if (import.meta.url === `file://${process.argv[1]}`) process.exitCode = main(process.argv.slice(2));
