/**
 * Replays a `gnutella-fixture/1` against a servent under test over a real TCP
 * connection: plays the fixture's side byte for byte (deflating when its
 * blocks say so), reads the SUT's blocks and messages (inflating when the
 * SUT's blocks say so), and judges each expected frame with the fixture's
 * matchers. Alternatives share the one connection: the fixture plays a send
 * when the first transcript still matching reaches it, and every transcript
 * is judged on the same frames. A SUT that misbehaves gets a verdict, never an
 * exception; only a fixture that cannot be replayed throws.
 */
import {
  announcesDeflate,
  BlockReader,
  type HeaderBlock,
} from '../../servent/src/core/handshake/index.js';
import { decodeBody, type MessageBody } from '../../servent/src/core/message-body.js';
import { encodeHeader } from '../../servent/src/core/wire/index.js';
import {
  describeMatcher,
  describeMessage,
  type ExpectStep,
  type Fixture,
  isExpect,
  isSend,
  mismatch,
  type SendStep,
  type Step,
  sameAsIndex,
  typeName,
} from '../fixtures/fixture.js';
import { TimeoutError } from './byte-inbox.js';
import { type Endpoint, FixtureListener, FixturePeer } from './fixture-peer.js';

export interface ReplayOptions {
  /** How long the TCP connection may take: ours to the SUT, or the SUT's to the listener; default 10 s. */
  connectMs?: number;
  /** The whole replay, connecting included; default `connectMs` plus the longest transcript's `within_ms`. */
  timeoutMs?: number;
}

/** A frame as the report shows it: a block's text, or a message's bytes and decoded fields. */
export interface Observed {
  /** Since the connection opened. */
  at_ms: number;
  text?: string;
  hex?: string;
  type?: string;
  guid?: string;
  ttl?: number;
  hops?: number;
  fields?: unknown;
  /** The payload did not decode. */
  error?: string;
}

export type StepKind =
  | 'send-block'
  | 'send-message'
  | 'expect-block'
  | 'expect-message'
  | 'expect-open';

export interface StepReport {
  index: number;
  kind: StepKind;
  expected: string;
  observed?: Observed;
  ok: boolean;
  why?: string;
}

export interface ReplayVerdict {
  fixture: string;
  /** `pass`, the name of the alternative that matched, or `fail`. */
  verdict: string;
  /** Which of `alternatives[verdict]` matched; absent when `steps` did (or nothing did). */
  alternative?: number;
  /** Why the reported transcript failed. */
  why?: string;
  /** The matching transcript's steps, or the main transcript's when nothing matched. */
  steps: StepReport[];
  /** Transcripts tried before the verdict's, or all of them on a fail, and why each failed. */
  tried: Array<{ verdict: string; alternative?: number; why: string }>;
  durationMs: number;
  /** Both directions as they crossed the wire (compressed where compressed). */
  transcript: Array<{ dir: 'in' | 'out'; at: number; hex: string }>;
}

interface Candidate {
  verdict: string;
  alternative?: number;
  steps: Step[];
}

interface Run extends Candidate {
  cursor: number;
  /** The next SUT frame this transcript may use. */
  pos: number;
  /** When the step before the cursor ended: a send went out or a frame it matched arrived. */
  ref: number;
  /** GUIDs of the messages each step played or matched, for `same-as:N`. */
  guids: Map<number, string>;
  reports: StepReport[];
  failed?: string;
}

type SutFrame =
  | { kind: 'block'; at: number; block: HeaderBlock }
  | { kind: 'message'; at: number; bytes: Buffer; body: MessageBody | undefined; error?: string };

type Judgement =
  | { state: 'pending'; waiting: string }
  | { state: 'ok'; frame?: SutFrame; at: number }
  | { state: 'failed'; why: string; frame?: SutFrame };

const CONNECT_MS = 10_000;

