/**
 * The conformance report of one run, by spec clause: conformance.json for
 * programs, conformance.md for a CI summary or a pull request, and static HTML
 * (index.html, clauses/<ID>.html) for people chasing a failure. A clause page
 * shows the scenarios that check the clause, their steps, and what each
 * fixture peer saw on the wire, decoded where our core can read it.
 *
 * Everything shown comes from the run (the SUT's words, error messages, file
 * names), so every string is escaped; the pages load nothing from elsewhere.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import zlib from 'node:zlib';
import { decodeBody, type MessageBody } from '../../servent/src/core/message-body.js';
import {
  type ExtensionBlock,
  type Frame,
  formatVendorId,
  guidToHex,
  MessageFramer,
  MessageType,
} from '../../servent/src/core/wire/index.js';
import type { ClauseLevel } from './clause-registry.js';
import {
  type ClauseVerdict,
  type CucumberRun,
  exitCodeFor,
  type Judgement,
  SCENARIO_STATUSES,
  type ScenarioOutcome,
  type ScenarioStatus,
  scenarioSlug,
  VERDICTS,
  type Verdict,
} from './verdicts.js';

export const CONFORMANCE_FORMAT = 'gnutella-conformance/1';

export interface SutInfo {
  /** The Docker image under test. */
  image?: string;
  /** The adapter that drove it (harness/sut). */
  adapter?: string;
}

export interface ReportInput {
  run: CucumberRun;
  judgement: Judgement;
  strict: boolean;
  sut?: SutInfo;
  /** Where the scenarios' artefacts folders are (reports/scenarios); transcripts are read from there. */
  scenariosDir?: string;
  /** Defaults to now; fixed in tests. */
  generatedAt?: Date;
}

type VerdictCounts = Record<Verdict, number>;

export interface ScenarioSummary {
  name: string;
  location: string;
  status: ScenarioStatus;
  durationMs: number;
  attempts: number;
  failedStep?: string;
  error?: string;
  /** The scenario's artefacts folder, when the run left one. */
  artefacts?: string;
}

export interface ConformanceSummary {
  format: typeof CONFORMANCE_FORMAT;
  generatedAt: string;
  sut: SutInfo;
  strict: boolean;
  exitCode: 0 | 1;
  run: {
    startedAt?: string;
    finishedAt?: string;
    durationMs?: number;
    cucumberSuccess?: boolean;
    cucumberVersion?: string;
  };
  totals: { clauses: number } & VerdictCounts;
  scenarios: { total: number } & Record<ScenarioStatus, number>;
  families: Array<{ family: string; clauses: number } & VerdictCounts>;
  clauses: Array<{
    id: string;
    family: string;
    level: ClauseLevel;
    source: string;
    text: string;
    verdict: Verdict;
    scenarios: ScenarioSummary[];
  }>;
  /** Scenarios that tag no known clause, so count in no verdict. */
  untaggedScenarios: ScenarioSummary[];
  warnings: string[];
}

const zeroVerdicts = (): VerdictCounts =>
  Object.fromEntries(VERDICTS.map((v) => [v, 0])) as VerdictCounts;

