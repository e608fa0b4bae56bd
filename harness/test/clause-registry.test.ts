/** The clause registry: what the parser reads from spec digests, and that the committed copy is current. */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  CLAUSE_TAG,
  CLAUSES_FILE,
  ClauseRegistryError,
  ClauseRegistrySchema,
  clauseIdOfTag,
  DEFAULT_SPEC_DIR,
  levelOf,
  loadSpecClauses,
  parseClauses,
  REPO_ROOT,
  readClauseRegistry,
} from '../report/clause-registry.js';
import { registryText } from '../report/make-clause-registry.js';

const spec = (lines: string[]) => lines.join('\n');

test('a clause list: ids, families, numbers, levels, text and source', () => {
  const clauses = parseClauses(
    spec([
      '# Handshake',
      '',
      '## 11. Conformance clauses',
      '',
      'Each clause is checkable by a fixture peer.',
      '',
      '* **HS-1** MUST: as initiator, the first bytes are `GNUTELLA CONNECT/0.6` CRLF.',
      '* **HS-8** SHOULD: every header uses the canonical spelling.',
      '* **HS-20** MAY (if implemented, MUST be consistent): demotes on guidance.',
      '* **HS-31** the SUT logs what it refused.',
      '',
      '## 12. Sources',
    ]),
    'handshake.md',
  );
  assert.deepEqual(clauses, [
    {
      id: 'HS-1',
      family: 'HS',
      number: 1,
      level: 'MUST',
      text: 'MUST: as initiator, the first bytes are `GNUTELLA CONNECT/0.6` CRLF.',
      source: 'handshake.md',
    },
    {
      id: 'HS-8',
      family: 'HS',
      number: 8,
      level: 'SHOULD',
      text: 'SHOULD: every header uses the canonical spelling.',
      source: 'handshake.md',
    },
    {
      id: 'HS-20',
      family: 'HS',
      number: 20,
      level: 'MUST',
      text: 'MAY (if implemented, MUST be consistent): demotes on guidance.',
      source: 'handshake.md',
    },
    {
      id: 'HS-31',
      family: 'HS',
      number: 31,
      level: 'INFO',
      text: 'the SUT logs what it refused.',
      source: 'handshake.md',
    },
  ]);
});

test('the level is the strongest RFC 2119 keyword, upper case and outside code spans', () => {
  const cases: Array<[string, string]> = [
    ['A servent MUST NOT relay it.', 'MUST'],
    ['It SHALL answer.', 'MUST'],
    ['The header is REQUIRED.', 'MUST'],
    ['It SHOULD NOT wait.', 'SHOULD'],
    ['Bare LF is RECOMMENDED against (NOT RECOMMENDED to send).', 'SHOULD'],
    ['It MAY send 1-bit patches.', 'MAY'],
    ['The extension is OPTIONAL.', 'MAY'],
    ['SHOULD serve `/get/`; MUST answer 404 for an unknown index.', 'MUST'],
    ['SHOULD: a QueryHit carries its URN (and MAY add GGEP `H`).', 'SHOULD'],
    ['the SUT must reply (lower case is prose, not a requirement)', 'INFO'],
    ['the SUT echoes `MUST` as a header value', 'INFO'],
    ['MUSTARD is not a keyword, nor is MAYBE', 'INFO'],
  ];
  for (const [text, level] of cases) assert.equal(levelOf(text), level, text);
});

test('a clause continues over indented lines, and ends at a blank or unindented line', () => {
  const clauses = parseClauses(
    spec([
      '## 9. Conformance clauses',
      '',
      'SUT = servent under test.',
      '',
      '* **UP-1** As UP, the SUT MUST send `X-Ultrapeer: True`,',
      '  `X-Query-Routing: 0.1` (or 0.2),',
      '\t`X-Degree` ≥ 16 in its handshake responses.',
      '* **UP-2** As leaf, the SUT MUST send `X-Ultrapeer: False` and',
      '  `X-Query-Routing`, and SHOULD also send the four "good" headers.',
      '',
      '  An indented paragraph after a blank line is not part of UP-2.',
      '* **RT-11** (pong caching) As UP, the SUT MUST NOT relay Pings received from',
      '  neighbours.',
      'A closing remark that is not indented.',
      '  nor is this line.',
    ]),
    'ultrapeers-and-routing.md',
  );
  assert.deepEqual(
    clauses.map((c) => [c.id, c.level, c.text]),
    [
      [
        'UP-1',
        'MUST',
        'As UP, the SUT MUST send `X-Ultrapeer: True`, `X-Query-Routing: 0.1` (or 0.2), `X-Degree` ≥ 16 in its handshake responses.',
      ],
      [
        'UP-2',
        'MUST',
        'As leaf, the SUT MUST send `X-Ultrapeer: False` and `X-Query-Routing`, and SHOULD also send the four "good" headers.',
      ],
      [
        'RT-11',
        'MUST',
        '(pong caching) As UP, the SUT MUST NOT relay Pings received from neighbours.',
      ],
    ],
  );
});

