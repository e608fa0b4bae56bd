/** Starting nodes (the SUT and other servents) and fixture listeners. */
import { Given, Then, When } from '@cucumber/cucumber';
import { expect } from 'chai';
import { FixturePeer } from '../harness/peers/fixture-peer.js';
import type { NodeRole } from '../harness/sut/adapter.js';
import { AdapterCapabilityError } from '../harness/sut/adapter.js';
import { eventually } from './support/eventually.js';
import type { ConformanceWorld } from './support/world.js';

const PRIMARY = 'fixture ultrapeer';

async function listen(world: ConformanceWorld, name: string): Promise<void> {
  const network = await world.ensureNetwork();
  world.listeners.set(name, await FixturePeer.listen(network.gateway, name));
}

Given('a fixture ultrapeer is listening', async function (this: ConformanceWorld) {
  await listen(this, PRIMARY);
});

Given(
  '{int} more fixture ultrapeers are listening',
  async function (this: ConformanceWorld, n: number) {
    for (let i = 1; i <= n; i++) await listen(this, `other ultrapeer ${i}`);
  },
);

const modeOf = (text: string): NodeRole['mode'] => (text.includes('leaf') ? 'leaf' : 'ultrapeer');

Given(
  /^the SUT runs as (an ultrapeer|a leaf)$/,
  async function (this: ConformanceWorld, mode: string) {
    await this.startNode('sut', { mode: modeOf(mode) });
  },
);

Given(
  /^the SUT runs as (an ultrapeer|a leaf) connected to that fixture ultrapeer$/,
  async function (this: ConformanceWorld, mode: string) {
    await this.startNode('sut', { mode: modeOf(mode), peers: [this.listener(PRIMARY).endpoint] });
  },
);

Given(
  'the SUT runs as an ultrapeer with {int} leaf slot(s), connected to that fixture ultrapeer',
  async function (this: ConformanceWorld, slots: number) {
    await this.startNode('sut', {
      mode: 'ultrapeer',
      maxLeaves: slots,
      peers: [this.listener(PRIMARY).endpoint],
    });
    // The SUT learns an ultrapeer only once that handshake completes, so complete it here.
    const peer = await this.listener(PRIMARY).accept(10_000);
    this.peers.push(peer);
    await peer.readBlock();
    peer.writeBlock('GNUTELLA/0.6 200 OK', [
      ['User-Agent', 'FixtureUltrapeer/0.1'],
      ['X-Ultrapeer', 'True'],
      [
        'Listen-IP',
        `${this.listener(PRIMARY).endpoint.host}:${this.listener(PRIMARY).endpoint.port}`,
      ],
    ]);
    const confirmation = await peer.readBlock(8_000);
    expect(confirmation.firstLine, 'the SUT did not confirm the fixture ultrapeer').to.match(
      /^GNUTELLA\/0\.6 200/,
    );
  },
);

Given(
  /^servent "([^"]+)" runs as (an ultrapeer|a leaf)$/,
  async function (this: ConformanceWorld, name: string, mode: string) {
    await this.startNode(name, { mode: modeOf(mode) });
  },
);

Given(
  /^servent "([^"]+)" runs as (an ultrapeer|a leaf) connected to servent "([^"]+)"$/,
  async function (this: ConformanceWorld, name: string, mode: string, other: string) {
    await this.startNode(name, { mode: modeOf(mode), peers: [this.node(other).gnutella] });
  },
);

Then(
  /^within (\d+) seconds servent "([^"]+)" reports a connection (from|to) servent "([^"]+)" with "([^"]+)" "([^"]+)"$/,
  async function (
    this: ConformanceWorld,
    seconds: string,
    name: string,
    dir: string,
    other: string,
    header: string,
    value: string,
  ) {
    const node = this.node(name);
    const peerIp = this.node(other).ip;
    const status = this.sut.status?.bind(this.sut);
    if (!status || !node.control)
      throw new AdapterCapabilityError(this.sut.name, 'report its connections');
    const control = node.control;
    await eventually(
      Number(seconds) * 1000,
      `servent "${name}" reporting an established connection ${dir} "${other}"`,
      async () => {
        const report = await status(control);
        const conn = report.connections.find(
          (c) =>
            c.remote.host === peerIp &&
            c.state === 'established' &&
            c.direction === (dir === 'from' ? 'inbound' : 'outbound'),
        );
        if (!conn)
          return `connections: ${JSON.stringify(report.connections.map((c) => [c.direction, c.remote, c.state]))}`;
        const got = Object.entries(conn.peerHeaders).find(
          ([n]) => n.toLowerCase() === header.toLowerCase(),
        )?.[1];
        expect(got, `${header} reported by "${name}" for "${other}"`).to.equal(value);
        expect(conn.peerHeaders, 'reported headers include User-Agent').to.have.property(
          'User-Agent',
        );
        return undefined;
      },
    );
  },
);

When('the SUT is told to close that connection', async function (this: ConformanceWorld) {
  const node = this.node();
  const peer = this.currentPeer();
  const { status, disconnect } = this.sut;
  if (!status || !disconnect || !node.control)
    throw new AdapterCapabilityError(this.sut.name, 'close a chosen connection');
  const report = await status.call(this.sut, node.control);
  const conn = report.connections.find((c) => c.remote.port === peer.local.port);
  expect(conn, `the SUT reports no connection from port ${peer.local.port}`).to.not.equal(
    undefined,
  );
  await disconnect.call(this.sut, node.control, conn!.id);
});
