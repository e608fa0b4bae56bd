/**
 * Bootstrap steps (bootstrap.md): a fixture GWebCache and a fixture UDP host
 * cache on the scenario network's gateway, a SUT that starts knowing nobody
 * but them, and what it asks them, judged on the wire.
 */
import * as net from 'node:net';
import { Given, Then, When } from '@cucumber/cucumber';
import { expect } from 'chai';
import { GwebCacheFixture } from '../harness/peers/gwebcache-fixture.js';
import { ScriptedPeer } from '../harness/peers/scripted-peer.js';
import { UdpHostCacheFixture } from '../harness/peers/udp-host-cache.js';
import { nameList } from '../harness/routing/observe.js';
import { waitForUdpPong } from '../harness/routing/udp-readiness.js';
import { decodeUdpMessage } from '../servent/src/core/bootstrap/uhc.js';
import { absenceWindow, eventually } from './support/eventually.js';
import type { ConformanceWorld } from './support/world.js';

/** How long the SUT may take to ask a cache, and to dial what the cache gave it. */
const ASK_MS = 20_000;
const DIAL_MS = 20_000;

async function accept(world: ConformanceWorld, listener: string, name: string): Promise<void> {
  const peer = await ScriptedPeer.accept(
    world.listener(listener),
    { name, role: 'ultrapeer' },
    DIAL_MS,
  );
  world.addFixture(peer);
}

Given(
  /^a GWebCache "([^"]+)" that lists (.+)$/,
  async function (this: ConformanceWorld, name: string, names: string) {
    const network = await this.ensureNetwork();
    const hosts = nameList(names).map((n) => this.listener(n).endpoint);
    this.webCaches.set(name, await GwebCacheFixture.start({ host: network.gateway, hosts }));
  },
);

Given(
  /^a UDP host cache "([^"]+)" that lists (.+?)( in a compressed IPP)?$/,
  async function (this: ConformanceWorld, name: string, names: string, compressed?: string) {
    const network = await this.ensureNetwork();
    const hosts = nameList(names).map((n) => this.listener(n).endpoint);
    const cache = await UdpHostCacheFixture.start({
      host: network.gateway,
      hosts,
      compress: compressed !== undefined,
    });
    // The same port over TCP: a servent must never go there (BOOT-6).
    const tcp = net.createServer((socket) => {
      this.notes.set(`tcp to ${name}`, ((this.notes.get(`tcp to ${name}`) as number) ?? 0) + 1);
      socket.destroy();
    });
    await new Promise<void>((resolve, reject) => {
      tcp.once('error', reject);
      tcp.listen(cache.address.port, network.gateway, () => resolve());
    });
    this.udpHostCaches.set(name, cache);
    this.closers.push(() => new Promise<void>((resolve) => tcp.close(() => resolve())));
  },
);

When(
  /^the SUT starts as (a leaf|an ultrapeer) knowing no peer, only (.+)$/,
  async function (this: ConformanceWorld, mode: string, names: string) {
    const webCaches: string[] = [];
    const udpHostCaches = [];
    for (const name of nameList(names)) {
      const web = this.webCaches.get(name);
      const udp = this.udpHostCaches.get(name);
      if (web) webCaches.push(web.url);
      else if (udp) udpHostCaches.push(udp.address);
      else throw new Error(`no cache named "${name}" in this scenario`);
    }
    await this.startNode('sut', {
      mode: mode === 'a leaf' ? 'leaf' : 'ultrapeer',
      webCaches,
      udpHostCaches,
    });
  },
);

Then(
  '{string} accepts a connection from the SUT',
  async function (this: ConformanceWorld, listener: string) {
    await accept(this, listener, listener);
  },
);

Then(
  '{string} accepts a connection from the SUT again',
  async function (this: ConformanceWorld, listener: string) {
    await accept(this, listener, `${listener} again`);
  },
);

Then(
  /^"([^"]+)" receives a request for hosts from the SUT, with its client code and version$/,
  async function (this: ConformanceWorld, name: string) {
    const cache = this.webCaches.get(name)!;
    await eventually(ASK_MS, `a request at GWebCache "${name}"`, async () =>
      cache.requests.length > 0 ? undefined : 'none yet',
    );
    const request = cache.requests[0]!;
    const q = request.query;
    expect(q.get('get') === '1' || q.get('hostfile') === '1', `asks for hosts: ${request.path}`).to
      .be.true;
    // BOOT-12: a vendor code, with the version in version= or appended to it.
    const client = q.get('client') ?? '';
    expect(client, `client= in ${request.path}`).to.match(/^[A-Za-z0-9]{4}/);
    expect(
      q.has('version') || client.length > 4,
      `a version, in version= or after the code: ${request.path}`,
    ).to.be.true;
    // BOOT-17: a Host header naming the cache (virtual hosting).
    const url = new URL(cache.url);
    expect(request.headers.host, 'Host header').to.equal(url.host);
  },
);

