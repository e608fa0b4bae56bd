/**
 * Verdicts and the conformance report, from cucumber message streams made up
 * here (so every status and the retry rule can be exercised) and, where one
 * is on the machine, from a real run's stream.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { deflateSync } from 'node:zlib';
import {
  encodeMessage,
  encodePing,
  encodePong,
  MessageType,
} from '../../servent/src/core/wire/index.js';
import { REPO_ROOT, readClauseRegistry } from '../report/clause-registry.js';
import {
  conformanceSummary,
  decodeTranscript,
  escapeHtml,
  type TranscriptChunk,
  type TranscriptItem,
  writeConformanceReport,
} from '../report/conformance-report.js';
import { runReport } from '../report/report-cli.js';
import {
  exitCodeFor,
  judgeClauses,
  parseCucumberMessages,
  type ScenarioOutcome,
  scenarioSlug,
} from '../report/verdicts.js';

// ------------------------------------------------------------ a fake run

type Status = 'PASSED' | 'FAILED' | 'SKIPPED' | 'PENDING' | 'UNDEFINED' | 'AMBIGUOUS';

interface FakeStep {
  keyword: string;
  text: string;
  status?: Status;
  error?: string;
}

interface FakeScenario {
  name: string;
  tags: string[];
  steps: FakeStep[];
  /** Step statuses per attempt when cucumber retried; the last attempt is `steps`' statuses. */
  earlierAttempts?: Status[][];
  attachment?: string;
  /** The run stopped inside this scenario: no testCaseFinished. */
  unfinished?: boolean;
  /** Leave the pickle's location out, as older cucumber versions did. */
  noLocation?: boolean;
}

/**
 * The envelopes cucumber-js's `message` formatter writes for these scenarios,
 * one feature file, one After hook per scenario, in the order cucumber emits them.
 */
function fabricateNdjson(scenarios: FakeScenario[], uri = 'features/fake.feature'): string {
  let n = 0;
  const id = (kind: string) => `${kind}-${++n}`;
  let clock = 1_800_000_000_000;
  const stamp = (advanceMs = 0) => {
    clock += advanceMs;
    return { seconds: Math.floor(clock / 1000), nanos: (clock % 1000) * 1e6 };
  };
  const out: object[] = [{ meta: { implementation: { name: 'cucumber-js', version: '12.9.0' } } }];
  const hookId = id('hook');
  const shapes = scenarios.map((s, i) => ({
    s,
    line: 10 + i * 10,
    astId: id('ast-scenario'),
    stepAst: s.steps.map(() => id('ast-step')),
    pickleId: id('pickle'),
    pickleSteps: s.steps.map(() => id('pickle-step')),
    testCaseId: id('test-case'),
    testSteps: s.steps.map(() => id('test-step')),
    hookStep: id('test-step'),
  }));
  out.push({
    gherkinDocument: {
      uri,
      feature: {
        name: 'A made-up feature',
        children: shapes.map((x) => ({
          scenario: {
            id: x.astId,
            location: { line: x.line, column: 3 },
            steps: x.s.steps.map((st, j) => ({ id: x.stepAst[j], keyword: `${st.keyword} ` })),
          },
        })),
      },
    },
  });
  for (const x of shapes) {
    out.push({
      pickle: {
        id: x.pickleId,
        uri,
        name: x.s.name,
        ...(x.s.noLocation ? {} : { location: { line: x.line, column: 3 } }),
        astNodeIds: [x.astId],
        tags: x.s.tags.map((name) => ({ name, astNodeId: id('ast-tag') })),
        steps: x.s.steps.map((st, j) => ({
          id: x.pickleSteps[j],
          text: st.text,
          type: 'Action',
          astNodeIds: [x.stepAst[j]],
        })),
      },
    });
  }
  out.push({
    hook: {
      id: hookId,
      type: 'AFTER_TEST_CASE',
      sourceReference: { uri: 'steps/support/hooks.ts', location: { line: 42 } },
    },
  });
  out.push({ testRunStarted: { id: 'run', timestamp: stamp() } });
  for (const x of shapes) {
    out.push({
      testCase: {
        id: x.testCaseId,
        pickleId: x.pickleId,
        testRunStartedId: 'run',
        testSteps: [
          ...x.testSteps.map((tid, j) => ({ id: tid, pickleStepId: x.pickleSteps[j] })),
          { id: x.hookStep, hookId },
        ],
      },
    });
  }
  for (const x of shapes) {
    const attempts = [...(x.s.earlierAttempts ?? []), x.s.steps.map((st) => st.status ?? 'PASSED')];
    for (const [attempt, statuses] of attempts.entries()) {
      const last = attempt === attempts.length - 1;
      const startedId = id('started');
      out.push({
        testCaseStarted: { id: startedId, testCaseId: x.testCaseId, attempt, timestamp: stamp(1) },
      });
      for (const [j, status] of statuses.entries()) {
        const error = status === 'FAILED' ? (x.s.steps[j]!.error ?? 'it failed') : undefined;
        out.push({
          testStepFinished: {
            testCaseStartedId: startedId,
            testStepId: x.testSteps[j],
            testStepResult: {
              status,
              duration: { seconds: 0, nanos: 5_000_000 },
              ...(error ? { message: error, exception: { type: 'Error', message: error } } : {}),
            },
            timestamp: stamp(5),
          },
        });
      }
      if (last && x.s.unfinished) break;
      if (last && x.s.attachment) {
        out.push({
          attachment: {
            body: x.s.attachment,
            contentEncoding: 'IDENTITY',
            mediaType: 'text/plain',
            testCaseStartedId: startedId,
            testStepId: x.hookStep,
          },
        });
      }
      out.push({
        testStepFinished: {
          testCaseStartedId: startedId,
          testStepId: x.hookStep,
          testStepResult: { status: 'PASSED', duration: { seconds: 0, nanos: 1_000_000 } },
          timestamp: stamp(1),
        },
      });
      out.push({
        testCaseFinished: {
          testCaseStartedId: startedId,
          timestamp: stamp(1),
          willBeRetried: !last,
        },
      });
    }
  }
  out.push({ testRunFinished: { testRunStartedId: 'run', timestamp: stamp(10), success: false } });
  return `${out.map((e) => JSON.stringify(e)).join('\n')}\n`;
}

