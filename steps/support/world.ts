/**
 * The per-scenario world: the scenario's network, the nodes it started, the
 * fixture peers and listeners it drives, and what the SUT last said.
 */
import { join } from 'node:path';
import { type IWorldOptions, setWorldConstructor, World } from '@cucumber/cucumber';
import { PcapCapture } from '../../harness/capture/pcap.js';
import type { FixtureListener, FixturePeer } from '../../harness/peers/fixture-peer.js';
import type { FixtureUploader } from '../../harness/peers/fixture-uploader.js';
import type { GwebCacheFixture } from '../../harness/peers/gwebcache-fixture.js';
import type { ScriptedPeer, SentQuery } from '../../harness/peers/scripted-peer.js';
import type { UdpHostCacheFixture } from '../../harness/peers/udp-host-cache.js';
import type {
  DockerRuntime,
  ScenarioNetwork,
  StartedNode,
} from '../../harness/runtime/docker-runtime.js';
import { type ShareFile, shareEntries } from '../../harness/shares/share-set.js';
import {
  AdapterCapabilityError,
  type NodeRole,
  type SutAdapter,
} from '../../harness/sut/adapter.js';
import type { HeaderBlock } from '../../servent/src/core/handshake/index.js';
import { REPORT_DIR, scenarioSlug, sharedRun } from './run.js';

export class ConformanceWorld extends World {
  scenarioName = 'scenario';
  network: ScenarioNetwork | undefined;
  readonly nodes = new Map<string, StartedNode>();
  readonly listeners = new Map<string, FixtureListener>();
  readonly peers: FixturePeer[] = [];
  /** The fixture peer the current steps speak through. */
  peer: FixturePeer | undefined;
  /** The SUT's last header block and when it arrived. */
  block: HeaderBlock | undefined;
  blockAt = 0;
  /** When the current fixture peer's connection opened, and when it last wrote. */
  connectedAt = 0;
  sentAt = 0;
  /** The SUT wrote Content-Encoding: deflate on the current connection. */
  sutCompresses = false;
  /** GUID of the last ping the fixture sent. */
  pingGuid: Buffer | undefined;
  /** The zlib header the fixture's compressed stream must start with, and where it starts in `sent`. */
  expectedFixtureStreamHead: Buffer | undefined;
  fixtureStreamFrom = 0;
  /** How many bytes the SUT had sent when the fixture refused it. */
  refusedAtBytes = 0;
  /** Scripted fixture leaves and ultrapeers by the name the scenario gives them. */
  readonly fixtures = new Map<string, ScriptedPeer>();
  /** Queries fixtures sent, by the scenario's label; the last one is "that query". */
  readonly queries = new Map<string, SentQuery>();
  lastQuery: SentQuery | undefined;
  /** What each node started by the scenario shares. */
  readonly shares = new Map<string, ShareFile[]>();
  /** When the scenario last saw a sign that a node had handled what came before (for absence windows). */
  signAt = 0;
  /** Free-form per-scenario values the routing steps keep between steps. */
  readonly notes = new Map<string, unknown>();
  /** Fixture uploaders (HTTP sources on the host) by name, and the files of the scenario by name. */
  readonly uploaders = new Map<string, FixtureUploader>();
  readonly files = new Map<string, ShareFile>();
  /** Fixture GWebCaches and UDP host caches by name. */
  readonly webCaches = new Map<string, GwebCacheFixture>();
  readonly udpHostCaches = new Map<string, UdpHostCacheFixture>();
  /** Other things a step opened, closed after the scenario. */
  readonly closers: Array<() => Promise<void>> = [];

  constructor(options: IWorldOptions) {
    super(options);
  }

  get runtime(): DockerRuntime {
    return sharedRun().runtime;
  }

  get sut(): SutAdapter {
    return sharedRun().sut;
  }

  #networkCreation: Promise<ScenarioNetwork> | undefined;

  /** The pcap of the scenario's network, or why there is none. */
  capture: PcapCapture | string | undefined;