test('odd prefixes: a parenthesised scope, a level with a condition, a separator after the id, a dash bullet', () => {
  const clauses = parseClauses(
    spec([
      '## 14. Conformance clauses',
      '',
      'Uploader side:',
      '',
      '* **HTTP-20** (PFSP) For a partial file MUST include `X-Available-Ranges`.',
      '* **VM-12** MUST (leaf SUT that advertises leaf guidance): on BEAR/11v1 it answers BEAR/12v1.',
      '* **MAG-1**: A magnet parser MUST accept pairs in any order.',
      '- **BH-1** — It SHOULD answer `GET /` with 200.',
      '* **WN-1**',
      '  A "What\'s New?" query MUST use the text `WhatIsNewXOXO`.',
      '* **Note** not a clause: the id is not FAMILY-NUMBER.',
      '* **hs-3** not a clause either: families are upper case.',
    ]),
    'mixed.md',
  );
  assert.deepEqual(
    clauses.map((c) => [c.id, c.level, c.text]),
    [
      ['HTTP-20', 'MUST', '(PFSP) For a partial file MUST include `X-Available-Ranges`.'],
      [
        'VM-12',
        'MUST',
        'MUST (leaf SUT that advertises leaf guidance): on BEAR/11v1 it answers BEAR/12v1.',
      ],
      ['MAG-1', 'MUST', 'A magnet parser MUST accept pairs in any order.'],
      ['BH-1', 'SHOULD', 'It SHOULD answer `GET /` with 200.'],
      ['WN-1', 'MUST', 'A "What\'s New?" query MUST use the text `WhatIsNewXOXO`.'],
    ],
  );
});

test('only the conformance section is read when the file has one; a file without it is read whole', () => {
  const withSection = spec([
    '## 3. Rules',
    '* **HS-99** MUST: quoted in the body, not a clause of this file.',
    '## 11. Conformance clauses',
    '* **HS-1** MUST: counted.',
    '### 11.1 Extra subsection still inside',
    '* **HS-2** SHOULD: counted too.',
    '## 12. Sources',
    '* **HS-100** MUST: in the sources, not a clause.',
  ]);
  assert.deepEqual(
    parseClauses(withSection, 'a.md').map((c) => c.id),
    ['HS-1', 'HS-2'],
  );
  assert.deepEqual(
    parseClauses('* **X-1** MUST: a bare list.\n* **X-2** MAY: another.', 'b.md').map((c) => c.id),
    ['X-1', 'X-2'],
  );
});

test('a clause with no text at all is an error', () => {
  assert.throws(
    () => parseClauses('* **HS-1**\n\n', 'h.md'),
    (err: Error) =>
      err instanceof ClauseRegistryError && /h\.md: clause HS-1 has no text/.test(err.message),
  );
});