const XSS = '<script>alert("x")</script>';

const FOUR: FakeScenario[] = [
  {
    name: 'The SUT opens with a 0.6 connect line',
    tags: ['@HS-1', '@slow'],
    steps: [
      { keyword: 'Given', text: 'the SUT runs as a leaf' },
      { keyword: 'Then', text: 'its first bytes are "GNUTELLA CONNECT/0.6"' },
    ],
  },
  {
    name: `A leaf answers a connect ${XSS}`,
    tags: ['@HS-2', '@UP-2'],
    steps: [
      { keyword: 'Given', text: 'the SUT runs as a leaf' },
      {
        keyword: 'Then',
        text: 'the SUT answers with status 200',
        status: 'FAILED',
        error: `AssertionError: expected ${XSS} to be "GNUTELLA/0.6 200"\n    at check (steps/handshake.steps.ts:10:5)`,
      },
      { keyword: 'And', text: 'it says "X-Ultrapeer: False"', status: 'SKIPPED' },
    ],
    attachment: 'artefacts (node logs, fixture transcripts): reports/scenarios/a-leaf',
  },
  {
    name: 'Headers are spelled canonically',
    tags: ['@HS-8'],
    steps: [
      { keyword: 'When', text: 'the SUT answers a connect' },
      {
        keyword: 'Then',
        text: 'every header name is canonical',
        status: 'FAILED',
        error: 'x-ultrapeer is not X-Ultrapeer',
      },
    ],
  },
  {
    name: 'A clause nobody has written steps for yet',
    tags: ['@HS-5', '@HS-999'],
    steps: [
      { keyword: 'Given', text: 'something', status: 'SKIPPED' },
      { keyword: 'Then', text: 'something else', status: 'SKIPPED' },
    ],
  },
];

const registry = readClauseRegistry();
const verdictOf = (clauses: ReturnType<typeof judgeClauses>['clauses'], id: string) =>
  clauses.find((v) => v.clause.id === id)?.verdict;

const temp = mkdtempSync(join(tmpdir(), 'conformance-report-'));
after(() => rmSync(temp, { recursive: true, force: true }));

// ------------------------------------------------------------ parsing