Then(
  /^the SUT's requests to "([^"]+)" carry no update, as a leaf may not send one$/,
  function (this: ConformanceWorld, name: string) {
    // BOOT-16: updates only from reachable ultrapeers up for an hour.
    for (const request of this.webCaches.get(name)!.requests) {
      expect(request.query.has('update'), request.path).to.be.false;
      expect(request.query.has('ip'), request.path).to.be.false;
    }
  },
);

Then(
  /^"([^"]+)" receives a ping from the SUT in one datagram: a 23-byte header with its payload length, TTL 1, hops 0, and SCP saying (leaf|ultrapeer)$/,
  async function (this: ConformanceWorld, name: string, role: string) {
    const cache = this.udpHostCaches.get(name)!;
    const ping = await cache.waitForPing(ASK_MS, () => true);
    const message = decodeUdpMessage(ping.raw);
    expect(message.ok, `one whole message per datagram (BOOT-5): ${ping.error ?? ''}`).to.be.true;
    expect(ping.type, 'function 0x00: ping').to.equal(0);
    expect([ping.ttl, ping.hops], 'TTL and hops').to.deep.equal([1, 0]);
    expect(ping.scp, 'SCP with its byte').to.not.equal(undefined);
    expect(ping.scp!.ultrapeer, 'SCP bit 0').to.equal(role === 'ultrapeer');
  },
);

Then(
  'nothing connects to the port of {string} over TCP',
  function (this: ConformanceWorld, name: string) {
    expect(this.notes.get(`tcp to ${name}`) ?? 0, 'TCP connections (BOOT-6)').to.equal(0);
  },
);

When(
  'the SUT has written its host cache and is killed and started again',
  async function (this: ConformanceWorld) {
    const node = this.node();
    const file = this.sut.hostCacheFile;
    const listener = [...this.listeners.values()][0]!;
    if (file !== undefined) {
      // Wait until the cache on disk names the host it connected to: the kill then tests only the restart.
      await eventually(10_000, `${file} naming ${listener.endpoint.host}`, async () => {
        const text = await node
          .readFile(file)
          .then((b) => b.toString('utf8'))
          .catch(() => '');
        return text.includes(listener.endpoint.host) ? undefined : `now: ${text.slice(0, 200)}`;
      });
    } else {
      // An adapter that does not say where its cache lives: give it a generous moment.
      await absenceWindow(10_000);
    }
    for (const fixture of this.fixtures.values()) fixture.close();
    await node.kill();
    this.notes.set('restartedAt', Date.now());
    await node.restart();
  },
);

Then(
  /^neither (.+) heard from the SUT after the restart$/,
  function (this: ConformanceWorld, names: string) {
    const since = this.notes.get('restartedAt') as number;
    for (const name of nameList(names)) {
      const web = this.webCaches.get(name);
      const udp = this.udpHostCaches.get(name);
      const late = web
        ? web.requests.filter((r) => r.at >= since).map((r) => r.path)
        : udp!.pings.filter((p) => p.at >= since).map((p) => `ping at ${p.at}`);
      expect(late, `${name} asked after the restart (BOOT-1)`).to.deep.equal([]);
    }
  },
);

Then(
  /^"([^"]+)" heard from the SUT before the restart$/,
  function (this: ConformanceWorld, name: string) {
    const since = this.notes.get('restartedAt') as number;
    const web = this.webCaches.get(name);
    const udp = this.udpHostCaches.get(name);
    const early = web
      ? web.requests.filter((r) => r.at < since).length
      : udp!.pings.filter((p) => p.at < since).length;
    expect(early, `${name} asked before the restart`).to.be.greaterThan(0);
  },
);

When(
  /^the harness pings the SUT over UDP with SCP saying (leaf|ultrapeer)$/,
  async function (this: ConformanceWorld, role: string) {
    const node = this.node();
    const answer = await waitForUdpPong(node.gnutella, {
      timeoutMs: 15_000,
      ultrapeer: role === 'ultrapeer',
      bindHost: this.network!.gateway,
    });
    this.notes.set('udpPong', answer);
  },
);

Then(
  /^the SUT answers with one pong datagram carrying the ping's MUID, TTL 1, hops 0 and an IPP naming (.+)$/,
  function (this: ConformanceWorld, names: string) {
    // waitForUdpPong matched the MUID; parseUhcPong took only TTL ≤ 1, hops 0 and whole 6-byte IPP records.
    const answer = this.notes.get('udpPong') as Awaited<ReturnType<typeof waitForUdpPong>>;
    const ipp = answer.pong.hosts.map((h) => `${h.host}:${h.port}`);
    for (const name of nameList(names)) {
      const fixture = this.fixture(name);
      const listen = `${fixture.wire.local.host}:${fixture.wire.local.port}`;
      expect(ipp, `IPP naming "${name}" (BOOT-10)`).to.include(listen);
    }
  },
);