test('ids must be unique across files: every duplicate is named with its files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'clauses-'));
  try {
    writeFileSync(join(dir, 'a.md'), '* **HS-1** MUST: one.\n* **HS-2** MUST: two.\n');
    writeFileSync(join(dir, 'b.md'), '* **HS-1** SHOULD: again.\n* **QRP-1** MUST: fine.\n');
    writeFileSync(join(dir, 'c.md'), '* **HS-2** MUST: and again.\n');
    writeFileSync(join(dir, 'notes.txt'), '* **HS-1** MUST: not a spec file.\n');
    assert.throws(
      () => loadSpecClauses(dir),
      (err: Error) =>
        err instanceof ClauseRegistryError &&
        err.message.includes('clause HS-1 is defined 2 times (a.md, b.md)') &&
        err.message.includes('clause HS-2 is defined 2 times (a.md, c.md)'),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('registry order: files by name, then families as they first appear, then by number', () => {
  const dir = mkdtempSync(join(tmpdir(), 'clauses-'));
  try {
    writeFileSync(
      join(dir, 'magnet.md'),
      '* **MAG-2** MUST: b.\n* **BH-1** MUST: c.\n* **MAG-1** MUST: a.\n',
    );
    writeFileSync(join(dir, 'bootstrap.md'), '* **BOOT-10** MUST: y.\n* **BOOT-9** MUST: x.\n');
    assert.deepEqual(
      loadSpecClauses(dir).map((c) => c.id),
      ['BOOT-9', 'BOOT-10', 'MAG-1', 'MAG-2', 'BH-1'],
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the schema refuses duplicate ids and ids that do not match family and number', () => {
  const clause = { id: 'HS-1', family: 'HS', number: 1, level: 'MUST', text: 't', source: 'h.md' };
  const registry = (clauses: unknown[]) => ({
    format: 'gnutella-clauses/1',
    generatedFrom: 'shared/spec/*.md',
    clauses,
  });
  assert.ok(ClauseRegistrySchema.safeParse(registry([clause])).success);
  assert.ok(!ClauseRegistrySchema.safeParse(registry([clause, clause])).success);
  assert.ok(!ClauseRegistrySchema.safeParse(registry([{ ...clause, number: 2 }])).success);
  assert.ok(!ClauseRegistrySchema.safeParse(registry([{ ...clause, level: 'must' }])).success);
});

test('clause tags: @FAMILY-NUMBER names a clause, other tags do not', () => {
  assert.equal(clauseIdOfTag('@HS-3'), 'HS-3');
  assert.equal(clauseIdOfTag('@QRP-17'), 'QRP-17');
  for (const tag of ['@slow', '@hs-3', '@HS-', '@HS-3a', 'HS-3', '@wip']) {
    assert.equal(clauseIdOfTag(tag), undefined, tag);
  }
});

test('fixtures/clauses.json is valid, and every family is numbered 1…N without gaps', () => {
  const clauses = readClauseRegistry();
  assert.ok(clauses.length > 0);
  const numbers = new Map<string, number[]>();
  for (const c of clauses) numbers.set(c.family, [...(numbers.get(c.family) ?? []), c.number]);
  for (const [family, list] of numbers) {
    assert.deepEqual(
      list,
      list.map((_, i) => i + 1),
      `${family} clauses are not numbered 1…${list.length} in order: ${list.join(' ')}`,
    );
  }
});

test('fixtures/clauses.json is what the spec files say today', {
  skip: existsSync(DEFAULT_SPEC_DIR)
    ? false
    : `the spec digests are not at ${DEFAULT_SPEC_DIR} (shared/ beside the repository); cannot compare`,
}, () => {
  const fresh = loadSpecClauses(DEFAULT_SPEC_DIR);
  assert.equal(
    readFileSync(CLAUSES_FILE, 'utf8'),
    registryText(fresh),
    'fixtures/clauses.json is stale: run `npx tsx harness/report/make-clause-registry.ts`',
  );
  // Every bold id in the spec files' clause lists was taken: none was skipped by an odd layout.
  let bold = 0;
  for (const name of readdirSync(DEFAULT_SPEC_DIR).filter((n) => n.endsWith('.md'))) {
    const text = readFileSync(join(DEFAULT_SPEC_DIR, name), 'utf8');
    bold += [...text.matchAll(/^[*-][ \t]+\*\*[A-Z]+-\d+\*\*/gm)].length;
  }
  assert.equal(fresh.length, bold);
});

test('every clause tag in features/*.feature names a clause of the registry', () => {
  const known = new Set(readClauseRegistry().map((c) => c.id));
  const featuresDir = join(REPO_ROOT, 'features');
  const unknown: string[] = [];
  let tags = 0;
  for (const name of readdirSync(featuresDir).filter((n) => n.endsWith('.feature'))) {
    const lines = readFileSync(join(featuresDir, name), 'utf8').split('\n');
    for (const [i, line] of lines.entries()) {
      for (const [tag] of line.matchAll(/@[A-Z]+-\d+/g)) {
        tags++;
        const id = clauseIdOfTag(tag);
        assert.ok(id !== undefined && CLAUSE_TAG.test(tag));
        if (!known.has(id)) unknown.push(`${tag} at features/${name}:${i + 1}`);
      }
    }
  }
  assert.ok(tags > 0, 'no clause tags found in features/*.feature');
  assert.deepEqual(unknown, [], `tags naming no clause:\n${unknown.join('\n')}`);
});