test('the registry levels these tests rely on', () => {
  const level = (id: string) => registry.find((c) => c.id === id)?.level;
  assert.equal(level('HS-1'), 'MUST');
  assert.equal(level('HS-2'), 'MUST');
  // UP-2 says MUST and SHOULD: the stronger word decides.
  assert.equal(level('UP-2'), 'MUST');
  assert.equal(level('HS-8'), 'SHOULD');
  assert.equal(level('HS-5'), 'MUST');
  assert.equal(level('QRP-20'), 'MAY');
});

test('scenario outcomes: name, location, clause tags, status, failed step, error, attachments', () => {
  const run = parseCucumberMessages(fabricateNdjson(FOUR));
  assert.deepEqual(run.warnings, []);
  assert.equal(run.cucumberVersion, '12.9.0');
  assert.equal(run.success, false);
  assert.ok(run.durationMs !== undefined && run.durationMs > 0);
  assert.deepEqual(
    run.scenarios.map((s) => [s.location, s.status, s.clauseIds]),
    [
      ['features/fake.feature:10', 'passed', ['HS-1']],
      ['features/fake.feature:20', 'failed', ['HS-2', 'UP-2']],
      ['features/fake.feature:30', 'failed', ['HS-8']],
      ['features/fake.feature:40', 'skipped', ['HS-5', 'HS-999']],
    ],
  );
  const [passed, failed] = run.scenarios as [ScenarioOutcome, ScenarioOutcome];
  assert.deepEqual(passed.tags, ['@HS-1', '@slow']);
  assert.equal(passed.feature, 'A made-up feature');
  assert.equal(passed.failedStep, undefined);
  assert.equal(failed.failedStep, 'Then the SUT answers with status 200');
  assert.match(failed.error ?? '', /^AssertionError: expected <script>/);
  assert.equal(failed.artefacts, 'reports/scenarios/a-leaf');
  assert.deepEqual(
    failed.steps.map((s) => [s.kind, s.keyword, s.status]),
    [
      ['step', 'Given', 'passed'],
      ['step', 'Then', 'failed'],
      ['step', 'And', 'skipped'],
      ['hook', '', 'passed'],
    ],
  );
  assert.equal(failed.steps[3]!.text, 'After hook (steps/support/hooks.ts:42)');
  assert.equal(failed.durationMs, 5 + 5 + 5 + 1 + 1);
});

test('statuses: the worst step decides, in cucumber order', () => {
  const one = (statuses: Status[]) =>
    parseCucumberMessages(
      fabricateNdjson([
        {
          name: 's',
          tags: [],
          steps: statuses.map((status, i) => ({ keyword: 'Given', text: `step ${i}`, status })),
        },
      ]),
    ).scenarios[0]!;
  assert.equal(one(['PASSED', 'PENDING', 'SKIPPED']).status, 'pending');
  assert.equal(one(['UNDEFINED', 'SKIPPED']).status, 'undefined');
  assert.equal(one(['UNDEFINED', 'SKIPPED']).error, 'no step definition matches');
  assert.equal(one(['AMBIGUOUS', 'SKIPPED']).status, 'ambiguous');
  assert.equal(one(['PASSED', 'FAILED', 'SKIPPED']).status, 'failed');
  assert.equal(one(['PASSED', 'FAILED', 'SKIPPED']).failedStep, 'Given step 1');
});

test('retried scenarios: the last attempt counts', () => {
  const run = parseCucumberMessages(
    fabricateNdjson([
      {
        name: 'flaky, then good',
        tags: ['@HS-3'],
        earlierAttempts: [['FAILED'], ['FAILED']],
        steps: [{ keyword: 'Then', text: 'it works' }],
      },
      {
        name: 'good, then bad',
        tags: ['@HS-4'],
        earlierAttempts: [['PASSED']],
        steps: [{ keyword: 'Then', text: 'it works', status: 'FAILED', error: 'second time' }],
      },
    ]),
  );
  assert.deepEqual(
    run.scenarios.map((s) => [s.name, s.status, s.attempts, s.error]),
    [
      ['flaky, then good', 'passed', 3, undefined],
      ['good, then bad', 'failed', 2, 'second time'],
    ],
  );
});

