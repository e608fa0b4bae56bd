/**
 * Reading and writing header blocks: a first line, header lines, an empty line.
 *
 * Read liberally, as gtk-gnutella and LimeWire do (handshake.md §4): LF ends a
 * line and a CR right before it is dropped (HS-12); a line starting with SP or HT
 * continues the previous header (HS-9); a header line without ':' is ignored, as
 * LimeWire ignores it, so one odd line from an unknown vendor does not cost the
 * connection. Write conservatively (HS-10): CRLF, canonical names, no repeats, no
 * continuations, short lines, few headers.
 */

import { ProtocolError, UsageError } from '../errors.js';
import {
  MAX_BLOCK_BYTES_READ,
  MAX_HEADER_LINES_READ,
  MAX_HEADER_LINES_WRITTEN,
  MAX_LINE_BYTES_READ,
  MAX_LINE_BYTES_WRITTEN,
} from './constants.js';
import { canonicalHeaderName, type HeaderField, Headers } from './headers.js';
import { decodeLatin1, encodeLatin1, hasControlChar } from './latin1.js';

export interface HandshakeLimits {
  /** Longest line, CR LF excluded. */
  maxLineBytes: number;
  /** Most lines after the first line (continuations and ignored lines count). */
  maxHeaderLines: number;
  /** Most bytes in a block, terminators included. */
  maxBlockBytes: number;
}

export const DEFAULT_LIMITS: Readonly<HandshakeLimits> = {
  maxLineBytes: MAX_LINE_BYTES_READ,
  maxHeaderLines: MAX_HEADER_LINES_READ,
  maxBlockBytes: MAX_BLOCK_BYTES_READ,
};

export interface HeaderBlock {
  firstLine: string;
  headers: Headers;
  /** Bytes of the block, its empty line included. */
  byteLength: number;
  /** Some line ended with LF alone. */
  bareLf: boolean;
  continuationLines: number;
  /** Non-first lines without ':' that were skipped. */
  ignoredLines: number;
  /** The block exactly as received. */
  raw: Uint8Array;
}

export type BlockReadResult =
  | { kind: 'incomplete' }
  | { kind: 'block'; block: HeaderBlock; rest: Uint8Array }
  | { kind: 'error'; error: ProtocolError };

const LF = 0x0a;
const CR = 0x0d;
const HT = 0x09;
const SP = 0x20;
const DEL = 0x7f;

const isBinary = (byte: number): boolean =>
  (byte < SP && byte !== HT && byte !== CR && byte !== LF) || byte === DEL;

/** Optional whitespace around names and values; a stray CR counts too. */
const trimOws = (text: string): string => text.replace(/^[ \t\r]+|[ \t\r]+$/g, '');

/**
 * Incremental reader of one header block at a time. Feed chunks with `write`;
 * once it returns a block it starts afresh, and the caller decides whether
 * `rest` is fed back (another block) or goes to the message stream. Errors are
 * sticky. It keeps at most one block's bytes (≤ maxBlockBytes) plus one line.
 */
export class BlockReader {
  readonly #limits: HandshakeLimits;
  #error: ProtocolError | undefined;
  /** Copies of this block's bytes from earlier chunks, for `raw`. */
  #kept: Uint8Array[] = [];
  #byteLength = 0;
  #line = new Uint8Array(128);
  #lineLength = 0;
  #firstLine: string | undefined;
  #fields: [string, string][] = [];
  #headerLines = 0;
  #continuationLines = 0;
  #ignoredLines = 0;
  #bareLf = false;

  constructor(limits: Partial<HandshakeLimits> = {}) {
    this.#limits = { ...DEFAULT_LIMITS, ...limits };
  }

  /** The first line of the block being read, once it is complete. */
  get firstLine(): string | undefined {
    return this.#firstLine;
  }

  write(chunk: Uint8Array): BlockReadResult {
    if (this.#error) return { kind: 'error', error: this.#error };
    const { maxBlockBytes, maxLineBytes } = this.#limits;
    for (let i = 0; i < chunk.length; i++) {
      const byte = chunk[i]!;
      if (++this.#byteLength > maxBlockBytes) {
        return this.#fail('block-too-large', `header block exceeds ${maxBlockBytes} bytes`);
      }
      if (byte === LF) {
        const ended = this.#endLine();
        if (ended instanceof ProtocolError) return this.#failWith(ended);
        if (ended) return this.#finish(chunk.subarray(0, i + 1), chunk.subarray(i + 1));
        continue;
      }
      if (isBinary(byte)) {
        return this.#fail(
          'binary-in-header',
          `control byte 0x${byte.toString(16).padStart(2, '0')} in a header line`,
        );
      }
      // One byte beyond the limit is room for the CR of a CR LF.
      if (this.#lineLength > maxLineBytes) {
        return this.#fail('line-too-long', `header line longer than ${maxLineBytes} bytes`);
      }
      this.#append(byte);
    }
    // Copy: the caller may reuse its buffer (and Buffer#slice would not copy).
    if (chunk.length > 0) this.#kept.push(new Uint8Array(chunk));
    return { kind: 'incomplete' };
  }

