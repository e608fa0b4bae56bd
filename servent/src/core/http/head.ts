/**
 * Heads of the HTTP transfer connections (http-transfers.md §1, §6): finding
 * the end of a head in a byte stream, parsing request and response heads,
 * writing them, and deciding whether the connection persists (HTTP-11).
 *
 * Framing and parsing are apart so that the caller can look at the first line
 * (GET, HEAD, GIV, GNUTELLA CONNECT…) before choosing a parser. Read liberally:
 * LF or CRLF line ends, folded lines unfolded (responses may fold, §1), stray
 * blank lines before a head skipped (gtk-gnutella pipelines requests, §6).
 * Write conservatively: HTTP/1.1, CRLF, never folded, since many servents
 * cannot unfold (§1).
 */

import { fail, ok, ProtocolError, type Result, UsageError } from '../errors.js';
import { type HeaderField, Headers } from '../handshake/headers.js';
import { hasControlChar } from '../handshake/latin1.js';
import { decodeLatin1, encodeLatin1 } from '../wire/text.js';
import { quote } from './syntax.js';

/** Most bytes of one head we buffer: gtk-gnutella's header limit, as for handshakes. */
export const MAX_HEAD_BYTES = 16 * 1024;
/** Most lines after the first line of a head, continuation lines included. */
export const MAX_HEADER_LINES = 100;

const LF = 0x0a;
const CR = 0x0d;

/**
 * Cuts heads off a byte stream. `push` returns `ok(undefined)` until a head's
 * empty line has arrived, then the head (latin1, its lines up to and including
 * the last one's line end, without the empty line) and `rest`, the bytes after
 * it: a body, or the next pipelined request, which the caller pushes again when
 * it wants the next head. `rest` is a view into the last chunk, not a copy.
 *
 * Empty lines before a head are dropped. At most MAX_HEAD_BYTES are kept; a
 * head longer than that is `head-too-long`, and errors are sticky.
 */
export class HeadReader {
  #buffer = new Uint8Array(256);
  #length = 0;
  /** Offset in #buffer where the line being read starts. */
  #lineStart = 0;
  #error: ProtocolError | undefined;

  /** Bytes of an unfinished head held right now (at most MAX_HEAD_BYTES). */
  get buffered(): number {
    return this.#length;
  }