export async function replayFixture(
  fixture: Fixture,
  target: Endpoint | FixtureListener,
  options: ReplayOptions = {},
): Promise<ReplayVerdict> {
  const candidates = candidatesOf(fixture);
  const connectMs = options.connectMs ?? CONNECT_MS;
  const timeoutMs =
    options.timeoutMs ??
    connectMs +
      Math.max(
        ...candidates.map((c) => c.steps.reduce((n, s) => n + (isExpect(s) ? s.within_ms : 0), 0)),
      );
  const began = Date.now();
  const listening = target instanceof FixtureListener;
  if (listening !== (fixture.peer.side === 'responder'))
    throw new Error(
      `fixture "${fixture.name}" plays the ${fixture.peer.side}: give it ${fixture.peer.side === 'responder' ? 'a FixtureListener the SUT connects to' : 'the endpoint of the SUT'}`,
    );
  let peer: FixturePeer;
  try {
    peer = listening
      ? await target.accept(Math.min(timeoutMs, connectMs))
      : await FixturePeer.connect(target, `replay ${fixture.name}`, Math.min(timeoutMs, connectMs));
  } catch (err) {
    const why = `no connection: ${err instanceof Error ? err.message : String(err)}`;
    return {
      fixture: fixture.name,
      verdict: 'fail',
      why,
      steps: [],
      tried: [],
      durationMs: Date.now() - began,
      transcript: [],
    };
  }
  try {
    return await new Replay(fixture, candidates, peer, began + timeoutMs, timeoutMs).run();
  } finally {
    peer.close();
  }
}

/** `steps` (verdict pass) first, then each alternative in the order the file lists them. */
function candidatesOf(fixture: Fixture): Candidate[] {
  return [
    { verdict: 'pass', steps: fixture.steps },
    ...Object.entries(fixture.alternatives ?? {}).flatMap(([verdict, list]) =>
      list.map((steps, alternative) => ({ verdict, alternative, steps })),
    ),
  ];
}

class Replay {
  readonly #start = Date.now();
  readonly #frames: SutFrame[] = [];
  readonly #runs: Run[];
  /** The SUT writes one block as responder, two as initiator; messages follow its last. */
  readonly #blocksWanted: number;
  #blocksRead = 0;
  #messagesStarted = false;
  #messagesSeen = 0;
  /** The SUT's stream can no longer be read: a malformed block, a bad zlib stream, bad framing. */
  #problem: string | undefined;
  #sendsDone = 0;
  #snapshot = { arrivals: 0, messages: 0, ended: false };

