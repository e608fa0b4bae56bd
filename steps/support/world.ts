/**
 * The per-scenario world: the scenario's network, the nodes it started, the
 * fixture peers and listeners it drives, and what the SUT last said.
 */
import { type IWorldOptions, setWorldConstructor, World } from '@cucumber/cucumber';
import type { FixtureListener, FixturePeer } from '../../harness/peers/fixture-peer.js';
import type {
  DockerRuntime,
  ScenarioNetwork,
  StartedNode,
} from '../../harness/runtime/docker-runtime.js';
import type { NodeRole, SutAdapter } from '../../harness/sut/adapter.js';
import type { HeaderBlock } from '../../servent/src/core/handshake/index.js';
import { sharedRun } from './run.js';

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

  constructor(options: IWorldOptions) {
    super(options);
  }

  get runtime(): DockerRuntime {
    return sharedRun().runtime;
  }

  get sut(): SutAdapter {
    return sharedRun().sut;
  }

  async ensureNetwork(): Promise<ScenarioNetwork> {
    this.network ??= await this.runtime.createNetwork(this.scenarioName);
    return this.network;
  }

  async startNode(name: string, role: NodeRole): Promise<StartedNode> {
    const network = await this.ensureNetwork();
    const node = await this.runtime.startNode(network, {
      name,
      image: this.sut.image,
      command: this.sut.command(role),
      gnutellaPort: this.sut.gnutellaPort,
      ...(this.sut.controlPort !== undefined && { controlPort: this.sut.controlPort }),
    });
    this.nodes.set(name, node);
    return node;
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