/** Where a scenario's artefacts are: the slug folder hooks.ts writes, else the folder its attachment names. */
export function artefactsDirOf(
  scenario: ScenarioOutcome,
  scenariosDir?: string,
): string | undefined {
  const candidates = [
    scenariosDir ? join(scenariosDir, scenarioSlug(scenario.name)) : undefined,
    scenario.artefacts,
  ];
  return candidates.find((dir) => dir !== undefined && isDirectory(dir));
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function scenarioSummary(s: ScenarioOutcome, scenariosDir?: string): ScenarioSummary {
  const artefacts = artefactsDirOf(s, scenariosDir);
  return {
    name: s.name,
    location: s.location,
    status: s.status,
    durationMs: Math.round(s.durationMs),
    attempts: s.attempts,
    ...(s.failedStep !== undefined ? { failedStep: s.failedStep } : {}),
    ...(s.error !== undefined ? { error: s.error } : {}),
    ...(artefacts !== undefined ? { artefacts } : {}),
  };
}

/** The run as data: the contents of conformance.json. */
export function conformanceSummary(input: ReportInput): ConformanceSummary {
  const { run, judgement, strict } = input;
  const totals = { clauses: judgement.clauses.length, ...zeroVerdicts() };
  const families = new Map<string, { family: string; clauses: number } & VerdictCounts>();
  for (const { clause, verdict } of judgement.clauses) {
    totals[verdict]++;
    const family = families.get(clause.family) ?? {
      family: clause.family,
      clauses: 0,
      ...zeroVerdicts(),
    };
    family.clauses++;
    family[verdict]++;
    families.set(clause.family, family);
  }
  const scenarioCounts = {
    total: run.scenarios.length,
    ...(Object.fromEntries(SCENARIO_STATUSES.map((s) => [s, 0])) as Record<ScenarioStatus, number>),
  };
  for (const s of run.scenarios) scenarioCounts[s.status]++;
  return {
    format: CONFORMANCE_FORMAT,
    generatedAt: (input.generatedAt ?? new Date()).toISOString(),
    sut: input.sut ?? {},
    strict,
    exitCode: exitCodeFor(judgement.clauses, { strict }),
    run: {
      ...(run.startedAt !== undefined ? { startedAt: run.startedAt } : {}),
      ...(run.finishedAt !== undefined ? { finishedAt: run.finishedAt } : {}),
      ...(run.durationMs !== undefined ? { durationMs: Math.round(run.durationMs) } : {}),
      ...(run.success !== undefined ? { cucumberSuccess: run.success } : {}),
      ...(run.cucumberVersion !== undefined ? { cucumberVersion: run.cucumberVersion } : {}),
    },
    totals,
    scenarios: scenarioCounts,
    families: [...families.values()],
    clauses: judgement.clauses.map(({ clause, verdict, scenarios }) => ({
      id: clause.id,
      family: clause.family,
      level: clause.level,
      source: clause.source,
      text: clause.text,
      verdict,
      scenarios: scenarios.map((s) => scenarioSummary(s, input.scenariosDir)),
    })),
    untaggedScenarios: judgement.untagged.map((s) => scenarioSummary(s, input.scenariosDir)),
    warnings: [...run.warnings, ...judgement.warnings],
  };
}

const RESULT_WORD = (summary: ConformanceSummary) => (summary.exitCode === 0 ? 'PASS' : 'FAIL');

function countsText(counts: VerdictCounts): string {
  return VERDICTS.map((v) => `${counts[v]} ${v}`).join(', ');
}

function scenarioCountsText(s: ConformanceSummary['scenarios']): string {
  const parts = SCENARIO_STATUSES.filter((status) => s[status] > 0).map((st) => `${s[st]} ${st}`);
  return `${s.total} scenario${s.total === 1 ? '' : 's'}${parts.length ? ` (${parts.join(', ')})` : ''}`;
}

/** One paragraph for a terminal or a CI log. */
export function summaryParagraph(summary: ConformanceSummary): string {
  const sut = [summary.sut.image, summary.sut.adapter && `adapter ${summary.sut.adapter}`]
    .filter(Boolean)
    .join(', ');
  const failing = summary.clauses
    .filter((c) => c.verdict === 'fail' || (summary.strict && c.verdict === 'non-strict'))
    .map((c) => c.id);
  return [
    `Conformance${sut ? ` of ${sut}` : ''}: ${RESULT_WORD(summary)} (exit ${summary.exitCode}${summary.strict ? ', strict' : ''}).`,
    `${summary.totals.clauses} clauses: ${countsText(summary.totals)};`,
    `${scenarioCountsText(summary.scenarios)}.`,
    failing.length ? `Failing: ${failing.join(', ')}.` : '',
    summary.warnings.length
      ? `${summary.warnings.length} warning${summary.warnings.length === 1 ? '' : 's'}.`
      : '',
  ]
    .filter(Boolean)
    .join(' ');
}

// ---------------------------------------------------------------- Markdown

/** Run text (names, steps, warnings) in a table cell or list item: one line, no live markup. */
const mdCell = (text: string) =>
  text
    .replace(/\s*\n\s*/g, ' ')
    .replace(/\|/g, '\\|')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;');

/** A fenced block that no backtick run inside the text can close. */
function fenced(text: string): string {
  const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  return `${fence}text\n${text}\n${fence}`;
}

/** The message of an error without its stack frames (the HTML page keeps them). */
export function errorHeadline(error: string, maxLines = 12): string {
  const lines: string[] = [];
  for (const line of error.split('\n')) {
    if (/^\s+at\s/.test(line)) break;
    lines.push(line);
  }
  const head = lines.slice(0, maxLines);
  if (lines.length > maxLines) head.push(`… (${lines.length - maxLines} more lines)`);
  return head.join('\n').trimEnd();
}

const PROBLEM_SECTIONS: ReadonlyArray<[Verdict, string, string]> = [
  ['fail', 'Failing MUST clauses', 'These fail the run.'],
  ['non-strict', 'Non-strict: failing SHOULD clauses', 'These fail the run only with --strict.'],
  ['informational', 'Informational: failing MAY clauses', 'Reported only; never fail the run.'],
];

/** conformance.md: a table per family, the failing clauses in detail, the unchecked ones. */
export function conformanceMarkdown(summary: ConformanceSummary): string {
  const out: string[] = [];
  out.push('# Gnutella conformance report', '');
  if (summary.sut.image || summary.sut.adapter) {
    out.push(
      `SUT: ${[summary.sut.image && `\`${summary.sut.image}\``, summary.sut.adapter && `adapter \`${summary.sut.adapter}\``].filter(Boolean).join(', ')}  `,
    );
  }
  if (summary.run.startedAt) {
    out.push(
      `Run: ${summary.run.startedAt}${summary.run.durationMs !== undefined ? `, ${formatDuration(summary.run.durationMs)}` : ''}${summary.run.cucumberVersion ? `, cucumber-js ${summary.run.cucumberVersion}` : ''}  `,
    );
  }
  out.push(
    `Result: **${RESULT_WORD(summary)}** (exit ${summary.exitCode}; strict mode ${summary.strict ? 'on' : 'off'})  `,
    `Clauses: ${summary.totals.clauses}: ${countsText(summary.totals)}  `,
    `Scenarios: ${scenarioCountsText(summary.scenarios)}`,
    '',
    '## By family',
    '',
    `| family | clauses | ${VERDICTS.join(' | ')} |`,
    `| --- | ---: | ${VERDICTS.map(() => '---:').join(' | ')} |`,
  );
  for (const f of summary.families) {
    out.push(`| ${f.family} | ${f.clauses} | ${VERDICTS.map((v) => f[v]).join(' | ')} |`);
  }
  out.push(
    `| **all** | **${summary.totals.clauses}** | ${VERDICTS.map((v) => `**${summary.totals[v]}**`).join(' | ')} |`,
    '',
  );

  for (const [verdict, title, meaning] of PROBLEM_SECTIONS) {
    const clauses = summary.clauses.filter((c) => c.verdict === verdict);
    if (clauses.length === 0) continue;
    out.push(`## ${title} (${clauses.length})`, '', meaning, '');
    for (const c of clauses) {
      out.push(`### ${c.id} (${c.level}, ${c.source})`, '', `> ${c.text}`, '');
      for (const s of c.scenarios.filter((s) => s.status !== 'passed')) {
        out.push(`- **${s.status}**: ${mdCell(s.name)} (\`${s.location}\`)`);
        if (s.failedStep) out.push(`  - step: ${mdCell(s.failedStep)}`);
        if (s.artefacts) out.push(`  - artefacts: \`${s.artefacts}\``);
        if (s.error) out.push('', fenced(errorHeadline(s.error)).replace(/^/gm, '  '));
      }
      const passed = c.scenarios.filter((s) => s.status === 'passed').length;
      if (passed > 0) out.push(`- ${passed} other scenario${passed === 1 ? '' : 's'} passed`);
      out.push('');
    }
  }

  const unimplemented = summary.clauses.filter((c) => c.verdict === 'unimplemented');
  if (unimplemented.length > 0) {
    out.push(
      `## Unimplemented (${unimplemented.length})`,
      '',
      'Tagged, but no scenario checking them ran to a result (skipped, pending or undefined steps).',
      '',
    );
    for (const c of unimplemented) {
      out.push(
        `- **${c.id}** (${c.level}): ${c.scenarios.map((s) => `${mdCell(s.name)} — ${s.status}`).join('; ')}`,
      );
    }
    out.push('');
  }

  const unchecked = summary.clauses.filter((c) => c.verdict === 'unchecked');
  out.push(`## Unchecked clauses (${unchecked.length})`, '');
  if (unchecked.length === 0) out.push('Every clause is tagged by at least one scenario.', '');
  else {
    out.push('No scenario in this run tags these.', '');
    for (const c of unchecked) out.push(`- **${c.id}** (${c.level}, ${c.source}): ${c.text}`);
    out.push('');
  }

  if (summary.untaggedScenarios.length > 0) {
    out.push(`## Scenarios without a known clause tag (${summary.untaggedScenarios.length})`, '');
    for (const s of summary.untaggedScenarios) {
      out.push(`- ${s.status}: ${mdCell(s.name)} (\`${s.location}\`)`);
    }
    out.push('');
  }
  if (summary.warnings.length > 0) {
    out.push(`## Warnings (${summary.warnings.length})`, '');
    for (const w of summary.warnings) out.push(`- ${mdCell(w)}`);
    out.push('');
  }
  return `${out.join('\n').trimEnd()}\n`;
}

