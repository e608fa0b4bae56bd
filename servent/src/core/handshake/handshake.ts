/**
 * The 0.6 three-step handshake (handshake.md §2) as a sans-I/O state machine,
 * one per TCP connection. Bytes and the clock go in (`handle*`), bytes to write
 * and one terminal event come out (`poll*`). The shell writes every output
 * chunk, then acts on the event: on `completed` it hands `rest` and later bytes
 * to the message stream; on anything else it closes once output is flushed.
 *
 * The state table (state, input → effect, next state):
 *
 *   awaiting-request       (responder) block (1), CONNECT ≥ 0.6 → respond(), write block (2);
 *                                        200 → awaiting-confirmation, else → refused (by us)
 *                                      block (1), CONNECT < 0.6 → write nothing → legacy-connect
 *   awaiting-confirmation  (responder) block (3): 200 → completed, else → refused (by peer)
 *   awaiting-response      (initiator) block (2), 200 → confirm(), write block (3);
 *                                        200 → completed, else → refused (by us)
 *                                      block (2), other code → write nothing (HS-4) → refused (by peer)
 *                                      `GNUTELLA OK` → failed (legacy-peer)
 *   any of the three                   end of input → failed (peer-closed)
 *                                      deadline passed → failed (timeout; HS-29 / HS-30)
 *   completed, refused, legacy-connect, failed: terminal; input is ignored, except
 *   that data after `completed` is a UsageError (it belongs to the message stream).
 *
 * A block that does not start with `GNUTELLA` fails at once with `not-gnutella`
 * and nothing written. An unreadable block (1) is answered `413` (over a limit)
 * or `400` before failing, as gtk-gnutella does, unless it came from a 0.4 peer.
 */

import { ProtocolError, UsageError } from '../errors.js';
import { BlockReader, formatBlock, type HandshakeLimits, type HeaderBlock } from './block.js';
import { CONFIRM_TIMEOUT_MS, REQUEST_TIMEOUT_MS, RESPONSE_TIMEOUT_MS } from './constants.js';
import { announcesDeflate, withAnsweredEncoding } from './encoding.js';
import { canonicalHeaderName, type HeaderField, Headers } from './headers.js';
import { encodeLatin1 } from './latin1.js';
import {
  CONNECT_LINE,
  formatStatusLine,
  isBelowOurVersion,
  isLegacyOk,
  parseConnectLine,
  parseStatusLine,
} from './status-line.js';

export type HandshakeRole = 'initiator' | 'responder';

/** Our answer to the peer's latest block: any code but 200 refuses (HS-3). */
export interface Reply {
  code: number;
  reason: string;
  fields: ReadonlyArray<HeaderField>;
}

export interface HandshakeTimeouts {
  /** Responder: block (1) complete within this of construction. */
  requestMs: number;
  /** Responder: block (3) within this after we wrote block (2). */
  confirmMs: number;
  /** Initiator: block (2) within this of construction (HS-30). */
  responseMs: number;
}

export const DEFAULT_TIMEOUTS: Readonly<HandshakeTimeouts> = {
  requestMs: REQUEST_TIMEOUT_MS,
  confirmMs: CONFIRM_TIMEOUT_MS,
  responseMs: RESPONSE_TIMEOUT_MS,
};

export interface HandshakeOptions {
  role: HandshakeRole;
  /** When the TCP connection was established, in ms. */
  now: number;
  limits?: Partial<HandshakeLimits>;
  timeouts?: Partial<HandshakeTimeouts>;
  /** Initiator only: the fields of block (1). */
  request?: ReadonlyArray<HeaderField>;
  /** Responder (required): decide block (2) from block (1). Called once. */
  respond?: (request: HeaderBlock) => Reply;
  /** Initiator: decide block (3) from block (2), only when block (2) is a 200. Defaults to a bare 200 OK. */
  confirm?: (response: HeaderBlock) => Reply;
}

/** A block we wrote. */
export interface OutgoingBlock {
  firstLine: string;
  /** The fields as written, canonical names. */
  headers: Headers;
  raw: Uint8Array;
}