  #append(byte: number): void {
    if (this.#lineLength === this.#line.length) {
      const grown = new Uint8Array(this.#line.length * 2);
      grown.set(this.#line);
      this.#line = grown;
    }
    this.#line[this.#lineLength++] = byte;
  }

  /** Handles a complete line: true at the block's empty line, an error, or false to go on. */
  #endLine(): boolean | ProtocolError {
    let length = this.#lineLength;
    if (length > 0 && this.#line[length - 1] === CR) length--;
    else this.#bareLf = true;
    this.#lineLength = 0;
    if (length > this.#limits.maxLineBytes) {
      return new ProtocolError(
        'line-too-long',
        `header line longer than ${this.#limits.maxLineBytes} bytes`,
      );
    }
    const text = decodeLatin1(this.#line, length);
    if (this.#firstLine === undefined) {
      this.#firstLine = text;
      return text === '';
    }
    if (text === '') return true;
    if (++this.#headerLines > this.#limits.maxHeaderLines) {
      return new ProtocolError(
        'too-many-headers',
        `more than ${this.#limits.maxHeaderLines} header lines`,
      );
    }
    if (text[0] === ' ' || text[0] === '\t') return this.#continue(text);
    const colon = text.indexOf(':');
    const name = colon < 0 ? '' : trimOws(text.slice(0, colon));
    if (name === '') this.#ignoredLines++;
    else this.#fields.push([name, trimOws(text.slice(colon + 1))]);
    return false;
  }

  /** Folds a continuation line into the previous header with one space (HS-9). */
  #continue(text: string): false | ProtocolError {
    const last = this.#fields.at(-1);
    if (!last) {
      return new ProtocolError('malformed-header', 'continuation line before any header', 'HS-9');
    }
    const more = trimOws(text);
    if (more !== '') last[1] = last[1] === '' ? more : `${last[1]} ${more}`;
    this.#continuationLines++;
    return false;
  }

  #finish(tail: Uint8Array, rest: Uint8Array): BlockReadResult {
    const raw = new Uint8Array(this.#byteLength);
    let offset = 0;
    for (const part of [...this.#kept, tail]) {
      raw.set(part, offset);
      offset += part.length;
    }
    const block: HeaderBlock = {
      firstLine: this.#firstLine ?? '',
      headers: Headers.of(this.#fields),
      byteLength: this.#byteLength,
      bareLf: this.#bareLf,
      continuationLines: this.#continuationLines,
      ignoredLines: this.#ignoredLines,
      raw,
    };
    this.#reset();
    return { kind: 'block', block, rest };
  }

  #reset(): void {
    this.#kept = [];
    this.#byteLength = 0;
    this.#lineLength = 0;
    this.#firstLine = undefined;
    this.#fields = [];
    this.#headerLines = 0;
    this.#continuationLines = 0;
    this.#ignoredLines = 0;
    this.#bareLf = false;
  }

  #fail(code: string, message: string): BlockReadResult {
    return this.#failWith(new ProtocolError(code, message));
  }

  #failWith(error: ProtocolError): BlockReadResult {
    this.#error = error;
    this.#kept = [];
    return { kind: 'error', error };
  }
}

/** Header names we write: letters, digits, '-' and '.' (§4 "token chars only"). */
const NAME = /^[A-Za-z0-9.-]+$/;

function checkLine(line: string, what: string): void {
  if (line.length >= MAX_LINE_BYTES_WRITTEN) {
    throw new UsageError(
      `${what} is ${line.length} bytes; lines must stay under ${MAX_LINE_BYTES_WRITTEN} (HS-10)`,
    );
  }
}

/**
 * Bytes of a block we send: `firstLine` CRLF, `Name: value` CRLF per field with
 * the canonical name, then CRLF. Throws `UsageError` for anything HS-10 forbids.
 */
export function formatBlock(firstLine: string, fields: ReadonlyArray<HeaderField>): Uint8Array {
  if (firstLine === '' || hasControlChar(firstLine)) {
    throw new UsageError(`first line ${JSON.stringify(firstLine)} is empty or has control bytes`);
  }
  checkLine(firstLine, 'the first line');
  if (fields.length > MAX_HEADER_LINES_WRITTEN) {
    throw new UsageError(
      `${fields.length} headers in one block; at most ${MAX_HEADER_LINES_WRITTEN} (HS-10)`,
    );
  }
  const seen = new Set<string>();
  const lines = [firstLine];
  for (const [name, value] of fields) {
    if (!NAME.test(name))
      throw new UsageError(`header name ${JSON.stringify(name)} is not a token`);
    const key = name.toLowerCase();
    if (seen.has(key)) throw new UsageError(`header ${name} written twice in one block (HS-10)`);
    seen.add(key);
    if (hasControlChar(value)) {
      throw new UsageError(`value of ${name} has CR, LF, NUL or another control byte (HS-10)`);
    }
    const line = `${canonicalHeaderName(name)}: ${value}`;
    checkLine(line, `the ${name} line`);
    lines.push(line);
  }
  return encodeLatin1(`${lines.join('\r\n')}\r\n\r\n`);
}