function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}

// ---------------------------------------------------------------- transcripts

/** One TCP payload as a fixture peer saw it; `in` came from the node. */
export interface TranscriptChunk {
  dir: 'in' | 'out';
  at: number;
  hex: string;
}

export type TranscriptItem =
  | { kind: 'text'; text: string; note?: string }
  | { kind: 'message'; summary: string; bytes: Uint8Array }
  | { kind: 'bytes'; bytes: Uint8Array; note?: string };

export interface TranscriptRow {
  dir: 'in' | 'out';
  at: number;
  size: number;
  items: TranscriptItem[];
}

export interface DecodedTranscript {
  rows: TranscriptRow[];
  /** What was left in each direction when the transcript ended. */
  trailing: Record<'in' | 'out', TranscriptItem[]>;
}

const GNUTELLA = 'GNUTELLA';
// Past this much compressed data, re-inflating from the start for each chunk costs too much.
const MAX_INFLATE_INPUT = 4 * 1024 * 1024;

/**
 * Reads one direction of a connection as it arrives: handshake blocks
 * (starting `GNUTELLA`) as text, then messages framed by the core's framer,
 * inflated first when this side's block said `Content-Encoding: deflate`. A
 * stream that does not start with `GNUTELLA` (HTTP, GIV, connect-back) is
 * shown as text where printable. Anything it cannot follow is shown as bytes.
 */
class DirectionReader {
  #mode: 'start' | 'messages' | 'other' | 'opaque' = 'start';
  #pending: Buffer = Buffer.alloc(0);
  #sawBlock = false;
  #deflated = false;
  readonly #framer = new MessageFramer();
  readonly #compressed: Buffer[] = [];
  #compressedBytes = 0;
  #inflated = 0;