  /** Where this scenario's artefacts go: logs, transcripts, the pcap, a repro script. */
  get artefactDir(): string {
    return join(REPORT_DIR, 'scenarios', scenarioSlug(this.scenarioName));
  }

  /** The scenario's network, created once even when nodes start in parallel; its capture starts with it. */
  async ensureNetwork(): Promise<ScenarioNetwork> {
    this.#networkCreation ??= this.runtime.createNetwork(this.scenarioName).then(async (n) => {
      this.network = n;
      this.capture = await PcapCapture.start(n.id, join(this.artefactDir, 'network.pcap'));
      return n;
    });
    return this.#networkCreation;
  }

  /** Starts a node; with `files`, it shares them (copied into the adapter's share folder before start). */
  async startNode(name: string, role: NodeRole, files?: ShareFile[]): Promise<StartedNode> {
    const network = await this.ensureNetwork();
    const sut = this.sut;
    if (files && (!sut.shareDir || !sut.owner))
      throw new AdapterCapabilityError(sut.name, 'give a node files to share');
    const node = await this.runtime.startNode(network, {
      name,
      image: sut.image,
      command: sut.command(files ? { ...role, shares: true } : role),
      gnutellaPort: sut.gnutellaPort,
      ...(sut.controlPort !== undefined && { controlPort: sut.controlPort }),
      ...(files && {
        files: shareEntries(files, sut.shareDir!, sut.dataDirs ?? [], sut.owner!),
      }),
    });
    this.nodes.set(name, node);
    if (files) this.shares.set(name, files);
    return node;
  }

  /** Registers a scripted fixture: its transcript is kept and it is closed after the scenario. */
  addFixture(peer: ScriptedPeer): ScriptedPeer {
    if (this.fixtures.has(peer.name)) throw new Error(`two fixtures named "${peer.name}"`);
    this.fixtures.set(peer.name, peer);
    this.peers.push(peer.wire);
    return peer;
  }

  fixture(name: string): ScriptedPeer {
    const f = this.fixtures.get(name);
    if (!f)
      throw new Error(
        `no fixture named "${name}" in this scenario (have: ${[...this.fixtures.keys()].join(', ') || 'none'})`,
      );
    return f;
  }

  /** "that query" (undefined label) or a labelled one. */
  query(label?: string): SentQuery {
    const q = label === undefined ? this.lastQuery : this.queries.get(label);
    if (!q)
      throw new Error(
        label === undefined
          ? 'no query has been sent in this scenario yet'
          : `no query labelled "${label}" (have: ${[...this.queries.keys()].join(', ') || 'none'})`,
      );
    return q;
  }

  rememberQuery(q: SentQuery, label?: string): SentQuery {
    this.lastQuery = q;
    if (label !== undefined) this.queries.set(label, q);
    return q;
  }

  /** Marks now as the time of a positive sign (a copy arrived, a pong came back). */
  sign(): void {
    this.signAt = Date.now();
  }

  node(name = 'sut'): StartedNode {
    const node = this.nodes.get(name);
    if (!node)
      throw new Error(
        `no node named '${name}' in this scenario (started: ${[...this.nodes.keys()].join(', ') || 'none'})`,
      );
    return node;
  }

  currentPeer(): FixturePeer {
    if (!this.peer) throw new Error('no fixture peer is connected in this scenario yet');
    return this.peer;
  }

  lastBlock(): HeaderBlock {
    if (!this.block) throw new Error('the SUT has not sent a header block in this scenario yet');
    return this.block;
  }

  uploader(name: string): FixtureUploader {
    const u = this.uploaders.get(name);
    if (!u)
      throw new Error(
        `no fixture uploader '${name}' (have: ${[...this.uploaders.keys()].join(', ') || 'none'})`,
      );
    return u;
  }

  listener(name: string): FixtureListener {
    const l = this.listeners.get(name);
    if (!l)
      throw new Error(
        `no fixture listener '${name}' (have: ${[...this.listeners.keys()].join(', ') || 'none'})`,
      );
    return l;
  }
}

setWorldConstructor(ConformanceWorld);