export type HandshakeBlock = HeaderBlock | OutgoingBlock;

export interface HandshakeCompleted {
  type: 'completed';
  request: HandshakeBlock;
  response: HandshakeBlock;
  confirmation: HandshakeBlock;
  /** The peer's blocks merged, later overriding earlier: (1)+(3) if we responded, (2) if we initiated. */
  peer: Headers;
  /** Our blocks merged likewise. */
  ours: Headers;
  /** We wrote `Content-Encoding: deflate`: compress everything we send from now on. */
  compressSend: boolean;
  /** The peer wrote `Content-Encoding: deflate`: inflate everything it sends from now on. */
  compressReceive: boolean;
  /** Bytes after the last block: the start of the message stream (HS-6). */
  rest: Uint8Array;
}

export interface HandshakeRefused {
  type: 'refused';
  by: 'us' | 'peer';
  code: number;
  reason: string;
  /** The peer's headers so far, e.g. to harvest `X-Try-Ultrapeers` from a refusal. */
  peer: Headers;
}

export type HandshakeEvent =
  | HandshakeCompleted
  | HandshakeRefused
  /** A 0.4 CONNECT: we answer nothing and the shell closes (HS-15 allows that). */
  | { type: 'legacy-connect' }
  /** `timeout`, `peer-closed`, `not-gnutella`, `legacy-peer`, limit and syntax errors. */
  | { type: 'failed'; error: ProtocolError };

type WaitingState = 'awaiting-request' | 'awaiting-confirmation' | 'awaiting-response';

export type HandshakeState = WaitingState | 'completed' | 'refused' | 'legacy-connect' | 'failed';

/** What each waiting state reads, and the clause its deadline comes from. */
const WAITING: Readonly<Record<WaitingState, { block: string; clause: string }>> = {
  'awaiting-request': { block: 'block (1)', clause: 'HS-29' },
  'awaiting-confirmation': { block: 'block (3)', clause: 'HS-29' },
  'awaiting-response': { block: 'block (2)', clause: 'HS-30' },
};

const isWaiting = (state: HandshakeState): state is WaitingState => state in WAITING;

const GNUTELLA = encodeLatin1('GNUTELLA');

/** Read errors that mean "too big" and get a 413, as gtk-gnutella answers. */
const TOO_LARGE: Readonly<Record<string, string>> = {
  'line-too-long': 'Header Line Too Long',
  'too-many-headers': 'Too Many Headers',
  'block-too-large': 'Header Too Large',
};

const BARE_OK: Reply = { code: 200, reason: 'OK', fields: [] };

export class Handshake {
  readonly #role: HandshakeRole;
  readonly #timeouts: HandshakeTimeouts;
  readonly #respond: ((request: HeaderBlock) => Reply) | undefined;
  readonly #confirm: (response: HeaderBlock) => Reply;
  readonly #reader: BlockReader;
  #state: HandshakeState;
  #deadline: number | undefined;
  #waitMs = 0;
  /** Bytes of the current block already matched against `GNUTELLA`. */
  #sniffed = 0;
  readonly #output: Uint8Array[] = [];
  #event: HandshakeEvent | undefined;
  readonly #ourBlocks: OutgoingBlock[] = [];
  readonly #peerBlocks: HeaderBlock[] = [];

  constructor(options: HandshakeOptions) {
    this.#role = options.role;
    this.#timeouts = { ...DEFAULT_TIMEOUTS, ...options.timeouts };
    this.#respond = options.respond;
    this.#confirm = options.confirm ?? (() => BARE_OK);
    this.#reader = new BlockReader(options.limits);
    if (options.role === 'responder') {
      if (!options.respond) throw new UsageError('a responder handshake needs a respond callback');
      this.#state = 'awaiting-request';
      this.#wait(options.now, this.#timeouts.requestMs);
    } else {
      if (options.respond) throw new UsageError('respond is for responders; an initiator confirms');
      // No earlier peer block, so a Content-Encoding here would answer nothing (HS-22).
      this.#write(CONNECT_LINE, withAnsweredEncoding(options.request ?? [], undefined));
      this.#state = 'awaiting-response';
      this.#wait(options.now, this.#timeouts.responseMs);
    }
  }

