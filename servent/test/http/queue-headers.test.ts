import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import {
  formatLegacyQueue,
  HeadReader,
  HttpHeaders,
  POLL_MAX_S,
  POLL_MIN_S,
  parseQueueHeaders,
  parseResponseHead,
} from '../../src/core/http/index.js';
import { UNIT_RUNS } from '../fuzz-runs.js';
import { GTK_TO_GTK, payloads } from './recordings.js';

const headers = (...fields: [string, string][]) => HttpHeaders.from(fields);
const PARQ_ID = '6a074979f3201edbf323b6425fef4a53';

test('formatLegacyQueue writes the §7 value; POLL_MIN_S/POLL_MAX_S are LimeWire’s', () => {
  assert.equal(
    formatLegacyQueue({
      position: 3,
      length: 12,
      limit: 4,
      pollMinS: POLL_MIN_S,
      pollMaxS: POLL_MAX_S,
    }),
    'position=3, length=12, limit=4, pollMin=45, pollMax=120',
  );
  assert.deepEqual([POLL_MIN_S, POLL_MAX_S], [45, 120]);
});

test('parseQueueHeaders: the legacy answer of §12 E, and the formatted value (HTTP-19)', () => {
  assert.deepEqual(parseQueueHeaders(headers(['X-Queue', 'position=3, pollMin=45, pollMax=120'])), {
    kind: 'legacy',
    position: 3,
    pollMinS: 45,
    pollMaxS: 120,
  });
  const value = formatLegacyQueue({
    position: 2,
    length: 5,
    limit: 4,
    pollMinS: 45,
    pollMaxS: 120,
  });
  assert.deepEqual(parseQueueHeaders(headers(['x-queue', value])), {
    kind: 'legacy',
    position: 2,
    pollMinS: 45,
    pollMaxS: 120,
  });
  assert.deepEqual(parseQueueHeaders(headers(['X-Queue', 'POLLMAX=120,position=1,pollmin=30'])), {
    kind: 'legacy',
    position: 1,
    pollMinS: 30,
    pollMaxS: 120,
  });
});

test('parseQueueHeaders: the PARQ answer of §12 E, spaces optional, names in any case', () => {
  assert.deepEqual(
    parseQueueHeaders(
      headers(
        ['X-Features', 'queue/1.1'],
        ['X-Queued', `position=14; length=40; ETA=2100; lifetime=600; ID=${PARQ_ID}`],
        ['Retry-After', '290'],
      ),
    ),
    { kind: 'parq', position: 14, id: PARQ_ID, retryAfterS: 290 },
  );
  assert.deepEqual(parseQueueHeaders(headers(['x-queued', `ID=${PARQ_ID};POSITION=2`])), {
    kind: 'parq',
    position: 2,
    id: PARQ_ID,
  });
  // Retry-After as an HTTP-date is not read: the caller falls back to its own delay.
  assert.deepEqual(
    parseQueueHeaders(
      headers(
        ['X-Queued', `position=1;ID=${PARQ_ID}`],
        ['Retry-After', 'Sun, 01 Jun 2025 05:11:59 GMT'],
      ),
    ),
    { kind: 'parq', position: 1, id: PARQ_ID },
  );
  // Both headers: PARQ's identifies the slot, so it wins.
  assert.equal(
    parseQueueHeaders(
      headers(
        ['X-Queue', 'position=3, pollMin=45, pollMax=120'],
        ['X-Queued', `position=3; ID=${PARQ_ID}`],
      ),
    )?.kind,
    'parq',
  );
});

test('parseQueueHeaders: no status without the mandatory fields, or from a version announcement', () => {
  for (const fields of [
    [],
    [['X-Queue', '0.1']], // LimeWire's request header
    [['X-Queue', '1.1']], // gtk-gnutella's
    [['X-Queue', '1.0']],
    [['X-Queue', 'position=3, pollMin=45']],
    [['X-Queue', 'position=x, pollMin=45, pollMax=120']],
    [['X-Queued', 'position=3']],
    [['X-Queued', `ID=${PARQ_ID}`]], // as gtk-gnutella sends on a 200, with no position
    [['X-Queued', `position=-1; ID=${PARQ_ID}`]],
    [
      ['X-Queued', 'position=1; ID='],
      ['Retry-After', '5'],
    ],
  ] as [string, string][][]) {
    assert.equal(parseQueueHeaders(HttpHeaders.from(fields)), undefined, JSON.stringify(fields));
  }
});

test("parseQueueHeaders: gtk-gnutella's real 200 carries X-Queued with an ID only, which is no queue status", () => {
  const read = new HeadReader().push(payloads(GTK_TO_GTK, 'responder')[0]!);
  assert.ok(read.ok && read.value);
  const response = parseResponseHead(read.value.head);
  assert.ok(response.ok);
  assert.equal(response.value.headers.get('X-Queued'), 'ID=220a989fe5f6f9a281047c7c7db4f230');
  assert.equal(parseQueueHeaders(response.value.headers), undefined);
});

test('property: parseQueueHeaders never throws', () => {
  fc.assert(
    fc.property(fc.string(), fc.string(), fc.string(), (queue, queued, retry) => {
      parseQueueHeaders(headers(['X-Queue', queue], ['X-Queued', queued], ['Retry-After', retry]));
    }),
    { numRuns: UNIT_RUNS },
  );
});
