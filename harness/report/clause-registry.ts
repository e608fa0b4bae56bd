/**
 * The conformance clauses of the spec digests (shared/spec/*.md) as data: the
 * numbered lists at the end of each file (`* **HS-3** MUST: …`), with the
 * strength of each requirement. Scenarios name clauses by tag (@HS-3); the
 * report judges each clause from the scenarios that tag it.
 *
 * fixtures/clauses.json is the committed copy (made by make-clause-registry.ts),
 * so a report can be built where shared/ is absent; a test keeps it equal to
 * what the spec files say.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

export const CLAUSES_FORMAT = 'gnutella-clauses/1';

/** The repository root, whatever the working directory. */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const CLAUSES_FILE = join(REPO_ROOT, 'fixtures/clauses.json');
export const DEFAULT_SPEC_DIR = resolve(REPO_ROOT, '../shared/spec');

/**
 * How strong a clause is, from its strongest RFC 2119 keyword. A failing MUST
 * fails the run, a failing SHOULD only in strict mode, MAY/INFO never.
 */
export const CLAUSE_LEVELS = ['MUST', 'SHOULD', 'MAY', 'INFO'] as const;
export type ClauseLevel = (typeof CLAUSE_LEVELS)[number];

export const ClauseSchema = z.object({
  /** `HS-3`: family, dash, number. */
  id: z.string().regex(/^[A-Z]+-\d+$/),
  family: z.string().regex(/^[A-Z]+$/),
  number: z.number().int().positive(),
  level: z.enum(CLAUSE_LEVELS),
  /** The clause as written, on one line, markdown kept. */
  text: z.string().min(1),
  /** The spec file it comes from, e.g. `handshake.md`. */
  source: z.string().min(1),
});
export type Clause = z.infer<typeof ClauseSchema>;

export const ClauseRegistrySchema = z
  .object({
    format: z.literal(CLAUSES_FORMAT),
    generatedFrom: z.string(),
    clauses: z.array(ClauseSchema),
  })
  .superRefine((registry, ctx) => {
    for (const problem of duplicateClauses(registry.clauses)) {
      ctx.addIssue({ code: 'custom', message: problem, path: ['clauses'] });
    }
    for (const [i, clause] of registry.clauses.entries()) {
      if (clause.id !== `${clause.family}-${clause.number}`) {
        ctx.addIssue({
          code: 'custom',
          message: `id ${clause.id} does not match family ${clause.family} and number ${clause.number}`,
          path: ['clauses', i, 'id'],
        });
      }
    }
  });
export type ClauseRegistry = z.infer<typeof ClauseRegistrySchema>;

/** A tag that names a clause: `@HS-3`. Other tags (`@slow`) are not clause tags. */
export const CLAUSE_TAG = /^@([A-Z]+-\d+)$/;

/** The clause id a tag names, or undefined for any other tag. */
export function clauseIdOfTag(tag: string): string | undefined {
  return CLAUSE_TAG.exec(tag)?.[1];
}

export class ClauseRegistryError extends Error {
  override readonly name = 'ClauseRegistryError';
}