  push(chunk: Uint8Array): Result<{ head: string; rest: Uint8Array } | undefined> {
    if (this.#error) return fail(this.#error);
    for (let i = 0; i < chunk.length; i++) {
      const byte = chunk[i]!;
      if (byte === LF && this.#lineIsEmpty()) {
        if (this.#lineStart === 0) {
          this.#length = 0; // a blank line before the head
          continue;
        }
        const head = decodeLatin1(this.#buffer, 0, this.#lineStart);
        this.#length = 0;
        this.#lineStart = 0;
        return ok({ head, rest: chunk.subarray(i + 1) });
      }
      if (this.#length === MAX_HEAD_BYTES) {
        this.#error = new ProtocolError(
          'head-too-long',
          `no end of the HTTP head within ${MAX_HEAD_BYTES} bytes`,
        );
        return fail(this.#error);
      }
      this.#append(byte);
      if (byte === LF) this.#lineStart = this.#length;
    }
    return ok(undefined);
  }

  /** The line read so far is empty or a lone CR, so an LF now ends an empty line. */
  #lineIsEmpty(): boolean {
    const length = this.#length - this.#lineStart;
    return length === 0 || (length === 1 && this.#buffer[this.#lineStart] === CR);
  }

  #append(byte: number): void {
    if (this.#length === this.#buffer.length) {
      const grown = new Uint8Array(Math.min(this.#buffer.length * 2, MAX_HEAD_BYTES));
      grown.set(this.#buffer);
      this.#buffer = grown;
    }
    this.#buffer[this.#length++] = byte;
  }
}

/**
 * The header fields of one head, in order. Names match case-insensitively
 * (§1: LimeWire writes `X-NAlt`, gtk-gnutella `X-Nalt`); a repeated name reads
 * as its values joined with ", ", as RFC 2616 §4.2 allows. The handshake's
 * header view has exactly these semantics, so this wraps it.
 */
export class HttpHeaders {
  readonly #fields: Headers;

  private constructor(fields: Headers) {
    this.#fields = fields;
  }

  static from(list: readonly (readonly [string, string])[]): HttpHeaders {
    return new HttpHeaders(Headers.of(list));
  }

  get(name: string): string | undefined {
    return this.#fields.get(name);
  }

  has(name: string): boolean {
    return this.#fields.has(name);
  }

  /** The fields as received: names as written, continuation lines unfolded, repeats kept. */
  entries(): HeaderField[] {
    return this.#fields.fields();
  }
}

export type HttpVersion = '1.0' | '1.1';

export interface HttpRequest {
  method: string;
  /** As sent: for `/get/` a raw name may hold spaces (§2). */
  target: string;
  version: HttpVersion;
  headers: HttpHeaders;
}

export interface HttpResponse {
  version: HttpVersion;
  status: number;
  reason: string;
  headers: HttpHeaders;
}

// RFC 7230 tchar: methods and header names.
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const VERSION = /^HTTP\/(\d{1,3})\.(\d{1,3})$/i;
const STATUS_LINE = /^(\S+)[ \t]+(\d{3})(?:[ \t]+(.*))?$/;

/**
 * `METHOD SP target SP HTTP/1.x`. The target is everything between the first
 * and the last space, so a raw `/get/` name with spaces, which the RFC draft
 * says to accept (§2), survives.
 */
export function parseRequestHead(head: string): Result<HttpRequest> {
  const parsed = splitHead(head);
  if (!parsed.ok) return parsed;
  const { headers } = parsed.value;
  const firstLine = parsed.value.firstLine.trim();
  const first = firstLine.indexOf(' ');
  const last = firstLine.lastIndexOf(' ');
  const method = first < 0 ? '' : firstLine.slice(0, first);
  const target = last > first ? firstLine.slice(first + 1, last).trim() : '';
  if (!TOKEN.test(method) || target === '') {
    return badLine('bad-request-line', 'expected "METHOD target HTTP/1.x"', firstLine);
  }
  const version = parseVersion(firstLine.slice(last + 1), 'bad-request-line', firstLine);
  if (!version.ok) return version;
  return ok({ method, target, version: version.value, headers });
}

/** `HTTP/1.x SP 3-digit status [SP reason]`; folded header lines are unfolded (§1). */
export function parseResponseHead(head: string): Result<HttpResponse> {
  const parsed = splitHead(head);
  if (!parsed.ok) return parsed;
  const { firstLine, headers } = parsed.value;
  const match = STATUS_LINE.exec(firstLine);
  if (!match) return badLine('bad-status-line', 'expected "HTTP/1.x status reason"', firstLine);
  const version = parseVersion(match[1]!, 'bad-status-line', firstLine);
  if (!version.ok) return version;
  return ok({
    version: version.value,
    status: Number(match[2]),
    reason: (match[3] ?? '').trim(),
    headers,
  });
}

/**
 * HTTP/1.0 or 1.1. A later 1.x minor reads as 1.1, the highest we speak (RFC
 * 7230 §2.6); another major is `bad-version`.
 */
function parseVersion(text: string, code: string, line: string): Result<HttpVersion> {
  const match = VERSION.exec(text);
  if (!match) return badLine(code, 'no HTTP/x.y version', line);
  if (Number(match[1]) !== 1) return badLine('bad-version', 'only HTTP/1.x is spoken', line);
  return ok(Number(match[2]) === 0 ? '1.0' : '1.1');
}

/** The first line and the header fields of a head, with continuation lines unfolded. */
function splitHead(head: string): Result<{ firstLine: string; headers: HttpHeaders }> {
  const lines = head.split('\n').map((line) => (line.endsWith('\r') ? line.slice(0, -1) : line));
  while (lines.at(-1) === '') lines.pop(); // the head's last line end, and its empty line if given
  const [firstLine = '', ...rest] = lines;
  if (rest.length > MAX_HEADER_LINES) {
    return fail(
      new ProtocolError('too-many-headers', `more than ${MAX_HEADER_LINES} header lines`),
    );
  }
  const fields: [string, string][] = [];
  for (const line of rest) {
    if (line[0] === ' ' || line[0] === '\t') {
      const previous = fields.at(-1);
      if (!previous) return badLine('bad-header-line', 'continuation line before any header', line);
      const more = line.trim();
      if (more !== '') previous[1] = previous[1] === '' ? more : `${previous[1]} ${more}`;
      continue;
    }
    const colon = line.indexOf(':');
    const name = line.slice(0, colon).trimEnd();
    if (colon < 0 || !TOKEN.test(name)) {
      return badLine('bad-header-line', 'expected "Name: value"', line);
    }
    fields.push([name, line.slice(colon + 1).trim()]);
  }
  return ok({ firstLine, headers: HttpHeaders.from(fields) });
}

function badLine(code: string, what: string, line: string): Result<never> {
  return fail(new ProtocolError(code, `${what}, got ${quote(line)}`));
}

/** `METHOD target HTTP/1.1`, headers, empty line. Throws UsageError on text that cannot go on the wire. */
export function formatRequestHead(
  method: string,
  target: string,
  headers: readonly (readonly [string, string])[],
): Uint8Array {
  if (!TOKEN.test(method)) throw new UsageError(`bad HTTP method ${JSON.stringify(method)}`);
  if (target === '' || /\s/.test(target) || hasControlChar(target)) {
    throw new UsageError(`an HTTP target needs no blanks or control characters: ${target}`);
  }
  return formatHead(`${method} ${target} HTTP/1.1`, headers);
}

/** `HTTP/1.1 status reason`, headers, empty line. Throws UsageError on text that cannot go on the wire. */
export function formatResponseHead(
  status: number,
  reason: string,
  headers: readonly (readonly [string, string])[],
): Uint8Array {
  if (!Number.isInteger(status) || status < 100 || status > 999) {
    throw new UsageError(`an HTTP status has 3 digits, got ${status}`);
  }
  checkText('reason phrase', reason);
  return formatHead(`HTTP/1.1 ${status} ${reason}`, headers);
}

function formatHead(
  firstLine: string,
  headers: readonly (readonly [string, string])[],
): Uint8Array {
  let text = `${firstLine}\r\n`;
  for (const [name, value] of headers) {
    if (!TOKEN.test(name)) throw new UsageError(`bad HTTP header name ${JSON.stringify(name)}`);
    checkText(`value of ${name}`, value);
    text += `${name}: ${value}\r\n`;
  }
  return encodeLatin1('an HTTP head', `${text}\r\n`);
}

/** CR or LF would end the line early: a header injected into our own head. */
function checkText(what: string, text: string): void {
  if (hasControlChar(text)) {
    throw new UsageError(`${what} must not hold CR, LF or other control characters`);
  }
}

/**
 * Does the connection stay open after this message (HTTP-11)? HTTP/1.1 does
 * unless `Connection: close`; HTTP/1.0 only with `Connection: Keep-Alive`.
 * Check both the request and the response: either side may close.
 */
export function keepsAlive(version: HttpVersion, headers: HttpHeaders): boolean {
  const options = (headers.get('Connection') ?? '')
    .split(',')
    .map((option) => option.trim().toLowerCase());
  if (options.includes('close')) return false;
  return version === '1.1' || options.includes('keep-alive');
}