  constructor(
    readonly fixture: Fixture,
    candidates: Candidate[],
    readonly peer: FixturePeer,
    readonly deadline: number,
    readonly timeoutMs: number,
  ) {
    this.#runs = candidates.map((c) => ({
      ...c,
      cursor: 0,
      pos: 0,
      ref: this.#start,
      guids: new Map(),
      reports: [],
    }));
    this.#blocksWanted = fixture.steps.filter(
      (s) => isExpect(s) && s.expect.kind === 'block',
    ).length;
  }

  async run(): Promise<ReplayVerdict> {
    for (;;) {
      await this.#pull();
      const now = Date.now();
      for (const run of this.#live()) this.#advance(run, now);
      const top = this.#live()[0];
      if (!top) return this.#verdict(undefined);
      if (top.cursor === top.steps.length) return this.#verdict(top);
      if (now >= this.deadline) {
        for (const run of this.#live())
          this.#fail(run, `the replay was still running after ${this.timeoutMs} ms (timeoutMs)`);
        continue;
      }
      const step = top.steps[top.cursor]!;
      if (isSend(step)) {
        this.#send(top, step);
        continue;
      }
      await this.#waitForChange(Math.min(this.deadline, this.#nextDeadline()) - now);
    }
  }

  #live(): Run[] {
    return this.#runs.filter((r) => r.failed === undefined);
  }

  /** The earliest time a pending expect of a live transcript runs out. */
  #nextDeadline(): number {
    let next = Number.POSITIVE_INFINITY;
    for (const run of this.#live()) {
      const step = run.steps[run.cursor];
      if (step && isExpect(step)) next = Math.min(next, run.ref + step.within_ms);
    }
    return next;
  }

  // ---------------------------------------------------------------- reading the SUT

  /** Takes whatever the SUT has sent since the last call: whole blocks, then framed messages. */
  async #pull(): Promise<void> {
    const inbox = this.peer.inbox;
    this.#snapshot = {
      arrivals: inbox.arrivals.length,
      messages: this.peer.messages.length,
      ended: inbox.endedAt !== undefined,
    };
    while (this.#blocksRead < this.#blocksWanted && this.#problem === undefined) {
      const r = new BlockReader().write(inbox.pending);
      if (r.kind === 'incomplete') break;
      if (r.kind === 'error') {
        this.#problem = `the SUT sent a malformed header block: ${r.error.message}`;
        break;
      }
      inbox.take(inbox.pending.length - r.rest.length);
      this.#frames.push({ kind: 'block', at: Date.now(), block: r.block });
      if (++this.#blocksRead === this.#blocksWanted) this.#startMessages();
    }
    if (!this.#messagesStarted) return;
    for (const m of this.peer.messages.slice(this.#messagesSeen)) {
      const bytes = Buffer.concat([encodeHeader(m.header), m.payload]);
      const body = decodeBody(m.header.type, m.payload);
      this.#frames.push({
        kind: 'message',
        at: m.at,
        bytes,
        body: body.ok ? body.value : undefined,
        ...(!body.ok && { error: body.error.message }),
      });
    }
    this.#messagesSeen = this.peer.messages.length;
    this.#problem ??= await streamError(this.peer);
  }

  /** After the SUT's last block: inflate if it announced deflate, deflate if our blocks did. */
  #startMessages(): void {
    const sutCompresses = this.#frames.some(
      (f) => f.kind === 'block' && announcesDeflate(f.block.headers),
    );
    const weCompress = this.fixture.steps.some(
      (s) =>
        isSend(s) && s.send.kind === 'block' && announcesDeflate(parseBlock(s.send.text).headers),
    );
    const { windowBits, level } = this.fixture.deflate ?? { windowBits: 15, level: 6 };
    this.peer.startMessages({
      receive: sutCompresses,
      send: weCompress ? { windowBits, level } : false,
    });
    this.#messagesStarted = true;
  }

  async #waitForChange(ms: number): Promise<void> {
    const inbox = this.peer.inbox;
    const before = this.#snapshot;
    let first = true;
    try {
      await inbox.waitFor(
        () => {
          // Anything that arrived while #pull awaited counts; after that, any wake-up does.
          if (!first) return true;
          first = false;
          const changed =
            inbox.arrivals.length !== before.arrivals ||
            this.peer.messages.length !== before.messages ||
            (inbox.endedAt !== undefined) !== before.ended;
          return changed ? true : undefined;
        },
        Math.max(1, ms),
        'a change',
      );
    } catch (err) {
      if (!(err instanceof TimeoutError)) throw err;
    }
  }

  // ---------------------------------------------------------------- judging

  /** Moves a transcript over every expect the frames so far satisfy; stops at a send or a wait. */
  #advance(run: Run, now: number): void {
    while (run.failed === undefined && run.cursor < run.steps.length) {
      const step = run.steps[run.cursor]!;
      if (isSend(step)) return;
      const j = this.#judge(run, step, now);
      if (j.state === 'pending') return;
      const report: StepReport = {
        index: run.cursor,
        kind: `expect-${step.expect.kind}`,
        expected: describeExpect(step),
        ...(j.frame && { observed: this.#observed(j.frame) }),
        ok: j.state === 'ok',
        ...(j.state === 'failed' && { why: j.why }),
      };
      run.reports.push(report);
      if (j.state === 'failed') {
        run.failed = `step ${run.cursor} (${report.kind}): ${j.why}`;
        return;
      }
      if (j.frame) {
        run.pos = this.#frames.indexOf(j.frame) + 1;
        if (j.frame.kind === 'message')
          run.guids.set(run.cursor, j.frame.bytes.subarray(0, 16).toString('hex'));
      }
      run.ref = j.at;
      run.cursor++;
    }
  }

  #judge(run: Run, step: ExpectStep, now: number): Judgement {
    const due = run.ref + step.within_ms;
    const gone = (what: string): Judgement | undefined => {
      if (this.#problem) return { state: 'failed', why: `${this.#problem}, before ${what}` };
      const ended = this.peer.inbox.endedAt;
      if (ended !== undefined)
        return {
          state: 'failed',
          why: `the SUT closed the connection at +${ended - this.#start} ms, before ${what}`,
        };
      return undefined;
    };
    const e = step.expect;
    if (e.kind === 'open') {
      const ended = this.peer.inbox.endedAt;
      if (this.#problem || (ended !== undefined && ended < due))
        return gone(`${step.within_ms} ms had passed`)!;
      return now >= due ? { state: 'ok', at: due } : { state: 'pending', waiting: 'time to pass' };
    }
    if (e.kind === 'block') {
      const frame = this.#frames[run.pos];
      if (!frame) {
        const what = `its header block`;
        return (
          gone(what) ??
          (now > due
            ? { state: 'failed', why: `no header block within ${step.within_ms} ms` }
            : { state: 'pending', waiting: what })
        );
      }
      if (frame.kind !== 'block')
        return { state: 'failed', why: 'a message came where a header block was expected', frame };
      if (frame.at > due)
        return {
          state: 'failed',
          why: `the block came after ${frame.at - run.ref} ms, later than ${step.within_ms} ms`,
          frame,
        };
      const problems = blockMismatches(e, frame.block);
      return problems.length > 0
        ? { state: 'failed', why: problems.join('; '), frame }
        : { state: 'ok', frame, at: frame.at };
    }
    const misses: string[] = [];
    for (let i = run.pos; i < this.#frames.length; i++) {
      const frame = this.#frames[i]!;
      if (frame.kind !== 'message' || frame.bytes[16] !== e.type) continue;
      const problems = messageMismatches(e, frame, run);
      if (problems.length === 0) {
        if (frame.at > due)
          return {
            state: 'failed',
            why: `the ${typeName(e.type)} came after ${frame.at - run.ref} ms, later than ${step.within_ms} ms`,
            frame,
          };
        return { state: 'ok', frame, at: frame.at };
      }
      misses.push(
        `+${frame.at - this.#start} ms ${frame.bytes.subarray(0, 16).toString('hex')}: ${problems.join(', ')}`,
      );
    }
    const what = `a ${typeName(e.type)} matching it`;
    const seen =
      misses.length === 0
        ? `no ${typeName(e.type)} at all`
        : `${misses.length} ${typeName(e.type)}(s) that did not match: ${misses.slice(0, 3).join(' | ')}${misses.length > 3 ? ' | …' : ''}`;
    const failed = gone(what);
    if (failed && failed.state === 'failed')
      return { ...failed, why: `${failed.why}; seen ${seen}` };
    if (now > due)
      return {
        state: 'failed',
        why: `no matching ${typeName(e.type)} within ${step.within_ms} ms; seen ${seen}`,
      };
    return { state: 'pending', waiting: `${what} (so far ${seen})` };
  }

  #fail(run: Run, why: string): void {
    const step = run.steps[run.cursor];
    run.reports.push({
      index: run.cursor,
      kind: step ? kindOf(step) : 'expect-open',
      expected: step ? (isSend(step) ? describeSend(step) : describeExpect(step)) : '',
      ok: false,
      why,
    });
    run.failed = `step ${run.cursor}: ${why}`;
  }

  // ---------------------------------------------------------------- playing

  /** Plays the top transcript's next send; transcripts not ready for it stop matching. */
  #send(top: Run, step: SendStep): void {
    const at = Date.now();
    let bytes: Buffer;
    if (step.send.kind === 'block') {
      bytes = Buffer.from(step.send.text, 'latin1');
      this.peer.write(bytes);
    } else {
      bytes = Buffer.from(step.send.hex, 'hex');
      const ref = step.send.guid === undefined ? undefined : sameAsIndex(step.send.guid);
      if (ref !== undefined) Buffer.from(top.guids.get(ref)!, 'hex').copy(bytes, 0);
      if (this.#messagesStarted) this.peer.sendMessage(bytes);
      else throw new Error(`step ${top.cursor}: a message before the SUT's handshake ended`);
    }
    const observed: Observed =
      step.send.kind === 'block'
        ? { at_ms: at - this.#start, text: step.send.text }
        : { at_ms: at - this.#start, ...messageFields(bytes, undefined) };
    const ordinal = this.#sendsDone++;
    for (const run of this.#live()) {
      const here = run.steps[run.cursor];
      if (here && isSend(here) && sendOrdinal(run.steps, run.cursor) === ordinal) {
        run.reports.push({
          index: run.cursor,
          kind: kindOf(here),
          expected: describeSend(here),
          observed,
          ok: true,
        });
        if (step.send.kind === 'message')
          run.guids.set(run.cursor, bytes.subarray(0, 16).toString('hex'));
        run.ref = at;
        run.cursor++;
        continue;
      }
      const j = here && isExpect(here) ? this.#judge(run, here, at) : undefined;
      this.#fail(
        run,
        `not met when the fixture had to play its next frame (step ${top.cursor})${j?.state === 'pending' ? `: still waiting for ${j.waiting}` : ''}`,
      );
    }
  }

  // ---------------------------------------------------------------- reporting

  #observed(frame: SutFrame): Observed {
    const at_ms = frame.at - this.#start;
    if (frame.kind === 'block')
      return { at_ms, text: Buffer.from(frame.block.raw).toString('latin1') };
    return {
      at_ms,
      ...messageFields(frame.bytes, frame.body),
      ...(frame.error && { error: frame.error }),
    };
  }

  #verdict(winner: Run | undefined): ReplayVerdict {
    const shown = winner ?? this.#runs[0]!;
    const tried = this.#runs
      .filter(
        (r) =>
          r !== winner &&
          (winner === undefined || this.#runs.indexOf(r) < this.#runs.indexOf(winner)),
      )
      .map((r) => ({
        verdict: r.verdict,
        ...(r.alternative !== undefined && { alternative: r.alternative }),
        why: r.failed ?? 'not finished',
      }));
    return {
      fixture: this.fixture.name,
      verdict: winner?.verdict ?? 'fail',
      ...(winner?.alternative !== undefined && { alternative: winner.alternative }),
      ...(shown.failed !== undefined && { why: shown.failed }),
      steps: shown.reports,
      tried: this.#runs.length > 1 ? tried : [],
      durationMs: Date.now() - this.#start,
      transcript: this.peer.transcript(),
    };
  }
}

