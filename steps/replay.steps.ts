/**
 * Replays of recorded real-client conversations (fixtures/peers/**, format
 * `gnutella-fixture/1` in fixtures/README.md): the fixture plays its side
 * against the running SUT and the verdict, step by step, goes into the report.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { Then } from '@cucumber/cucumber';
import { parseFixture } from '../harness/fixtures/fixture.js';
import type { FixtureListener } from '../harness/peers/fixture-peer.js';
import { formatVerdict, replayFixture } from '../harness/peers/replay-peer.js';
import type { ConformanceWorld } from './support/world.js';

const PEERS = fileURLToPath(new URL('../fixtures/peers/', import.meta.url));
/** The listener "a fixture ultrapeer is listening" opens; the SUT dials it when it plays the responder. */
const LISTENER = 'fixture ultrapeer';
/** How long the SUT may take to dial the fixture's listener. */
const CONNECT_MS = 15_000;

Then(
  'the SUT conforms to the recorded fixture {string}',
  async function (this: ConformanceWorld, path: string) {
    const fixture = parseFixture(JSON.parse(await readFile(`${PEERS}${path}`, 'utf8')));
    const target = fixture.peer.side === 'initiator' ? this.node().gnutella : listener(this);
    const verdict = await replayFixture(fixture, target, { connectMs: CONNECT_MS });
    this.attach(formatVerdict(verdict));
    this.attach(JSON.stringify(verdict.transcript, null, 1), 'application/json');
    if (verdict.verdict !== 'pass')
      throw new Error(
        `the SUT does not conform to ${path} (verdict ${verdict.verdict}${verdict.alternative !== undefined ? `, alternative ${verdict.alternative}` : ''}):\n${formatVerdict(verdict)}`,
      );
  },
);

/** The scenario's one listener, or the fixture ultrapeer's when there are several. */
function listener(world: ConformanceWorld): FixtureListener {
  if (world.listeners.size === 1) return [...world.listeners.values()][0]!;
  if (world.listeners.size === 0)
    throw new Error(
      'this fixture plays the responder: start "a fixture ultrapeer is listening" and a SUT connected to it first',
    );
  return world.listener(LISTENER);
}