test('a scenario the run stopped inside is failed; a line that is not JSON is a warning', () => {
  const ndjson = fabricateNdjson([
    {
      name: 'cut off',
      tags: ['@HS-3'],
      steps: [{ keyword: 'Given', text: 'a start' }],
      unfinished: true,
    },
  ]);
  const run = parseCucumberMessages(`${ndjson}{"testRunFinished": {"timest`);
  assert.equal(run.scenarios[0]!.status, 'failed');
  assert.match(run.scenarios[0]!.error ?? '', /did not finish/);
  assert.equal(run.warnings.length, 1);
  assert.match(run.warnings[0]!, /not JSON/);
});

test('a pickle without a location takes its line from the Gherkin document', () => {
  const run = parseCucumberMessages(
    fabricateNdjson([
      { name: 'old style', tags: [], steps: [{ keyword: 'Given', text: 'x' }], noLocation: true },
    ]),
  );
  assert.equal(run.scenarios[0]!.location, 'features/fake.feature:10');
});

test('pickles that the run filtered out are not scenarios of the run', () => {
  // A --name or --tags filter leaves the pickle in the stream but makes no test case of it.
  const lines = fabricateNdjson(FOUR).split('\n');
  const fourth = JSON.parse(lines.find((l) => l.includes(FOUR[3]!.name))!).pickle.id as string;
  const filtered = lines.filter(
    (l) => !(l.startsWith('{"testCase":') && l.includes(`"pickleId":"${fourth}"`)),
  );
  assert.deepEqual(
    parseCucumberMessages(filtered.join('\n')).scenarios.map((s) => s.name),
    FOUR.slice(0, 3).map((s) => s.name),
  );
});

// ------------------------------------------------------------ verdicts

test('verdicts: pass, fail, non-strict, unimplemented, unchecked; unknown ids warned, other tags ignored', () => {
  const run = parseCucumberMessages(fabricateNdjson(FOUR));
  const { clauses, warnings, untagged } = judgeClauses(run.scenarios, registry);
  assert.equal(clauses.length, registry.length);
  assert.equal(verdictOf(clauses, 'HS-1'), 'pass');
  assert.equal(verdictOf(clauses, 'HS-2'), 'fail');
  assert.equal(verdictOf(clauses, 'UP-2'), 'fail');
  assert.equal(verdictOf(clauses, 'HS-8'), 'non-strict');
  assert.equal(verdictOf(clauses, 'HS-5'), 'unimplemented');
  assert.equal(verdictOf(clauses, 'HS-3'), 'unchecked');
  assert.deepEqual(warnings, [
    '@HS-999 on "A clause nobody has written steps for yet" (features/fake.feature:40) names no clause in the registry',
  ]);
  assert.deepEqual(untagged, []);
  const checked = new Set(['HS-1', 'HS-2', 'UP-2', 'HS-8', 'HS-5']);
  assert.deepEqual(
    clauses.filter((v) => v.verdict === 'unchecked').map((v) => v.clause.id),
    registry.filter((c) => !checked.has(c.id)).map((c) => c.id),
  );
});

test('exit codes: a failing MUST always fails the run; a failing SHOULD only when strict', () => {
  const all = judgeClauses(parseCucumberMessages(fabricateNdjson(FOUR)).scenarios, registry);
  assert.equal(exitCodeFor(all.clauses, { strict: false }), 1);
  assert.equal(exitCodeFor(all.clauses, { strict: true }), 1);

  const withoutMust = FOUR.filter((s) => !s.tags.includes('@HS-2'));
  const should = judgeClauses(
    parseCucumberMessages(fabricateNdjson(withoutMust)).scenarios,
    registry,
  );
  assert.equal(verdictOf(should.clauses, 'HS-8'), 'non-strict');
  assert.equal(exitCodeFor(should.clauses, { strict: false }), 0);
  assert.equal(exitCodeFor(should.clauses, { strict: true }), 1);
});