  write(chunk: Buffer): TranscriptItem[] {
    switch (this.#mode) {
      case 'opaque':
        return [{ kind: 'bytes', bytes: chunk }];
      case 'messages':
        return this.#messages(chunk);
      case 'other':
        return otherStream(chunk);
      case 'start':
        break;
    }
    this.#pending = Buffer.concat([this.#pending, chunk]);
    const items: TranscriptItem[] = [];
    while (this.#mode === 'start' && this.#pending.length > 0) {
      const head = this.#pending.subarray(0, GNUTELLA.length).toString('latin1');
      if (head === GNUTELLA) {
        const end = blockEnd(this.#pending);
        if (end < 0) break;
        const text = this.#pending.subarray(0, end).toString('latin1');
        // Bare LF line ends are legal to read (HS-12) but worth seeing.
        const bareLf = /(^|[^\r])\n/.test(text);
        items.push(
          bareLf ? { kind: 'text', text, note: 'bare LF line ends' } : { kind: 'text', text },
        );
        if (/^content-encoding:[ \t]*deflate[ \t]*\r?$/im.test(text)) this.#deflated = true;
        this.#sawBlock = true;
        this.#pending = this.#pending.subarray(end);
      } else if (GNUTELLA.startsWith(head)) {
        break; // too few bytes yet to tell
      } else {
        const rest = this.#pending;
        this.#pending = Buffer.alloc(0);
        this.#mode = this.#sawBlock ? 'messages' : 'other';
        items.push(...(this.#sawBlock ? this.#messages(rest) : otherStream(rest)));
      }
    }
    return items;
  }

  end(): TranscriptItem[] {
    const items: TranscriptItem[] = [];
    if (this.#pending.length > 0) {
      const text = this.#pending.toString('latin1');
      items.push(
        text.startsWith(GNUTELLA) && isPrintable(this.#pending)
          ? { kind: 'text', text, note: 'header block never ended' }
          : { kind: 'bytes', bytes: this.#pending, note: 'left over' },
      );
    }
    if (this.#mode === 'messages' && this.#framer.bufferedBytes > 0) {
      items.push({
        kind: 'text',
        text: '',
        note: `${this.#framer.bufferedBytes} bytes of a message that never completed`,
      });
    }
    return items;
  }

  #messages(chunk: Buffer): TranscriptItem[] {
    let plain: Buffer = chunk;
    if (this.#deflated) {
      const inflated = this.#inflate(chunk);
      if (typeof inflated === 'string') {
        this.#mode = 'opaque';
        return [{ kind: 'bytes', bytes: chunk, note: inflated }];
      }
      plain = inflated;
    }
    const items: TranscriptItem[] = [];
    for (const frame of this.#framer.write(plain)) {
      if (!frame.ok) {
        this.#mode = 'opaque';
        items.push({
          kind: 'bytes',
          bytes: plain,
          note: `cannot frame messages from here: ${frame.error.message}`,
        });
        break;
      }
      items.push({ kind: 'message', summary: describeFrame(frame.value), bytes: frame.value.raw });
    }
    if (items.length === 0) {
      const note = this.#deflated ? 'compressed; no whole message yet' : 'part of a message';
      items.push({ kind: 'text', text: '', note });
    }
    return items;
  }

  /** The bytes this chunk adds to the inflated stream, or why it cannot be inflated. */
  #inflate(chunk: Buffer): Buffer | string {
    this.#compressed.push(chunk);
    this.#compressedBytes += chunk.length;
    if (this.#compressedBytes > MAX_INFLATE_INPUT) {
      return `compressed stream longer than ${MAX_INFLATE_INPUT} bytes; shown as sent`;
    }
    try {
      // Sync flush: a stream cut anywhere yields what it holds so far instead of an error.
      const all = zlib.inflateSync(Buffer.concat(this.#compressed), {
        finishFlush: zlib.constants.Z_SYNC_FLUSH,
      });
      const fresh = all.subarray(this.#inflated);
      this.#inflated = all.length;
      return fresh;
    } catch (err) {
      return `could not inflate the compressed stream (${(err as Error).message}); shown as sent`;
    }
  }
}

/** Index just past the blank line ending a header block (CRLF CRLF, or bare LF LF), or -1. */
function blockEnd(bytes: Buffer): number {
  const crlf = bytes.indexOf('\r\n\r\n', 0, 'latin1');
  const lf = bytes.indexOf('\n\n', 0, 'latin1');
  if (crlf < 0 && lf < 0) return -1;
  if (lf < 0 || (crlf >= 0 && crlf < lf)) return crlf + 4;
  return lf + 2;
}

function isPrintable(bytes: Uint8Array): boolean {
  return bytes.every((b) => b === 0x09 || b === 0x0a || b === 0x0d || (b >= 0x20 && b < 0x7f));
}

/** A chunk of a non-Gnutella stream: a printable head (HTTP or GIV lines) as text, the rest as bytes. */
function otherStream(chunk: Buffer): TranscriptItem[] {
  if (isPrintable(chunk)) return [{ kind: 'text', text: chunk.toString('latin1') }];
  const end = blockEnd(chunk);
  if (end > 0 && isPrintable(chunk.subarray(0, end))) {
    return [
      { kind: 'text', text: chunk.subarray(0, end).toString('latin1') },
      { kind: 'bytes', bytes: chunk.subarray(end) },
    ];
  }
  return [{ kind: 'bytes', bytes: chunk }];
}

const TYPE_NAMES: Record<number, string> = {
  [MessageType.Ping]: 'Ping',
  [MessageType.Pong]: 'Pong',
  [MessageType.Bye]: 'Bye',
  [MessageType.RouteTableUpdate]: 'QRP',
  [MessageType.Vendor]: 'Vendor',
  [MessageType.VendorStd]: 'Vendor (0x32)',
  [MessageType.Push]: 'Push',
  [MessageType.Query]: 'Query',
  [MessageType.QueryHit]: 'QueryHit',
};

const hex2 = (n: number, width = 2) => `0x${n.toString(16).padStart(width, '0')}`;
const clip = (text: string, max = 120) => (text.length > max ? `${text.slice(0, max)}…` : text);
const latin1 = (bytes: Uint8Array) => Buffer.from(bytes).toString('latin1');

/** One line about a message: its header, then what the core's decoder read from the payload. */
export function describeFrame(frame: Frame): string {
  const { header, payload } = frame;
  const name = TYPE_NAMES[header.type] ?? `type ${hex2(header.type)}`;
  const head = `${name} ttl ${header.ttl} hops ${header.hops}, ${header.length} bytes, guid ${guidToHex(header.guid)}`;
  const body = decodeBody(header.type, payload);
  if (!body.ok) return `${head}: undecodable (${body.error.message})`;
  const detail = describeBody(body.value, payload);
  return detail ? `${head}: ${detail}` : head;
}

function describeBody(body: MessageBody, payload: Uint8Array): string {
  switch (body.kind) {
    case 'ping':
      return body.ping.ggep.length ? `GGEP ${body.ping.ggep.length} bytes` : '';
    case 'pong': {
      const p = body.pong;
      return `${p.address}:${p.port}, ${p.sharedFiles} files, ${p.sharedKilobytes} KB${p.ggep.length ? `, GGEP ${p.ggep.length} bytes` : ''}`;
    }
    case 'bye':
      return `${body.bye.code} ${clip(body.bye.reason.split(/\r?\n/)[0] ?? '')}`;
    case 'route-table-update': {
      const u = body.update;
      return u.variant === 'reset'
        ? `RESET ${u.tableLength} slots, infinity ${u.infinity}`
        : `PATCH ${u.seqNo}/${u.seqSize}, compressor ${u.compressor}, ${u.entryBits}-bit, ${u.data.length} bytes`;
    }
    case 'vendor': {
      const view = Buffer.from(payload);
      const id = formatVendorId({
        vendor: latin1(payload.subarray(0, 4)),
        selector: view.readUInt16LE(4),
        version: view.readUInt16LE(6),
      });
      const fields = Object.entries(body.vendor)
        .filter(([key]) => key !== 'kind' && key !== 'version')
        .map(([key, value]) => {
          if (Array.isArray(value)) return `${key}: ${value.length}`;
          if (value instanceof Uint8Array) return `${key}: ${value.length} bytes`;
          return `${key} ${String(value)}`;
        });
      return `${id} ${body.vendor.kind}${fields.length ? ` (${fields.join(', ')})` : ''}`;
    }
    case 'push': {
      const p = body.push;
      return `servent ${guidToHex(p.serventId)}, file ${p.fileIndex}, to ${p.address}:${p.port}`;
    }
    case 'query': {
      const q = body.query;
      const ext = describeExtensions(q.extensions);
      return `"${clip(q.criteria)}" flags ${hex2(q.flags, 4)}${ext ? `; ${ext}` : ''}`;
    }
    case 'query-hit': {
      const h = body.hit;
      const names = h.results.slice(0, 3).map((r) => `"${clip(r.name, 60)}" (${r.size} bytes)`);
      const more = h.results.length > 3 ? `, … ${h.results.length - 3} more` : '';
      return `${h.results.length} result${h.results.length === 1 ? '' : 's'} from ${h.address}:${h.port}: ${names.join(', ')}${more}; servent ${guidToHex(h.serventId)}`;
    }
    case 'unknown':
      return `unknown payload type ${hex2(body.type)}`;
  }
}

function describeExtensions(blocks: readonly ExtensionBlock[]): string {
  return blocks
    .map((b) =>
      b.kind === 'ggep'
        ? `GGEP ${b.extensions.map((e) => e.id).join(' ')}`
        : clip(latin1(b.bytes), 80),
    )
    .join(', ');
}

/** Reads a whole transcript, both directions, row by row. */
export function decodeTranscript(chunks: readonly TranscriptChunk[]): DecodedTranscript {
  const readers = { in: new DirectionReader(), out: new DirectionReader() };
  const rows = chunks.map((chunk) => {
    const bytes = Buffer.from(chunk.hex, 'hex');
    return {
      dir: chunk.dir,
      at: chunk.at,
      size: bytes.length,
      items: readers[chunk.dir].write(bytes),
    };
  });
  return { rows, trailing: { in: readers.in.end(), out: readers.out.end() } };
}

interface TranscriptFile {
  name: string;
  transcript?: DecodedTranscript;
  problem?: string;
}

function readTranscripts(dir: string): TranscriptFile[] {
  return readdirSync(dir)
    .filter((name) => name.startsWith('fixture-') && name.endsWith('.json'))
    .sort()
    .map((name) => {
      try {
        const chunks = JSON.parse(readFileSync(join(dir, name), 'utf8')) as unknown;
        if (!Array.isArray(chunks) || !chunks.every(isChunk)) {
          return { name, problem: 'not a list of { dir, at, hex } chunks' };
        }
        return { name, transcript: decodeTranscript(chunks) };
      } catch (err) {
        return { name, problem: `unreadable: ${(err as Error).message}` };
      }
    });
}

function isChunk(value: unknown): value is TranscriptChunk {
  const c = value as TranscriptChunk;
  return (
    typeof c === 'object' &&
    c !== null &&
    (c.dir === 'in' || c.dir === 'out') &&
    typeof c.at === 'number' &&
    typeof c.hex === 'string' &&
    /^([0-9a-f]{2})*$/i.test(c.hex)
  );
}

// ---------------------------------------------------------------- HTML

/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}
const esc = escapeHtml;

/** Clause text: escaped, then `code` and **bold** spans, the only markdown the clauses use. */
function inlineMarkdown(text: string): string {
  return esc(text)
    .replace(/`([^`]+)`/g, '<code>$1</code>')
    .replace(/\*\*([^*]+)\*\*/g, '<strong>$1</strong>');
}

/** Control characters made visible, so a transcript line shows what was sent. */
function visibleText(text: string): string {
  let out = '';
  for (const ch of text.replace(/\r\n/g, '\n')) {
    const code = ch.charCodeAt(0);
    const control = (code < 0x20 && ch !== '\n' && ch !== '\t') || code === 0x7f;
    out += control ? `\\x${code.toString(16).padStart(2, '0')}` : ch;
  }
  return out;
}

// Clause pages repeat a scenario's transcripts once per clause it tags; long dumps would swamp them.
const MESSAGE_HEX_SHOWN = 256;
const BYTES_HEX_SHOWN = 1024;

function hexDump(bytes: Uint8Array, limit: number): string {
  const shown = bytes.subarray(0, limit);
  const lines: string[] = [];
  for (let i = 0; i < shown.length; i += 32) {
    lines.push(
      Buffer.from(shown.subarray(i, i + 32))
        .toString('hex')
        .replace(/(..)(?!$)/g, '$1 '),
    );
  }
  if (bytes.length > limit) lines.push(`… ${bytes.length - limit} more bytes`);
  return lines.join('\n');
}

const STYLE = `
body { font: 15px/1.45 system-ui, sans-serif; margin: 1.5em auto; max-width: 72em; padding: 0 1em; color: #222; }
h1, h2, h3 { line-height: 1.2; }
table { border-collapse: collapse; margin: .5em 0 1em; }
th, td { border: 1px solid #ccc; padding: .25em .5em; text-align: left; vertical-align: top; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
code, pre { font: 13px/1.35 ui-monospace, monospace; }
pre { background: #f6f6f6; padding: .4em .6em; overflow-x: auto; white-space: pre-wrap; word-break: break-all; margin: .2em 0; }
blockquote { margin: .5em 0; padding: .3em 1em; border-left: 4px solid #bbb; background: #fafafa; }
.badge { display: inline-block; padding: 0 .45em; border-radius: .3em; font-size: 90%; font-weight: 600; }
.pass, .passed { background: #d8f0d8; color: #145214; }
.fail, .failed, .ambiguous { background: #f8d4d4; color: #7a1010; }
.non-strict { background: #fde6c4; color: #6b3d00; }
.informational { background: #d8e6f8; color: #173d6b; }
.unimplemented, .undefined, .pending, .skipped, .unknown { background: #e6e6e6; color: #444; }
.unchecked { background: #f4f4f4; color: #777; }
ol.steps { padding-left: 1.5em; }
ol.steps li { margin: .15em 0; }
.kw { font-weight: 600; }
.muted { color: #777; }
section.scenario { border-top: 1px solid #ddd; margin-top: 1.5em; }
table.transcript td { font: 13px/1.35 ui-monospace, monospace; }
table.transcript td.dir { white-space: nowrap; }
tr.in td.dir { color: #7a1010; }
tr.out td.dir { color: #173d6b; }
details summary { cursor: pointer; color: #555; }
`;

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title>
<style>${STYLE}</style>
</head>
<body>
${body}
</body>
</html>
`;
}

const badge = (word: string) => `<span class="badge ${esc(word)}">${esc(word)}</span>`;

/** A relative link target, each path segment URL-encoded. */
function href(fromDir: string, target: string): string {
  return relative(fromDir, target).split(sep).map(encodeURIComponent).join('/');
}

export function indexHtml(summary: ConformanceSummary, checkedIds: ReadonlySet<string>): string {
  const b: string[] = [];
  b.push('<h1>Gnutella conformance report</h1>');
  const facts: string[] = [];
  if (summary.sut.image) facts.push(`SUT image <code>${esc(summary.sut.image)}</code>`);
  if (summary.sut.adapter) facts.push(`adapter <code>${esc(summary.sut.adapter)}</code>`);
  if (summary.run.startedAt) facts.push(`run started ${esc(summary.run.startedAt)}`);
  if (summary.run.durationMs !== undefined)
    facts.push(`took ${esc(formatDuration(summary.run.durationMs))}`);
  facts.push(`strict mode ${summary.strict ? 'on' : 'off'}`);
  b.push(
    `<p>${badge(summary.exitCode === 0 ? 'pass' : 'fail')} <strong>${RESULT_WORD(summary)}</strong> (exit ${summary.exitCode}) · ${facts.join(' · ')}</p>`,
    `<p>${summary.totals.clauses} clauses: ${VERDICTS.map((v) => `${badge(v)} ${summary.totals[v]}`).join(' ')}<br>${esc(scenarioCountsText(summary.scenarios))}</p>`,
    '<p class="muted">pass: every scenario checking the clause passed · fail: a MUST clause failed · non-strict: a SHOULD clause failed · informational: a MAY clause failed (never fails the run) · unimplemented: its scenarios did not run to a result · unchecked: no scenario tags it.</p>',
  );

  b.push('<h2>By family</h2><table><tr><th>family</th><th>clauses</th>');
  b.push(`${VERDICTS.map((v) => `<th>${esc(v)}</th>`).join('')}</tr>`);
  for (const f of summary.families) {
    b.push(
      `<tr><td><a href="#family-${esc(f.family)}">${esc(f.family)}</a></td><td class="n">${f.clauses}</td>${VERDICTS.map((v) => `<td class="n">${f[v] || ''}</td>`).join('')}</tr>`,
    );
  }
  b.push(
    `<tr><th>all</th><th class="n">${summary.totals.clauses}</th>${VERDICTS.map((v) => `<th class="n">${summary.totals[v]}</th>`).join('')}</tr></table>`,
  );

  const link = (id: string) =>
    checkedIds.has(id) ? `<a href="clauses/${esc(id)}.html">${esc(id)}</a>` : esc(id);
  const problems = summary.clauses.filter((c) =>
    ['fail', 'non-strict', 'informational'].includes(c.verdict),
  );
  if (problems.length > 0) {
    b.push(
      '<h2>Failing clauses</h2><table><tr><th>clause</th><th>verdict</th><th>scenario</th><th>failed step</th><th>error</th></tr>',
    );
    for (const c of problems) {
      for (const s of c.scenarios.filter((s) => s.status !== 'passed')) {
        b.push(
          `<tr><td>${link(c.id)}</td><td>${badge(c.verdict)}</td><td>${esc(s.name)}<br><span class="muted">${esc(s.location)}</span></td><td>${esc(s.failedStep ?? '')}</td><td><pre>${esc(errorHeadline(s.error ?? '', 4))}</pre></td></tr>`,
        );
      }
    }
    b.push('</table>');
  }

  b.push('<h2>Clauses</h2>');
  for (const f of summary.families) {
    b.push(`<h3 id="family-${esc(f.family)}">${esc(f.family)}</h3>`);
    b.push(
      '<table><tr><th>clause</th><th>level</th><th>verdict</th><th>scenarios</th><th>text</th></tr>',
    );
    for (const c of summary.clauses.filter((c) => c.family === f.family)) {
      const passed = c.scenarios.filter((s) => s.status === 'passed').length;
      b.push(
        `<tr><td>${link(c.id)}</td><td>${esc(c.level)}</td><td>${badge(c.verdict)}</td><td class="n">${c.scenarios.length ? `${passed}/${c.scenarios.length}` : ''}</td><td>${inlineMarkdown(c.text)}</td></tr>`,
      );
    }
    b.push('</table>');
  }

  if (summary.untaggedScenarios.length > 0) {
    b.push('<h2>Scenarios without a known clause tag</h2><ul>');
    for (const s of summary.untaggedScenarios) {
      b.push(
        `<li>${badge(s.status)} ${esc(s.name)} <span class="muted">${esc(s.location)}</span></li>`,
      );
    }
    b.push('</ul>');
  }
  if (summary.warnings.length > 0) {
    b.push('<h2>Warnings</h2><ul>');
    for (const w of summary.warnings) b.push(`<li>${esc(w)}</li>`);
    b.push('</ul>');
  }
  return page('Gnutella conformance report', b.join('\n'));
}

export function clauseHtml(
  verdict: ClauseVerdict,
  options: {
    clausesDir: string;
    scenariosDir?: string;
    transcripts: (dir: string) => TranscriptFile[];
  },
): string {
  const { clause } = verdict;
  const b: string[] = [];
  b.push('<p><a href="../index.html">← all clauses</a></p>');
  b.push(`<h1>${esc(clause.id)} ${badge(verdict.verdict)}</h1>`);
  b.push(
    `<p>${esc(clause.level)} · <code>${esc(clause.source)}</code> · family ${esc(clause.family)}</p>`,
    `<blockquote>${inlineMarkdown(clause.text)}</blockquote>`,
    `<h2>Scenarios checking it (${verdict.scenarios.length})</h2>`,
  );
  for (const s of verdict.scenarios) b.push(scenarioHtml(s, options));
  return page(`${clause.id}: ${verdict.verdict}`, b.join('\n'));
}

function scenarioHtml(
  s: ScenarioOutcome,
  options: {
    clausesDir: string;
    scenariosDir?: string;
    transcripts: (dir: string) => TranscriptFile[];
  },
): string {
  const b: string[] = [];
  b.push('<section class="scenario">');
  b.push(`<h3>${esc(s.name)} ${badge(s.status)}</h3>`);
  const facts = [
    `<code>${esc(s.location)}</code>`,
    s.feature ? `feature “${esc(s.feature)}”` : '',
    esc(formatDuration(s.durationMs)),
    s.attempts > 1 ? `${s.attempts} attempts (retried); the last one counts` : '',
    `tags ${esc(s.tags.join(' '))}`,
  ].filter(Boolean);
  b.push(`<p>${facts.join(' · ')}</p>`);

  b.push('<ol class="steps">');
  for (const step of s.steps) {
    // Passing and skipped hooks are plumbing; a hook that failed is the story.
    if (step.kind === 'hook' && (step.status === 'passed' || step.status === 'skipped')) continue;
    b.push(
      `<li>${badge(step.status)} <span class="kw">${esc(step.keyword)}</span> ${esc(step.text)} <span class="muted">${esc(formatDuration(step.durationMs))}</span>${step.error ? `<pre>${esc(step.error)}</pre>` : ''}</li>`,
    );
  }
  b.push('</ol>');
  if (s.error && !s.steps.some((step) => step.error === s.error))
    b.push(`<pre>${esc(s.error)}</pre>`);

  if (s.attachments.length > 0) {
    b.push('<h4>Attachments</h4>');
    for (const a of s.attachments) b.push(`<pre>${esc(a.text)}</pre>`);
  }

  const dir = artefactsDirOf(s, options.scenariosDir);
  if (dir) {
    const files = readdirSync(dir).sort();
    b.push(
      `<h4>Artefacts</h4><p><a href="${esc(href(options.clausesDir, dir))}">${esc(dir)}</a>: ${files
        .map((f) => `<a href="${esc(href(options.clausesDir, join(dir, f)))}">${esc(f)}</a>`)
        .join(', ')}</p>`,
    );
    for (const file of options.transcripts(dir)) b.push(transcriptHtml(file));
  }
  b.push('</section>');
  return b.join('\n');
}

const DIRECTION = { in: 'node → fixture', out: 'fixture → node' } as const;

function itemHtml(item: TranscriptItem): string {
  const note = 'note' in item && item.note ? `<em class="muted">${esc(item.note)}</em>` : '';
  switch (item.kind) {
    case 'text':
      return item.text ? `${note}<pre>${esc(visibleText(item.text))}</pre>` : note;
    case 'message':
      return `<div>${esc(item.summary)}<details><summary>${item.bytes.length} bytes</summary><pre>${esc(hexDump(item.bytes, MESSAGE_HEX_SHOWN))}</pre></details></div>`;
    case 'bytes':
      return `${note}<pre>${esc(hexDump(item.bytes, BYTES_HEX_SHOWN))}</pre>`;
  }
}

function transcriptHtml(file: TranscriptFile): string {
  if (!file.transcript) {
    return `<h4>${esc(file.name)}</h4><p class="muted">${esc(file.problem ?? 'no transcript')}</p>`;
  }
  const { rows, trailing } = file.transcript;
  const t0 = rows[0]?.at ?? 0;
  const b: string[] = [];
  b.push(
    `<h4>${esc(file.name)}</h4><p class="muted">${rows.length} TCP payloads${rows.length ? ` from ${esc(new Date(t0).toISOString())}` : ''}; times relative to the first.</p>`,
  );
  if (rows.length === 0) return b.join('\n');
  b.push(
    '<table class="transcript"><tr><th>t</th><th>direction</th><th>bytes</th><th>content</th></tr>',
  );
  for (const row of rows) {
    b.push(
      `<tr class="${row.dir}"><td class="n">+${row.at - t0} ms</td><td class="dir">${DIRECTION[row.dir]}</td><td class="n">${row.size}</td><td>${row.items.map(itemHtml).join('')}</td></tr>`,
    );
  }
  for (const dir of ['in', 'out'] as const) {
    if (trailing[dir].length === 0) continue;
    b.push(
      `<tr class="${dir}"><td>end</td><td class="dir">${DIRECTION[dir]}</td><td></td><td>${trailing[dir].map(itemHtml).join('')}</td></tr>`,
    );
  }
  b.push('</table>');
  return b.join('\n');
}

// ---------------------------------------------------------------- files

/**
 * Writes conformance.json, conformance.md, index.html and clauses/<ID>.html
 * (one per clause some scenario tags) into `outDir`, replacing an earlier
 * report there. Returns the summary and the files written.
 */
export async function writeConformanceReport(
  input: ReportInput,
  outDir: string,
): Promise<{ summary: ConformanceSummary; files: string[] }> {
  const summary = conformanceSummary(input);
  const clausesDir = join(outDir, 'clauses');
  await rm(clausesDir, { recursive: true, force: true });
  await mkdir(clausesDir, { recursive: true });
  const files: string[] = [];
  const put = async (path: string, text: string) => {
    await writeFile(path, text);
    files.push(path);
  };
  await put(join(outDir, 'conformance.json'), `${JSON.stringify(summary, null, 2)}\n`);
  await put(join(outDir, 'conformance.md'), conformanceMarkdown(summary));

  const checked = input.judgement.clauses.filter((v) => v.scenarios.length > 0);
  await put(
    join(outDir, 'index.html'),
    indexHtml(summary, new Set(checked.map((v) => v.clause.id))),
  );
  // A scenario checks several clauses; decode its transcripts once.
  const decoded = new Map<string, TranscriptFile[]>();
  const transcripts = (dir: string) => {
    let files = decoded.get(dir);
    if (!files) {
      files = existsSync(dir) ? readTranscripts(dir) : [];
      decoded.set(dir, files);
    }
    return files;
  };
  for (const verdict of checked) {
    await put(
      join(clausesDir, `${verdict.clause.id}.html`),
      clauseHtml(verdict, {
        clausesDir,
        ...(input.scenariosDir !== undefined ? { scenariosDir: input.scenariosDir } : {}),
        transcripts,
      }),
    );
  }
  return { summary, files };
}