/**
 * The framing or inflate error FixturePeer keeps privately, if any: asking it
 * for a message no frame satisfies, with no time to wait, reports it.
 */
async function streamError(peer: FixturePeer): Promise<string | undefined> {
  try {
    await peer.nextMessage(() => false, 0, 'nothing', peer.messages.length);
  } catch (err) {
    if (err instanceof TimeoutError) return undefined;
    const message = err instanceof Error ? err.message : String(err);
    if (/closed the connection before/.test(message)) return undefined;
    return `the SUT's stream could not be read: ${message}`;
  }
  return undefined;
}

function blockMismatches(
  e: Extract<ExpectStep['expect'], { kind: 'block' }>,
  block: HeaderBlock,
): string[] {
  const problems: string[] = [];
  if (e.firstLine) {
    const why = mismatch(e.firstLine, block.firstLine);
    if (why) problems.push(`first line ${why}`);
  }
  for (const [name, m] of Object.entries(e.headers ?? {})) {
    const value = block.headers.get(name);
    if (m === 'absent') {
      if (value !== undefined)
        problems.push(`header ${name} must be absent, got ${JSON.stringify(value)}`);
      continue;
    }
    if (value === undefined) {
      if (m === 'any' || !m.optional) problems.push(`header ${name} is missing`);
      continue;
    }
    const why = mismatch(m, value);
    if (why) problems.push(`header ${name}: ${why}`);
  }
  return problems;
}

