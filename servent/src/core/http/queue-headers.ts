/**
 * Queue status of a busy uploader (http-transfers.md §7, HTTP-19, HTTP-29):
 * the legacy active queue's `X-Queue: position=…, pollMin=…, pollMax=…` and
 * PARQ's `X-Queued: position=…; ID=…` with `Retry-After`.
 */

import type { HttpHeaders } from './head.js';
import { parseUint } from './syntax.js';

/**
 * Legacy queue polling window in seconds: LimeWire's constants (§7). A
 * client re-polling before pollMin gets `403 Banned`; after pollMax it has
 * lost its slot.
 */
export const POLL_MIN_S = 45;
export const POLL_MAX_S = 120;

export interface LegacyQueue {
  position: number;
  length: number;
  limit: number;
  pollMinS: number;
  pollMaxS: number;
}

/** `position=3, length=12, limit=4, pollMin=45, pollMax=120` (§7). */
export function formatLegacyQueue(q: LegacyQueue): string {
  return `position=${q.position}, length=${q.length}, limit=${q.limit}, pollMin=${q.pollMinS}, pollMax=${q.pollMaxS}`;
}

export type QueueStatus =
  /** Re-poll on the same connection between pollMin and pollMax seconds (HTTP-29). */
  | { kind: 'legacy'; position: number; pollMinS: number; pollMaxS: number }
  /** Re-request with `X-Queued: position=<position>; ID=<id>`, not before Retry-After (HTTP-29). */
  | { kind: 'parq'; position: number; id: string; retryAfterS?: number };

// `X-Queue: 1.1` (or LimeWire's `0.1`) announces queue support; it is no queue status (§7).
const VERSION = /^\d\.\d/;

/**
 * The queue status of a response, if it carries one. PARQ's `X-Queued` wins
 * when both are present, since only it identifies the slot; the legacy
 * `X-Queue` is read too, as a PARQ client must (§7). Only the fields the
 * reference parsers require are required: `position` and `ID` for PARQ,
 * `position`, `pollMin` and `pollMax` for the legacy queue (LimeWire).
 */
export function parseQueueHeaders(headers: HttpHeaders): QueueStatus | undefined {
  return parqStatus(headers) ?? legacyStatus(headers.get('X-Queue'));
}

function parqStatus(headers: HttpHeaders): QueueStatus | undefined {
  const params = parameters(headers.get('X-Queued'), ';');
  const position = numberParam(params, 'position');
  const id = params.get('id');
  if (position === undefined || !id) return undefined;
  const retryAfter = headers.get('Retry-After')?.trim() ?? '';
  const retryAfterS = parseUint(retryAfter, Number.MAX_SAFE_INTEGER);
  return retryAfterS === undefined
    ? { kind: 'parq', position, id }
    : { kind: 'parq', position, id, retryAfterS };
}

function legacyStatus(value: string | undefined): QueueStatus | undefined {
  if (value === undefined || VERSION.test(value.trim())) return undefined;
  const params = parameters(value, ',');
  const position = numberParam(params, 'position');
  const pollMinS = numberParam(params, 'pollmin');
  const pollMaxS = numberParam(params, 'pollmax');
  if (position === undefined || pollMinS === undefined || pollMaxS === undefined) return undefined;
  return { kind: 'legacy', position, pollMinS, pollMaxS };
}

/** `name=value` items split on `separator`; names lower-cased, blanks dropped, first wins. */
function parameters(value: string | undefined, separator: string): Map<string, string> {
  const params = new Map<string, string>();
  for (const item of (value ?? '').split(separator)) {
    const equals = item.indexOf('=');
    if (equals < 0) continue;
    const name = item.slice(0, equals).trim().toLowerCase();
    if (!params.has(name)) params.set(name, item.slice(equals + 1).trim());
  }
  return params;
}

function numberParam(params: Map<string, string>, name: string): number | undefined {
  return parseUint(params.get(name) ?? '', Number.MAX_SAFE_INTEGER);
}