  get state(): HandshakeState {
    return this.#state;
  }

  get role(): HandshakeRole {
    return this.#role;
  }

  handleData(bytes: Uint8Array, now: number): void {
    if (this.#state === 'completed') {
      throw new UsageError('handshake completed: later bytes belong to the message stream');
    }
    if (!isWaiting(this.#state) || this.#expired(now)) return;
    let input = bytes;
    while (isWaiting(this.#state) && input.length > 0) {
      if (!this.#sniff(input)) {
        const { block } = WAITING[this.#state];
        this.#fail(new ProtocolError('not-gnutella', `${block} does not start with GNUTELLA`));
        return;
      }
      const result = this.#reader.write(input);
      if (result.kind === 'incomplete') return;
      if (result.kind === 'error') {
        this.#onReadError(result.error);
        return;
      }
      this.#sniffed = 0;
      this.#onBlock(result.block, result.rest, now);
      input = result.rest;
    }
  }

  /** The peer closed (or half-closed) its side. */
  handleEnd(now: number): void {
    if (!isWaiting(this.#state) || this.#expired(now)) return;
    const { block } = WAITING[this.#state];
    this.#fail(new ProtocolError('peer-closed', `peer closed the connection before ${block}`));
  }

  handleTimeout(now: number): void {
    if (isWaiting(this.#state)) this.#expired(now);
  }

  /** Absolute time (ms) at which `handleTimeout` should be called, if any. */
  nextTimeout(): number | undefined {
    return isWaiting(this.#state) ? this.#deadline : undefined;
  }

  /** The next bytes to write, in order. */
  pollOutput(): Uint8Array | undefined {
    return this.#output.shift();
  }

  /** The terminal event, once. */
  pollEvent(): HandshakeEvent | undefined {
    const event = this.#event;
    this.#event = undefined;
    return event;
  }

  #onBlock(block: HeaderBlock, rest: Uint8Array, now: number): void {
    switch (this.#state) {
      case 'awaiting-request':
        this.#readRequest(block, now);
        break;
      case 'awaiting-response':
        this.#readResponse(block, rest);
        break;
      case 'awaiting-confirmation':
        this.#readConfirmation(block, rest);
        break;
    }
  }

  /** Responder, block (1). */
  #readRequest(block: HeaderBlock, now: number): void {
    const connect = parseConnectLine(block.firstLine);
    if (!connect.ok) {
      this.#write(formatStatusLine(400, 'Bad Request'), []);
      this.#fail(connect.error);
      return;
    }
    if (isBelowOurVersion(connect.value)) {
      this.#state = 'legacy-connect';
      this.#event = { type: 'legacy-connect' };
      return;
    }
    // Any version ≥ 0.6 is welcome; we answer 0.6 (HS-14).
    this.#peerBlocks.push(block);
    const reply = this.#respond!(block);
    this.#writeReply(reply, block.headers);
    if (reply.code !== 200) {
      this.#refuse('us', reply);
      return;
    }
    this.#state = 'awaiting-confirmation';
    this.#wait(now, this.#timeouts.confirmMs);
  }

  /** Initiator, block (2). */
  #readResponse(block: HeaderBlock, rest: Uint8Array): void {
    if (isLegacyOk(block.firstLine)) {
      this.#fail(new ProtocolError('legacy-peer', 'peer answered GNUTELLA OK: it only speaks 0.4'));
      return;
    }
    const status = parseStatusLine(block.firstLine);
    if (!status.ok) {
      this.#fail(status.error);
      return;
    }
    this.#peerBlocks.push(block);
    // After a refusal (204 included) we write nothing more (HS-4).
    if (status.value.code !== 200) {
      this.#refuse('peer', status.value);
      return;
    }
    const reply = this.#confirm(block);
    this.#writeReply(reply, block.headers);
    if (reply.code !== 200) {
      this.#refuse('us', reply);
      return;
    }
    this.#complete(rest);
  }

  /** Responder, block (3). */
  #readConfirmation(block: HeaderBlock, rest: Uint8Array): void {
    const status = parseStatusLine(block.firstLine);
    if (!status.ok) {
      this.#fail(status.error);
      return;
    }
    this.#peerBlocks.push(block);
    if (status.value.code !== 200) {
      this.#refuse('peer', status.value);
      return;
    }
    this.#complete(rest);
  }

  #onReadError(error: ProtocolError): void {
    // Tell a 0.6 peer why, but never send a 0.6 status line to a 0.4 one (HS-15).
    if (this.#state === 'awaiting-request' && !this.#fromLegacyPeer()) {
      const tooLarge = TOO_LARGE[error.code];
      this.#write(formatStatusLine(tooLarge ? 413 : 400, tooLarge ?? 'Bad Request'), []);
    }
    this.#fail(error);
  }

  #fromLegacyPeer(): boolean {
    const line = this.#reader.firstLine;
    const connect = line === undefined ? undefined : parseConnectLine(line);
    return connect?.ok === true && isBelowOurVersion(connect.value);
  }

  /** Checks that the current block starts with `GNUTELLA`, as far as bytes have arrived. */
  #sniff(input: Uint8Array): boolean {
    const count = Math.min(GNUTELLA.length - this.#sniffed, input.length);
    for (let i = 0; i < count; i++) {
      if (input[i] !== GNUTELLA[this.#sniffed + i]) return false;
    }
    this.#sniffed += count;
    return true;
  }

  #writeReply(reply: Reply, peer: Headers): void {
    this.#write(
      formatStatusLine(reply.code, reply.reason),
      withAnsweredEncoding(reply.fields, peer),
    );
  }

  #write(firstLine: string, fields: ReadonlyArray<HeaderField>): void {
    const raw = formatBlock(firstLine, fields);
    const headers = Headers.of(fields.map(([name, value]) => [canonicalHeaderName(name), value]));
    this.#ourBlocks.push({ firstLine, headers, raw });
    this.#output.push(raw);
  }

  #complete(rest: Uint8Array): void {
    const ours = this.#ourBlocks;
    const theirs = this.#peerBlocks;
    const [request, response, confirmation] =
      this.#role === 'responder'
        ? [theirs[0]!, ours[0]!, theirs[1]!]
        : [ours[0]!, theirs[0]!, ours[1]!];
    this.#state = 'completed';
    this.#event = {
      type: 'completed',
      request,
      response,
      confirmation,
      peer: mergeAll(theirs),
      ours: mergeAll(ours),
      // Each side's last block is the one that may announce its compression.
      compressSend: announcesDeflate(ours.at(-1)!.headers),
      compressReceive: announcesDeflate(theirs.at(-1)!.headers),
      rest,
    };
  }

  #refuse(by: 'us' | 'peer', status: { code: number; reason: string }): void {
    this.#state = 'refused';
    const { code, reason } = status;
    this.#event = { type: 'refused', by, code, reason, peer: mergeAll(this.#peerBlocks) };
  }

  #fail(error: ProtocolError): void {
    this.#state = 'failed';
    this.#event = { type: 'failed', error };
  }

  #wait(now: number, ms: number): void {
    this.#deadline = now + ms;
    this.#waitMs = ms;
  }

  /** Fails with `timeout` when the deadline has passed; says whether it did. */
  #expired(now: number): boolean {
    if (!isWaiting(this.#state) || this.#deadline === undefined || now < this.#deadline) {
      return false;
    }
    const { block, clause } = WAITING[this.#state];
    this.#fail(
      new ProtocolError('timeout', `no complete ${block} after ${this.#waitMs} ms`, clause),
    );
    return true;
  }
}

function mergeAll(blocks: ReadonlyArray<HandshakeBlock>): Headers {
  return blocks.reduce((merged, block) => merged.merged(block.headers), Headers.of([]));
}