test('a failing MAY clause is informational and never fails the run; a mixed clause takes its worst scenario', () => {
  const run = parseCucumberMessages(
    fabricateNdjson([
      {
        name: 'one-bit patches only to QRP1 peers',
        tags: ['@QRP-20', '@HS-1'],
        steps: [{ keyword: 'Then', text: 'no 1-bit patch', status: 'FAILED' }],
      },
      { name: 'HS-1 again, passing', tags: ['@HS-1'], steps: [{ keyword: 'Then', text: 'fine' }] },
      {
        name: 'untagged but failing',
        tags: ['@wip'],
        steps: [{ keyword: 'Then', text: 'x', status: 'FAILED' }],
      },
    ]),
  );
  const { clauses, untagged } = judgeClauses(run.scenarios, registry);
  assert.equal(verdictOf(clauses, 'QRP-20'), 'informational');
  assert.equal(verdictOf(clauses, 'HS-1'), 'fail');
  assert.deepEqual(
    untagged.map((s) => s.name),
    ['untagged but failing'],
  );
  const mayOnly = clauses.map((v) =>
    v.clause.id === 'HS-1' ? { ...v, verdict: 'pass' as const } : v,
  );
  assert.equal(exitCodeFor(mayOnly, { strict: true }), 0);
});

test('a clause whose scenarios partly passed and partly did not run still passes', () => {
  const run = parseCucumberMessages(
    fabricateNdjson([
      { name: 'ran', tags: ['@HS-7'], steps: [{ keyword: 'Then', text: 'ok' }] },
      {
        name: 'pending',
        tags: ['@HS-7'],
        steps: [{ keyword: 'Then', text: 'later', status: 'PENDING' }],
      },
    ]),
  );
  assert.equal(verdictOf(judgeClauses(run.scenarios, registry).clauses, 'HS-7'), 'pass');
});

// ------------------------------------------------------------ transcripts

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
const guid = Uint8Array.from({ length: 16 }, (_, i) => i);
const ping = encodeMessage({ guid, type: MessageType.Ping, ttl: 1, hops: 0 }, encodePing());
const pong = encodeMessage(
  { guid, type: MessageType.Pong, ttl: 1, hops: 0 },
  encodePong({
    port: 6346,
    address: '10.0.0.2',
    sharedFiles: 3,
    sharedKilobytes: 64,
    ggep: new Uint8Array(),
  }),
);
const CONNECT = 'GNUTELLA CONNECT/0.6\r\nUser-Agent: Fixture\r\nX-Ultrapeer: True\r\n\r\n';
const OK_DEFLATE = 'GNUTELLA/0.6 200 OK\r\nUser-Agent: SUT\r\nContent-Encoding: deflate\r\n\r\n';
const FINAL = 'GNUTELLA/0.6 200 OK\r\n\r\n';
const latin = (text: string) => Buffer.from(text, 'latin1');

const summaries = (items: TranscriptItem[]) =>
  items.map((i) =>
    i.kind === 'message'
      ? i.summary
      : i.kind === 'text'
        ? `text:${i.note ?? i.text.split('\r\n')[0]}`
        : `bytes:${i.note ?? ''}`,
  );

test('transcripts: handshake blocks as text, messages framed across chunks, a message packed with block (3)', () => {
  const chunks: TranscriptChunk[] = [
    { dir: 'out', at: 1000, hex: hex(latin(CONNECT)) },
    { dir: 'in', at: 1005, hex: hex(latin('GNUTELLA/0.6 200 OK\r\n\r\n')) },
    { dir: 'out', at: 1006, hex: hex(Buffer.concat([latin(FINAL), ping.subarray(0, 10)])) },
    { dir: 'out', at: 1007, hex: hex(ping.subarray(10)) },
    { dir: 'in', at: 1010, hex: hex(pong) },
  ];
  const { rows, trailing } = decodeTranscript(chunks);
  assert.deepEqual(summaries(rows[0]!.items), ['text:GNUTELLA CONNECT/0.6']);
  assert.deepEqual(summaries(rows[2]!.items), [
    'text:GNUTELLA/0.6 200 OK',
    'text:part of a message',
  ]);
  assert.deepEqual(summaries(rows[3]!.items), [
    'Ping ttl 1 hops 0, 0 bytes, guid 000102030405060708090a0b0c0d0e0f',
  ]);
  assert.deepEqual(summaries(rows[4]!.items), [
    'Pong ttl 1 hops 0, 14 bytes, guid 000102030405060708090a0b0c0d0e0f: 10.0.0.2:6346, 3 files, 64 KB',
  ]);
  assert.deepEqual(trailing, { in: [], out: [] });
});

