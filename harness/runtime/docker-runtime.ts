/**
 * DockerRuntime: nodes as containers on one internal Docker network per scenario.
 * testcontainers starts the containers; dockerode makes the networks (internal,
 * labelled), reads logs and cleans up. Nodes are ready when they answer a real
 * 0.6 handshake, never after a sleep or a log line.
 */
import { Readable } from 'node:stream';
import Docker from 'dockerode';
import type { BoundPorts } from 'testcontainers';
import { GenericContainer, type StartedTestContainer, type WaitStrategy } from 'testcontainers';
import { type Leftovers, leftovers, removeLabelled, sweepDeadRuns } from './cleanup.js';
import { waitForHandshake } from './handshake-probe.js';
import { LABEL, runLabels } from './labels.js';
import { type TarEntry, tarArchive } from './tar.js';

// Our own label-based cleanup replaces Ryuk, which needs an image we cannot pull.
process.env.TESTCONTAINERS_RYUK_DISABLED = 'true';

export interface ScenarioNetwork {
  name: string;
  id: string;
  /** The host's address on the bridge: where nodes reach fixture peers run by the harness. */
  gateway: string;
  subnet: string;
}

export interface NodeSpec {
  /** Short name within the scenario, e.g. `sut` or `up-1`. */
  name: string;
  image: string;
  command: string[];
  gnutellaPort: number;
  controlPort?: number;
  readyTimeoutMs?: number;
  /**
   * Files and directories put into the container's filesystem before it
   * starts (paths relative to `/`), with the owner each entry names: a
   * node's share folder and state directory.
   */
  files?: TarEntry[];
}

export interface Endpoint {
  host: string;
  port: number;
}

export interface StartedNode {
  name: string;
  containerId: string;
  ip: string;
  gnutella: Endpoint;
  control: Endpoint | undefined;
  logs(): Promise<string>;
  stop(): Promise<void>;
  /** Puts more files into the running container (paths relative to `/`), e.g. a newly shared file. */
  copyFiles(entries: TarEntry[]): Promise<void>;
}

const DEFAULT_READY_TIMEOUT_MS = 20_000;

export class DockerRuntime {
  readonly docker: Docker;
  readonly runId: string;
  readonly #networks = new Map<string, ScenarioNetwork>();
  #counter = 0;

  private constructor(docker: Docker, runId: string) {
    this.docker = docker;
    this.runId = runId;
  }

  /** Connects to the engine and removes what dead runs left behind. */
  static async open(runId: string): Promise<{ runtime: DockerRuntime; swept: Leftovers }> {
    const docker = new Docker();
    try {
      await docker.ping();
    } catch (err) {
      throw new Error(
        `no Docker engine answers (${(err as Error).message}). Run 'bash ci/setup-docker.sh' (as root it installs and starts one), or set DOCKER_HOST.`,
      );
    }
    const swept = await sweepDeadRuns(docker);
    return { runtime: new DockerRuntime(docker, runId), swept };
  }

  get runLabel(): string {
    return `${LABEL.run}=${this.runId}`;
  }

  async createNetwork(scenario: string): Promise<ScenarioNetwork> {
    const name = `gc-${this.runId}-${++this.#counter}`;
    const created = await this.docker.createNetwork({
      Name: name,
      Driver: 'bridge',
      // No way out: scenario traffic stays between the host and the nodes.
      Internal: true,
      CheckDuplicate: true,
      Labels: { ...runLabels(this.runId), [LABEL.scenario]: scenario.slice(0, 200) },
    });
    const info = await created.inspect();
    const ipam = info.IPAM?.Config?.[0];
    if (!ipam?.Gateway || !ipam.Subnet)
      throw new Error(`network ${name} has no IPv4 gateway: ${JSON.stringify(info.IPAM)}`);
    const network = { name, id: info.Id, gateway: ipam.Gateway, subnet: ipam.Subnet };
    this.#networks.set(name, network);
    return network;
  }

