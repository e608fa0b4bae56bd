/**
 * What an uploader answers to one HTTP request (http-transfers.md §2–§6, §9,
 * §10.4): which resource, which range, which status and headers. The shell
 * asks for an upload slot, writes the head and then the bytes.
 *
 * Files are found by library index or SHA-1, never by a path taken from the
 * request, so no request can name anything outside the share (`/get/1/../x`
 * is only a name that does not match file 1).
 */

import { sha1Urn } from '../hash/index.js';
import {
  formatAvailableRanges,
  formatContentRange,
  type HttpRequest,
  parseRange,
  parseTarget,
} from '../http/index.js';
import { base32Decode, base32Encode } from '../wire/base32.js';
import type { Interval, IntervalSet } from './intervals.js';

/** A file we can serve: shared and complete, or still downloading (PFSP). */
export interface UploadResource {
  /** The library index (complete files only): what `/get/<index>/` names. */
  index?: number;
  name: string;
  size: number;
  sha1: Uint8Array;
  /** The verified bytes of a partial file; undefined for a complete file (HTTP-20). */
  available?: IntervalSet;
  /** The root of a tree we can serve as THEX (complete files, HTTP-23). */
  tigerRoot?: Uint8Array;
}

export interface UploadLookup {
  byIndex(index: number): UploadResource | undefined;
  bySha1(sha1: Uint8Array): UploadResource | undefined;
}

export type Header = readonly [string, string];

export type UploadAnswer =
  /** File bytes `range` (half-open) of `resource`; a GET needs an upload slot first. */
  | {
      kind: 'file';
      resource: UploadResource;
      status: 200 | 206;
      range: Interval;
      headers: Header[];
    }
  /** The THEX serialisation of `resource`'s tree (HTTP-22). */
  | { kind: 'thex'; resource: UploadResource; headers: Header[] }
  /** A push-proxy request (push.md §6.4): the shell answers 202, 400 or 410. */
  | { kind: 'push-proxy'; serventId: Uint8Array; fileIndex: number }
  /** An answer without body bytes beyond `body` (a short text, often empty). */
  | { kind: 'status'; status: number; reason: string; headers: Header[]; body?: string };

/** Names in X-Available-Ranges before the list is cut and `X-Available` added (PFSP 1.0a). */
const MAX_AVAILABLE_RANGES = 64;

/** The N2X URI we answer for a SHA-1 (HTTP-23: the URI must be one we serve). */
export const thexUri = (sha1: Uint8Array): string => `/uri-res/N2X?${sha1Urn(sha1)}`;

/** The answer to `request`. Headers common to every response (Server, Content-Length, X-Features) are the shell's. */
export function answerUpload(request: HttpRequest, lookup: UploadLookup): UploadAnswer {
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    return status(501, 'Not Implemented');
  }
  const target = parseTarget(request.target);
  switch (target.kind) {
    case 'malformed':
      return status(400, 'Malformed Request', [], target.reason);
    case 'unknown':
    case 'browse':
      return status(404, 'Not Found');
    case 'push-proxy':
      return { kind: 'push-proxy', serventId: target.serventId, fileIndex: target.fileIndex };
    case 'n2x': {
      const resource = lookup.bySha1(target.sha1);
      if (resource === undefined || resource.available || !resource.tigerRoot) {
        return status(404, 'Not Found', resource ? urnHeader(resource) : []);
      }
      return { kind: 'thex', resource, headers: urnHeader(resource) };
    }
    case 'n2r':
    case 'get': {
      const resource =
        target.kind === 'n2r' ? lookup.bySha1(target.sha1) : byIndexAndName(lookup, target);
      if (resource === undefined) return status(404, 'Not Found');
      // HTTP-13: a request naming another content is answered 404, whatever the path said.
      const claimed = claimedSha1s(request);
      if (claimed.length > 0 && !claimed.some((c) => sameBytes(c, resource.sha1))) {
        return status(404, 'Not Found', urnHeader(resource));
      }
      return fileAnswer(request, resource);
    }
  }
}

function fileAnswer(request: HttpRequest, resource: UploadResource): UploadAnswer {
  const headers = resourceHeaders(resource);
  const range = parseRange(request.headers.get('Range'), resource.size);
  if (range.kind === 'malformed') return status(400, 'Malformed Range', headers, range.reason);
  if (range.kind === 'unsatisfiable') {
    // HTTP-8: the complete size, so the downloader can pick again.
    return status(416, 'Requested Range Not Satisfiable', [
      ['Content-Range', `bytes */${resource.size}`],
      ...headers,
    ]);
  }
  let start = range.kind === 'whole' ? 0 : range.start;
  let end = range.kind === 'whole' ? resource.size : range.end + 1;
  if (resource.available) {
    // HTTP-21: the first held piece inside the request, or 416 naming what is held.
    const held = resource.available.intersect(start, end)[0];
    if (held === undefined || range.kind === 'whole') {
      return status(416, 'Requested Range Unavailable', headers);
    }
    start = held.start;
    end = held.end;
  }
  const whole = start === 0 && end === resource.size;
  return {
    kind: 'file',
    resource,
    status: whole ? 200 : 206,
    range: { start, end },
    headers: whole
      ? headers
      : [['Content-Range', formatContentRange(start, end - 1, resource.size)], ...headers],
  };
}

/** Headers about the resource that every answer concerning it carries (HTTP-12, HTTP-20, HTTP-23). */
function resourceHeaders(resource: UploadResource): Header[] {
  const headers = urnHeader(resource);
  if (resource.available) {
    const ranges = [...resource.available].map(({ start, end }) => ({ start, end: end - 1 }));
    headers.push(['X-Available-Ranges', formatAvailableRanges(ranges, MAX_AVAILABLE_RANGES)]);
    if (ranges.length > MAX_AVAILABLE_RANGES) {
      headers.push(['X-Available', `bytes ${resource.available.total}`]);
    }
  } else if (resource.tigerRoot) {
    headers.push(['X-Thex-URI', `${thexUri(resource.sha1)};${base32Encode(resource.tigerRoot)}`]);
  }
  return headers;
}

const urnHeader = (resource: UploadResource): Header[] => [
  ['X-Gnutella-Content-URN', sha1Urn(resource.sha1)],
];

/** `/get/<index>/<name>`: the index must name a complete file of that name (HTTP-4). */
function byIndexAndName(
  lookup: UploadLookup,
  target: { index: number; name: string },
): UploadResource | undefined {
  const resource = lookup.byIndex(target.index);
  return resource?.name === target.name ? resource : undefined;
}

/** SHA-1s named by X-Gnutella-Content-URN or X-Content-URN (HTTP-13); other URNs are ignored. */
function claimedSha1s(request: HttpRequest): Uint8Array[] {
  const value = [
    request.headers.get('X-Gnutella-Content-URN'),
    request.headers.get('X-Content-URN'),
  ]
    .filter((v) => v !== undefined)
    .join(',');
  const sha1s: Uint8Array[] = [];
  for (const item of value.split(',')) {
    const match = /^\s*urn:(?:sha1:([a-z2-7]{32})|bitprint:([a-z2-7]{32})\.[a-z2-7]{39})\s*$/i.exec(
      item,
    );
    const text = match?.[1] ?? match?.[2];
    const bytes = text === undefined ? undefined : base32Decode(text.toUpperCase());
    if (bytes?.ok) sha1s.push(bytes.value);
  }
  return sha1s;
}

function status(code: number, reason: string, headers: Header[] = [], body?: string): UploadAnswer {
  return { kind: 'status', status: code, reason, headers, ...(body !== undefined && { body }) };
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