// `* **HS-3** text` or `- **HS-3** text`; the text may be empty on this line and follow indented.
const CLAUSE_LINE = /^[*-][ \t]+\*\*([A-Z]+)-(\d+)\*\*[ \t]*(.*)$/;
const HEADING = /^(#{1,6})[ \t]+(.*)$/;
const CONFORMANCE_HEADING = /^(?:\d+(?:\.\d+)*\.?[ \t]+)?conformance clauses\b/i;

/**
 * The clauses of one spec file. Only the "Conformance clauses" section is read
 * when the file has one (so a bullet quoted elsewhere is not taken for a
 * clause); a file without that heading is read whole. A clause's text runs on
 * over following indented lines, joined with single spaces.
 */
export function parseClauses(markdown: string, source: string): Clause[] {
  const lines = clauseSection(markdown.split(/\r?\n/));
  const clauses: Clause[] = [];
  let open: { family: string; number: number; parts: string[] } | undefined;
  const close = () => {
    if (!open) return;
    const text = open.parts.filter((p) => p !== '').join(' ');
    const id = `${open.family}-${open.number}`;
    if (text === '') throw new ClauseRegistryError(`${source}: clause ${id} has no text`);
    clauses.push({
      id,
      family: open.family,
      number: open.number,
      level: levelOf(text),
      text,
      source,
    });
    open = undefined;
  };
  for (const line of lines) {
    const start = CLAUSE_LINE.exec(line);
    if (start) {
      close();
      open = {
        family: start[1]!,
        number: Number(start[2]),
        // Some writers put a separator after the bold id: `**HS-1**: MUST …`.
        parts: [start[3]!.replace(/^[:–—][ \t]*/, '').trim()],
      };
    } else if (open && /^[ \t]+\S/.test(line)) {
      open.parts.push(line.trim());
    } else {
      close();
    }
  }
  close();
  return clauses;
}

/** The lines of the "Conformance clauses" section, up to the next heading of its level or above. */
function clauseSection(lines: string[]): string[] {
  const start = lines.findIndex((line) => {
    const heading = HEADING.exec(line);
    return heading !== null && CONFORMANCE_HEADING.test(heading[2]!.trim());
  });
  if (start < 0) return lines;
  const depth = HEADING.exec(lines[start]!)![1]!.length;
  const rest = lines.slice(start + 1);
  const end = rest.findIndex((line) => {
    const heading = HEADING.exec(line);
    return heading !== null && heading[1]!.length <= depth;
  });
  return end < 0 ? rest : rest.slice(0, end);
}

const KEYWORD_LEVEL: Record<string, ClauseLevel> = {
  MUST: 'MUST',
  SHALL: 'MUST',
  REQUIRED: 'MUST',
  SHOULD: 'SHOULD',
  RECOMMENDED: 'SHOULD',
  MAY: 'MAY',
  OPTIONAL: 'MAY',
};

/**
 * The strongest RFC 2119 keyword in a clause's text (upper case only, as the
 * RFC asks; `MUST NOT` counts as MUST, `NOT RECOMMENDED` as SHOULD). Code
 * spans are left out: a header value in backticks is not a requirement word.
 * INFO when there is none.
 */
export function levelOf(text: string): ClauseLevel {
  const prose = text.replace(/`[^`]*`/g, ' ');
  let best: ClauseLevel = 'INFO';
  for (const match of prose.matchAll(
    /\b(MUST|SHALL|REQUIRED|SHOULD|RECOMMENDED|MAY|OPTIONAL)\b/g,
  )) {
    const level = KEYWORD_LEVEL[match[1]!]!;
    if (CLAUSE_LEVELS.indexOf(level) < CLAUSE_LEVELS.indexOf(best)) best = level;
  }
  return best;
}

/** One line per id that occurs more than once, naming where. */
export function duplicateClauses(clauses: readonly Clause[]): string[] {
  const where = new Map<string, string[]>();
  for (const clause of clauses) {
    where.set(clause.id, [...(where.get(clause.id) ?? []), clause.source]);
  }
  return [...where]
    .filter(([, sources]) => sources.length > 1)
    .map(
      ([id, sources]) => `clause ${id} is defined ${sources.length} times (${sources.join(', ')})`,
    );
}

/**
 * Registry order: spec files by name, then each file's families in the order
 * they first appear, then by number — so magnet.md gives MAG-1…7, BH-1…4, WN-1…2.
 */
export function sortClauses(clauses: readonly Clause[]): Clause[] {
  const fileRank = new Map<string, number>();
  const familyRank = new Map<string, number>();
  for (const clause of clauses) {
    if (!fileRank.has(clause.source)) fileRank.set(clause.source, fileRank.size);
    const key = `${clause.source}\0${clause.family}`;
    if (!familyRank.has(key)) familyRank.set(key, familyRank.size);
  }
  return [...clauses].sort(
    (a, b) =>
      fileRank.get(a.source)! - fileRank.get(b.source)! ||
      familyRank.get(`${a.source}\0${a.family}`)! - familyRank.get(`${b.source}\0${b.family}`)! ||
      a.number - b.number,
  );
}

/**
 * Every clause of every spec file in `specDir`, in registry order. Throws a
 * `ClauseRegistryError` listing every id defined more than once, and when the
 * directory holds no clause at all.
 */
export function loadSpecClauses(specDir: string = DEFAULT_SPEC_DIR): Clause[] {
  const files = readdirSync(specDir)
    .filter((name) => name.endsWith('.md'))
    .sort();
  const clauses = files.flatMap((name) =>
    parseClauses(readFileSync(join(specDir, name), 'utf8'), name),
  );
  if (clauses.length === 0) {
    throw new ClauseRegistryError(`no conformance clauses found in ${specDir}/*.md`);
  }
  const duplicates = duplicateClauses(clauses);
  if (duplicates.length > 0) {
    throw new ClauseRegistryError(
      `clause ids must be unique across the spec files:\n  ${duplicates.join('\n  ')}`,
    );
  }
  return sortClauses(clauses);
}

/** The contents of fixtures/clauses.json for these clauses. */
export function clauseRegistry(clauses: readonly Clause[]): ClauseRegistry {
  return {
    format: CLAUSES_FORMAT,
    generatedFrom: 'shared/spec/*.md',
    clauses: sortClauses(clauses),
  };
}

/** The committed registry, checked against its schema. */
export function readClauseRegistry(file: string = CLAUSES_FILE): Clause[] {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new ClauseRegistryError(
      `cannot read the clause registry ${file}: ${(err as Error).message}; make it with \`npx tsx harness/report/make-clause-registry.ts\``,
    );
  }
  const parsed = ClauseRegistrySchema.safeParse(json);
  if (!parsed.success) {
    throw new ClauseRegistryError(
      `${file} is not a ${CLAUSES_FORMAT} registry: ${parsed.error.message}`,
    );
  }
  return parsed.data.clauses;
}