function messageMismatches(
  e: Extract<ExpectStep['expect'], { kind: 'message' }>,
  frame: Extract<SutFrame, { kind: 'message' }>,
  run: Run,
): string[] {
  const problems: string[] = [];
  const guid = frame.bytes.subarray(0, 16).toString('hex');
  const g = e.match.guid;
  if (g !== undefined && g !== 'any') {
    const wanted = typeof g === 'string' ? run.guids.get(sameAsIndex(g)!) : g.exact;
    if (guid !== wanted)
      problems.push(`guid is not ${typeof g === 'string' ? g : 'the exact one'} (${wanted})`);
  }
  for (const [name, value] of [
    ['ttl', frame.bytes[17]!],
    ['hops', frame.bytes[18]!],
  ] as const) {
    const m = e.match[name];
    const why = m === undefined ? undefined : mismatch(m, value);
    if (why) problems.push(`${name} ${why}`);
  }
  if (!frame.body) {
    problems.push(`payload does not decode: ${frame.error}`);
    return problems;
  }
  const fields = fieldsOf(frame.body);
  for (const [path, m] of Object.entries(e.match.fields ?? {})) {
    const value = at(fields, path);
    if (value === undefined) {
      if (m === 'any' || !m.optional) problems.push(`field ${path} is missing`);
      continue;
    }
    const why = mismatch(m, value);
    if (why) problems.push(`field ${path}: ${why}`);
  }
  return problems;
}