test('transcripts: a deflated side is inflated, even split mid-stream; a broken stream falls back to bytes', () => {
  const stream = deflateSync(Buffer.concat([pong, pong]), { finishFlush: 2 /* Z_SYNC_FLUSH */ });
  const cut = Math.floor(stream.length / 2);
  const good = decodeTranscript([
    { dir: 'in', at: 0, hex: hex(latin(OK_DEFLATE)) },
    { dir: 'in', at: 1, hex: hex(stream.subarray(0, cut)) },
    { dir: 'in', at: 2, hex: hex(stream.subarray(cut)) },
  ]);
  const messages = good.rows.flatMap((r) => r.items).filter((i) => i.kind === 'message');
  assert.equal(messages.length, 2);

  const bad = decodeTranscript([
    { dir: 'in', at: 0, hex: hex(latin(OK_DEFLATE)) },
    { dir: 'in', at: 1, hex: 'ffffffffffff' },
    { dir: 'in', at: 2, hex: 'abcd' },
  ]);
  assert.match(summaries(bad.rows[1]!.items)[0]!, /^bytes:could not inflate/);
  assert.deepEqual(summaries(bad.rows[2]!.items), ['bytes:']);
});

test('transcripts: non-Gnutella streams as text, undecodable payloads named, cut-off blocks kept', () => {
  const { rows, trailing } = decodeTranscript([
    { dir: 'in', at: 0, hex: hex(latin('GIV 0:00112233445566778899aabbccddeeff/file.txt\n\n')) },
    { dir: 'out', at: 1, hex: hex(latin(CONNECT)) },
    { dir: 'out', at: 2, hex: hex(latin(FINAL)) },
    {
      dir: 'out',
      at: 3,
      hex: hex(
        encodeMessage(
          { guid, type: MessageType.RouteTableUpdate, ttl: 1, hops: 0 },
          Uint8Array.of(0, 0xe8, 3, 0, 0, 7),
        ),
      ),
    },
  ]);
  assert.deepEqual(summaries(rows[0]!.items), [
    'text:GIV 0:00112233445566778899aabbccddeeff/file.txt\n\n',
  ]);
  assert.match(
    summaries(rows[3]!.items)[0]!,
    /^QRP ttl 1 hops 0, 6 bytes, .*undecodable \(RESET table length 1000/,
  );
  assert.deepEqual(trailing, { in: [], out: [] });

  const cut = decodeTranscript([
    { dir: 'out', at: 0, hex: hex(latin('GNUTELLA CONNECT/0.6\r\nX-Filler: 1\r\n')) },
  ]);
  assert.deepEqual(cut.rows[0]!.items, []);
  assert.deepEqual(summaries(cut.trailing.out), ['text:header block never ended']);
});

// ------------------------------------------------------------ report files

async function scenarioArtefacts(scenariosDir: string, name: string, chunks: TranscriptChunk[]) {
  const dir = join(scenariosDir, scenarioSlug(name));
  await mkdir(dir, { recursive: true });
  writeFileSync(join(dir, 'fixture-1-<b>leaf &.json'), JSON.stringify(chunks));
  writeFileSync(join(dir, 'sut.log'), '{"msg":"hello"}\n');
}

test('the report: json, markdown, index and one page per checked clause, everything escaped', async () => {
  const out = join(temp, 'report');
  const scenariosDir = join(temp, 'scenarios');
  await scenarioArtefacts(scenariosDir, FOUR[1]!.name, [
    { dir: 'out', at: 5000, hex: hex(latin(CONNECT)) },
    { dir: 'in', at: 5004, hex: hex(latin(`GNUTELLA/0.6 503 ${XSS}\r\n\r\n`)) },
  ]);
  const run = parseCucumberMessages(fabricateNdjson(FOUR));
  const judgement = judgeClauses(run.scenarios, registry);
  const { summary, files } = await writeConformanceReport(
    {
      run,
      judgement,
      strict: false,
      sut: { image: 'servent:<b>test</b>', adapter: 'gnutella-servent' },
      scenariosDir,
      generatedAt: new Date('2030-01-01T00:00:00Z'),
    },
    out,
  );

  assert.deepEqual(readdirSync(join(out, 'clauses')).sort(), [
    'HS-1.html',
    'HS-2.html',
    'HS-5.html',
    'HS-8.html',
    'UP-2.html',
  ]);
  assert.equal(files.length, 3 + 5);

  const json = JSON.parse(readFileSync(join(out, 'conformance.json'), 'utf8'));
  assert.deepEqual(json, JSON.parse(JSON.stringify(summary)));
  assert.equal(json.format, 'gnutella-conformance/1');
  assert.equal(json.exitCode, 1);
  assert.deepEqual(json.sut, { image: 'servent:<b>test</b>', adapter: 'gnutella-servent' });
  assert.equal(json.totals.clauses, registry.length);
  assert.equal(json.totals.pass, 1);
  assert.equal(json.totals.fail, 2);
  assert.equal(json.totals['non-strict'], 1);
  assert.equal(json.totals.unimplemented, 1);
  assert.equal(json.totals.unchecked, registry.length - 5);
  assert.deepEqual(json.scenarios, {
    total: 4,
    passed: 1,
    failed: 2,
    ambiguous: 0,
    undefined: 0,
    pending: 0,
    skipped: 1,
  });
  const hs = json.families.find((f: { family: string }) => f.family === 'HS');
  assert.equal(hs.fail, 1);
  assert.equal(hs['non-strict'], 1);
  const hs2 = json.clauses.find((c: { id: string }) => c.id === 'HS-2');
  assert.equal(hs2.verdict, 'fail');
  assert.equal(hs2.scenarios[0].failedStep, 'Then the SUT answers with status 200');
  assert.equal(hs2.scenarios[0].artefacts, join(scenariosDir, scenarioSlug(FOUR[1]!.name)));
  assert.deepEqual(json.warnings, [
    '@HS-999 on "A clause nobody has written steps for yet" (features/fake.feature:40) names no clause in the registry',
  ]);

  const md = readFileSync(join(out, 'conformance.md'), 'utf8');
  assert.match(md, /^# Gnutella conformance report/);
  assert.match(md, /Result: \*\*FAIL\*\* \(exit 1; strict mode off\)/);
  assert.match(md, /^\| HS \| 30 \| 1 \| 1 \| 1 \| 0 \| 1 \| 26 \|$/m);
  assert.match(md, /## Failing MUST clauses \(2\)[\s\S]*### HS-2 \(MUST, handshake\.md\)/);
  assert.match(md, /- step: Then the SUT answers with status 200/);
  // The stack frames stay in the HTML; the summary keeps the message.
  assert.ok(!md.includes('steps/handshake.steps.ts:10:5'));
  assert.match(md, /## Non-strict: failing SHOULD clauses \(1\)[\s\S]*### HS-8/);
  assert.match(md, /## Unimplemented \(1\)\n\n.*\n\n- \*\*HS-5\*\*/);
  assert.match(md, new RegExp(`## Unchecked clauses \\(${registry.length - 5}\\)`));
  assert.match(md, /^- \*\*HS-3\*\* \(MUST, handshake\.md\): /m);
  assert.ok(!/^- \*\*HS-1\*\* /m.test(md));

  for (const file of files.filter((f) => f.endsWith('.html'))) {
    const html = readFileSync(file, 'utf8');
    assert.ok(!html.includes('<script'), `${file} has a raw <script>`);
    assert.ok(!html.includes('<b>'), `${file} has raw markup from the run`);
    assert.ok(!/(src|href)="(https?:)?\/\//.test(html), `${file} loads something from elsewhere`);
  }
  const index = readFileSync(join(out, 'index.html'), 'utf8');
  assert.ok(index.includes('<a href="clauses/HS-2.html">HS-2</a>'));
  assert.ok(!index.includes('clauses/HS-3.html'));
  assert.ok(index.includes(escapeHtml('servent:<b>test</b>')));

  const page = readFileSync(join(out, 'clauses', 'HS-2.html'), 'utf8');
  assert.ok(page.includes(escapeHtml(XSS)));
  assert.ok(
    page.includes('steps/handshake.steps.ts:10:5'),
    'the clause page keeps the whole error',
  );
  assert.ok(page.includes('GNUTELLA CONNECT/0.6'));
  assert.ok(page.includes(escapeHtml(`GNUTELLA/0.6 503 ${XSS}`)));
  assert.ok(page.includes('fixture-1-%3Cb%3Eleaf%20%26.json'), 'file links are URL-encoded');
  assert.ok(page.includes('+4 ms'));
  const hs1 = readFileSync(join(out, 'clauses', 'HS-1.html'), 'utf8');
  assert.ok(hs1.includes('MUST · <code>handshake.md</code>'));
  assert.ok(!hs1.includes('Artefacts'), 'no artefacts folder, no transcript section');
});

test('runReport: reads the stream, writes the report, returns the exit code and a summary paragraph', async () => {
  const dir = join(temp, 'cli');
  await mkdir(dir, { recursive: true });
  const ndjson = join(dir, 'cucumber.ndjson');
  writeFileSync(ndjson, fabricateNdjson(FOUR.filter((s) => !s.tags.includes('@HS-2'))));
  const lenient = await runReport({ ndjson, outDir: join(dir, 'out'), strict: false });
  assert.equal(lenient.exitCode, 0);
  assert.match(
    lenient.summary,
    /^Conformance: PASS \(exit 0\)\. \d+ clauses: 1 pass, 0 fail, 1 non-strict, /,
  );
  assert.match(lenient.summary, /3 scenarios \(1 passed, 1 failed, 1 skipped\)/);
  assert.ok(existsSync(join(dir, 'out', 'index.html')));

  const strict = await runReport({
    ndjson,
    outDir: join(dir, 'out'),
    strict: true,
    sut: { image: 'img:1' },
    clauses: registry,
  });
  assert.equal(strict.exitCode, 1);
  assert.match(
    strict.summary,
    /^Conformance of img:1: FAIL \(exit 1, strict\)\..* Failing: HS-8\./,
  );
  assert.equal(strict.report.strict, true);

  await assert.rejects(
    runReport({ ndjson: join(dir, 'missing.ndjson'), outDir: join(dir, 'out') }),
    /cannot read the cucumber message stream .*missing\.ndjson/,
  );
});

// ------------------------------------------------------------ a real run

/**
 * A real cucumber-js 12 message stream: the mutant SUT (docker/mutant) run on three
 * scenarios, two of which it fails (fixtures/README.md says how it was made).
 */
const REAL_RUN = join(REPO_ROOT, 'fixtures/reports/mutant-run.ndjson');
const realRuns = [REAL_RUN];

test('real cucumber-js message streams parse into one outcome per test case', () => {
  for (const file of realRuns) {
    const ndjson = readFileSync(file, 'utf8');
    const testCases = ndjson.split('\n').filter((l) => l.startsWith('{"testCase":')).length;
    const run = parseCucumberMessages(ndjson);
    assert.deepEqual(run.warnings, [], file);
    assert.equal(run.scenarios.length, testCases, file);
    assert.ok(run.cucumberVersion, file);
    for (const s of run.scenarios) {
      const where = `${file}: ${s.name}`;
      assert.match(s.location, /^features\/[\w-]+\.feature:[1-9]\d*$/, where);
      assert.ok(s.name.length > 0, where);
      assert.ok(
        s.steps.some((step) => step.kind === 'step' && step.keyword !== ''),
        where,
      );
      assert.ok(
        s.steps.every((step) => step.status !== 'unknown'),
        where,
      );
      assert.ok(s.durationMs >= 0, where);
    }
    const judged = judgeClauses(run.scenarios, registry);
    assert.ok(
      judged.clauses.some((v) => v.verdict !== 'unchecked'),
      file,
    );
    const summary = conformanceSummary({ run, judgement: judged, strict: false });
    assert.equal(summary.scenarios.total, testCases, file);
  }
});

test('the mutant run is judged as the mutant is built: UP-1 and DQ-1 fail, HS-17 is non-strict, the rest pass', () => {
  const run = parseCucumberMessages(readFileSync(REAL_RUN, 'utf8'));
  const judged = judgeClauses(run.scenarios, registry);
  const verdict = (id: string) => judged.clauses.find((c) => c.clause.id === id)?.verdict;
  assert.equal(verdict('UP-1'), 'fail');
  assert.equal(verdict('DQ-1'), 'fail');
  assert.equal(verdict('HS-17'), 'non-strict');
  for (const id of ['HS-3', 'HS-18', 'UP-3']) assert.equal(verdict(id), 'pass', id);
  assert.equal(exitCodeFor(judged.clauses, { strict: false }), 1);
});
