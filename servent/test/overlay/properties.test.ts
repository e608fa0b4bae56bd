/** Routing invariants of an ultrapeer under random links, tables, Hops-Flow values and queries. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { prepareQuery } from '../../src/core/qrp/index.js';
import { encodeVendorFrame, MessageType } from '../../src/core/wire/index.js';
import { caps, drain, makeNode, query, tableMessages, testGuid } from './support.js';

const WORDS = ['red', 'apple', 'green', 'pear', 'blue', 'sky', 'ocean'];

const linkArb = fc.record({
  leaf: fc.boolean(),
  upQrp: fc.boolean(),
  table: fc.option(fc.subarray(WORDS, { minLength: 1, maxLength: 3 }), { nil: undefined }),
  hopsFlow: fc.option(fc.integer({ min: 0, max: 6 }), { nil: undefined }),
});

const queryArb = fc.record({
  from: fc.nat(),
  ttl: fc.integer({ min: 0, max: 20 }),
  hops: fc.integer({ min: 0, max: 20 }),
  words: fc.subarray(WORDS, { minLength: 1, maxLength: 2 }),
  repeat: fc.boolean(),
});

test('MSG-8 MSG-9 MSG-14 RT-1 RT-6 UP-7 UP-9 QRP-11 QRP-16 DQ-3 property: what an ultrapeer relays', () => {
  fc.assert(
    fc.property(
      fc.array(linkArb, { minLength: 1, maxLength: 8 }),
      fc.array(queryArb, { minLength: 1, maxLength: 20 }),
      (specs, queries) => {
        const { overlay } = makeNode({ mode: 'ultrapeer' });
        const links = specs.map((spec, i) => ({ ...spec, id: i + 1 }));
        for (const link of links) {
          overlay.addLink(
            link.id,
            caps({
              peerMode: link.leaf ? 'leaf' : 'ultrapeer',
              vendorMessages: false,
              ultrapeerQueryRouting: link.upQrp,
            }),
            0,
          );
          const entitled = link.leaf || link.upQrp;
          if (link.table !== undefined && entitled) {
            for (const m of tableMessages([link.table.join(' ')]))
              overlay.handleMessage(link.id, m, 0);
          }
          if (link.hopsFlow !== undefined) {
            overlay.handleMessage(
              link.id,
              encodeVendorFrame({ kind: 'hops-flow', version: 1, hops: link.hopsFlow }, testGuid()),
              0,
            );
          }
        }
        drain(overlay);
        const seen = new Set<string>();
        let last: Uint8Array | undefined;
        for (const q of queries) {
          const from = links[q.from % links.length]!;
          if (from.leaf && q.hops !== 0) continue;
          const guid = q.repeat && last ? last : testGuid();
          last = guid;
          const key = Buffer.from(guid).toString('hex');
          const duplicate = seen.has(key);
          // Over the hard limit: dropped before it is remembered (MSG-10).
          const accepted = q.ttl + q.hops <= 15;
          if (accepted) seen.add(key);
          overlay.handleMessage(
            from.id,
            query(q.words.join(' '), { guid, ttl: q.ttl, hops: q.hops }),
            0,
          );
          const relayed = drain(overlay).filter((s) => s.type === MessageType.Query);
          if (duplicate || !accepted || q.ttl === 0) {
            assert.deepEqual(relayed, []);
            continue;
          }
          const prepared = prepareQuery({ text: q.words.join(' ') });
          for (const s of relayed) {
            const to = links[s.link - 1]!;
            assert.notEqual(s.link, from.id, 'never back to the sender');
            assert.equal(s.hops, q.hops + 1);
            // The ultrapeer chooses the TTL of a leaf's query (dynamic-querying.md §1).
            if (!from.leaf || to.leaf)
              assert.ok(s.ttl + s.hops <= q.ttl + q.hops, 'TTL + hops never grows');
            assert.ok(s.hops < (to.hopsFlow ?? 255), 'Hops-Flow');
            const tableHits = to.table !== undefined && prepareTableHit(to.table, prepared);
            if (to.leaf) {
              assert.ok(tableHits, 'leaves only on a QRP hit');
            } else {
              assert.ok(s.ttl >= 1, 'no TTL 0 to ultrapeers');
              // A leaf's query is run dynamically: a fresh TTL of at most 4 (DQ-3); others are trimmed.
              if (from.leaf) assert.ok(s.ttl <= 4, 'DQ-3');
              else assert.ok(s.ttl + s.hops <= 4, 'trimmed');
              if (s.ttl === 1 && to.upQrp && to.table !== undefined)
                assert.ok(tableHits, 'last-hop QRP');
            }
          }
        }
      },
    ),
    { numRuns: 150 },
  );
});

/** Whether a table built from `words` would match: every query word is one of them. */
function prepareTableHit(words: string[], query: { words: readonly string[] }): boolean {
  return query.words.every((w) => words.includes(w));
}