/** The decoded payload's own fields, without the body's tag. */
function fieldsOf(body: MessageBody): unknown {
  switch (body.kind) {
    case 'ping':
      return body.ping;
    case 'pong':
      return body.pong;
    case 'bye':
      return body.bye;
    case 'route-table-update':
      return body.update;
    case 'vendor':
      return body.vendor;
    case 'push':
      return body.push;
    case 'query':
      return body.query;
    case 'query-hit':
      return body.hit;
    case 'unknown':
      return { payload: body.payload };
  }
}

/** A dotted path into decoded fields: `results.0.name`, `results.length`. */
function at(value: unknown, path: string): unknown {
  let here = value;
  for (const key of path.split('.')) {
    if (here === null || here === undefined || typeof here !== 'object') return undefined;
    here = (here as Record<string, unknown>)[key];
  }
  return here;
}

function messageFields(bytes: Buffer, body: MessageBody | undefined): Omit<Observed, 'at_ms'> {
  const decoded =
    body ??
    (() => {
      const r = decodeBody(bytes[16]!, bytes.subarray(23));
      return r.ok ? r.value : undefined;
    })();
  return {
    type: typeName(bytes[16]!),
    guid: bytes.subarray(0, 16).toString('hex'),
    ttl: bytes[17]!,
    hops: bytes[18]!,
    ...(decoded && { fields: jsonSafe(fieldsOf(decoded)) }),
    hex: bytes.toString('hex'),
  };
}

/** Bytes as hex and big integers as text, so a verdict serializes as JSON. */
function jsonSafe(value: unknown): unknown {
  if (value instanceof Uint8Array) return Buffer.from(value).toString('hex');
  if (typeof value === 'bigint') return value.toString();
  if (Array.isArray(value)) return value.map(jsonSafe);
  if (value !== null && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, jsonSafe(v)]));
  return value;
}

function sendOrdinal(steps: Step[], index: number): number {
  return steps.slice(0, index).filter(isSend).length;
}

function kindOf(step: Step): StepKind {
  return isSend(step) ? `send-${step.send.kind}` : `expect-${step.expect.kind}`;
}

