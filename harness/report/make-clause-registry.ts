/**
 * Makes fixtures/clauses.json from the conformance clauses of the spec digests.
 * Run: npx tsx harness/report/make-clause-registry.ts [SPEC_DIR]
 * (default: ../shared/spec beside the repository).
 */
import { writeFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import {
  CLAUSES_FILE,
  type Clause,
  clauseRegistry,
  DEFAULT_SPEC_DIR,
  loadSpecClauses,
} from './clause-registry.js';

export function registryText(clauses: readonly Clause[]): string {
  return `${JSON.stringify(clauseRegistry(clauses), null, 2)}\n`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const specDir = process.argv[2] ? resolve(process.argv[2]) : DEFAULT_SPEC_DIR;
  const clauses = loadSpecClauses(specDir);
  writeFileSync(CLAUSES_FILE, registryText(clauses));
  const families = new Map<string, number>();
  for (const c of clauses) families.set(c.family, (families.get(c.family) ?? 0) + 1);
  console.log(
    `wrote ${relative(process.cwd(), CLAUSES_FILE)}: ${clauses.length} clauses from ${specDir} (${[
      ...families,
    ]
      .map(([f, n]) => `${f} ${n}`)
      .join(', ')})`,
  );
}