  async startNode(network: ScenarioNetwork, spec: NodeSpec): Promise<StartedNode> {
    const readyTimeoutMs = spec.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS;
    let builder = new GenericContainer(spec.image)
      .withName(`${network.name}-${spec.name}`)
      .withNetworkMode(network.name)
      .withLabels({ ...runLabels(this.runId), [LABEL.scenario]: network.name })
      .withCommand(spec.command);
    if (spec.files && spec.files.length > 0) {
      // Copied between create and start, so the servent finds its shares at boot. The owners in
      // the archive are kept as they are; `copyUIDGID` would instead look up the image's user,
      // with a getent our shell-less base does not have.
      builder = builder.withCopyArchivesToContainer([
        { tar: Readable.from(tarArchive(spec.files)), target: '/' },
      ]);
    }
    const container: StartedTestContainer = await builder
      .withWaitStrategy(
        new HandshakeWaitStrategy(network.name, spec.gnutellaPort, spec.name).withStartupTimeout(
          readyTimeoutMs,
        ),
      )
      .withStartupTimeout(readyTimeoutMs)
      .start();
    const ip = container.getIpAddress(network.name);
    const docker = this.docker;
    return {
      name: spec.name,
      containerId: container.getId(),
      ip,
      gnutella: { host: ip, port: spec.gnutellaPort },
      control: spec.controlPort === undefined ? undefined : { host: ip, port: spec.controlPort },
      logs: () => containerLogs(docker, container.getId()),
      stop: async () => {
        await container.stop({ timeout: 5_000, remove: true });
      },
      copyFiles: async (entries) => {
        // The engine answers once the archive is extracted.
        await docker.getContainer(container.getId()).putArchive(tarArchive(entries), { path: '/' });
      },
    };
  }

  /** Logs of every container on a scenario's network, keyed by node name; also of nodes that never became ready. */
  async networkLogs(network: ScenarioNetwork): Promise<Map<string, string>> {
    const containers = await this.#scenarioContainers(network);
    const logs = new Map<string, string>();
    for (const c of containers) {
      const name = (c.Names[0] ?? c.Id).replace(/^\//, '').replace(`${network.name}-`, '');
      logs.set(
        name,
        await containerLogs(this.docker, c.Id).catch((err: Error) => `(no logs: ${err.message})`),
      );
    }
    return logs;
  }

  #scenarioContainers(network: ScenarioNetwork) {
    return this.docker.listContainers({
      all: true,
      filters: JSON.stringify({ label: [this.runLabel, `${LABEL.scenario}=${network.name}`] }),
    });
  }

  /** Removes a scenario's containers and its network. */
  async removeNetwork(network: ScenarioNetwork): Promise<void> {
    const containers = await this.#scenarioContainers(network);
    await Promise.all(
      containers.map((c) =>
        this.docker
          .getContainer(c.Id)
          .remove({ force: true, v: true })
          .catch(() => {}),
      ),
    );
    await this.docker
      .getNetwork(network.id)
      .remove()
      .catch((err: { statusCode?: number }) => {
        if (err.statusCode !== 404) throw err;
      });
    this.#networks.delete(network.name);
  }

  /** Removes everything this run made; returns what was still there. */
  async removeAll(): Promise<Leftovers> {
    return removeLabelled(this.docker, this.runLabel);
  }

  /** What carries this run's label now: empty after a clean run. */
  async leftovers(): Promise<Leftovers> {
    return leftovers(this.docker, this.runLabel);
  }
}

/** testcontainers wait strategy: ready when the node answers a 0.6 handshake on the scenario network. */
class HandshakeWaitStrategy implements WaitStrategy {
  #timeoutMs = DEFAULT_READY_TIMEOUT_MS;
  #timeoutSet = false;

  constructor(
    private readonly network: string,
    private readonly port: number,
    private readonly what: string,
  ) {}

  async waitUntilReady(container: Docker.Container, _ports: BoundPorts): Promise<void> {
    const info = await container.inspect();
    const ip = info.NetworkSettings.Networks[this.network]?.IPAddress;
    if (!ip) throw new Error(`node ${this.what} has no address on network ${this.network}`);
    await waitForHandshake(ip, this.port, this.#timeoutMs, `node ${this.what}`);
  }

  withStartupTimeout(ms: number): this {
    this.#timeoutMs = ms;
    this.#timeoutSet = true;
    return this;
  }

  isStartupTimeoutSet(): boolean {
    return this.#timeoutSet;
  }

  getStartupTimeout(): number {
    return this.#timeoutMs;
  }
}

/** A container's stdout and stderr, demultiplexed from Docker's 8-byte frame headers. */
async function containerLogs(docker: Docker, id: string): Promise<string> {
  const raw = (await docker
    .getContainer(id)
    .logs({ stdout: true, stderr: true, follow: false })) as unknown as Buffer;
  const parts: Buffer[] = [];
  let at = 0;
  while (at + 8 <= raw.length) {
    const size = raw.readUInt32BE(at + 4);
    parts.push(raw.subarray(at + 8, at + 8 + size));
    at += 8 + size;
  }
  return Buffer.concat(parts).toString('utf8');
}