function parseBlock(text: string): HeaderBlock {
  const r = new BlockReader().write(Buffer.from(text, 'latin1'));
  if (r.kind !== 'block')
    throw new Error(`the fixture's block does not parse: ${JSON.stringify(text.slice(0, 60))}`);
  return r.block;
}

function describeSend(step: SendStep): string {
  if (step.send.kind === 'block') {
    const block = parseBlock(step.send.text);
    return `play ${JSON.stringify(block.firstLine)} with ${block.headers.fields().length} headers`;
  }
  const guid = step.send.guid ? ` (GUID ${step.send.guid})` : '';
  return `play ${describeMessage(Buffer.from(step.send.hex, 'hex'))}${guid}`;
}

function describeExpect(step: ExpectStep): string {
  const e = step.expect;
  if (e.kind === 'open') return `the connection stays open for ${step.within_ms} ms`;
  if (e.kind === 'block') {
    const parts = [
      ...(e.firstLine ? [`first line ${describeMatcher(e.firstLine)}`] : []),
      ...Object.entries(e.headers ?? {}).map(([n, m]) => `${n} ${describeMatcher(m)}`),
    ];
    return `a header block within ${step.within_ms} ms: ${parts.join('; ') || 'any'}`;
  }
  const field = (m: Parameters<typeof describeMatcher>[0]) =>
    m === 'any' ? 'any' : describeMatcher(m);
  const parts = [
    ...(e.match.guid !== undefined
      ? [`guid ${typeof e.match.guid === 'string' ? e.match.guid : e.match.guid.exact}`]
      : []),
    ...(e.match.ttl !== undefined ? [`ttl ${field(e.match.ttl)}`] : []),
    ...(e.match.hops !== undefined ? [`hops ${field(e.match.hops)}`] : []),
    ...Object.entries(e.match.fields ?? {}).map(([n, m]) => `${n} ${field(m)}`),
  ];
  return `a ${typeName(e.type)} within ${step.within_ms} ms: ${parts.join('; ') || 'any'}`;
}

// ------------------------------------------------------------------ human-readable verdict

export function formatVerdict(v: ReplayVerdict): string {
  const which =
    v.verdict === 'fail'
      ? 'FAIL'
      : `${v.verdict.toUpperCase()}${v.alternative !== undefined ? ` (alternative ${v.alternative} of "${v.verdict}")` : ''}`;
  const lines = [`replay of "${v.fixture}": ${which} after ${v.durationMs} ms`];
  if (v.why) lines.push(`  why: ${v.why}`);
  for (const s of v.steps) {
    lines.push(`  ${s.ok ? 'ok  ' : 'FAIL'} #${s.index} ${s.kind}: ${s.expected}`);
    if (s.observed)
      lines.push(
        `         ${s.kind.startsWith('send') ? 'sent' : 'got'} ${showObserved(s.observed)}`,
      );
    if (s.why) lines.push(`         why: ${s.why}`);
  }
  for (const t of v.tried)
    lines.push(
      `  did not match: ${t.verdict}${t.alternative !== undefined ? ` alternative ${t.alternative}` : ' (steps)'}: ${t.why}`,
    );
  const bytes = (dir: 'in' | 'out') =>
    v.transcript.filter((t) => t.dir === dir).reduce((n, t) => n + t.hex.length / 2, 0);
  lines.push(`  wire: ${bytes('out')} bytes played, ${bytes('in')} bytes from the SUT`);
  return lines.join('\n');
}

function showObserved(o: Observed): string {
  const when = `+${o.at_ms} ms`;
  if (o.text !== undefined) {
    const [first, ...rest] = o.text.split(/\r?\n/).filter((l) => l !== '');
    return `${when} ${JSON.stringify(first)} with ${rest.length} headers: ${rest.join(' | ')}`;
  }
  const hex = o.hex ?? '';
  return `${when} ${o.type} guid ${o.guid} ttl ${o.ttl} hops ${o.hops}${o.error ? ` (undecodable: ${o.error})` : ''}: ${hex.length > 96 ? `${hex.slice(0, 96)}…` : hex}`;
}
