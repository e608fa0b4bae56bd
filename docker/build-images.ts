/**
 * Builds the Docker images the harness runs, with no image registry:
 *
 *   gnutella-base:<hash>     `docker import` of a minimal root filesystem: this machine's Node
 *                            binary, the shared libraries `ldd` names, passwd/group/nsswitch, /tmp
 *   gnutella-servent:<hash>  docker/servent/Dockerfile on top of that base, holding the servent
 *                            bundled by esbuild into one file (dist/servent.mjs), and the
 *                            hash worker thread it starts, bundled beside it (dist/hash-worker.mjs)
 *
 * Tags are content hashes, so a run with unchanged inputs reuses both images. The result is
 * written to dist/images.json for the harness. Usage: npx tsx docker/build-images.ts --help
 */
import { execFile, spawn } from 'node:child_process';
import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import {
  access,
  chmod,
  copyFile,
  lstat,
  mkdir,
  mkdtemp,
  readFile,
  readlink,
  realpath,
  rm,
  symlink,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { parseArgs, promisify } from 'node:util';
import Docker from 'dockerode';
import { DEFAULT_ENTRY, REPO_ROOT, bundleServent as writeBundles } from './bundle.js';

const execFileAsync = promisify(execFile);

const DOCKERFILE = 'docker/servent/Dockerfile';
const BUNDLE = 'dist/servent.mjs';
// A worker thread needs a file of its own; the servent finds it next to itself (import.meta.url).
const WORKER_BUNDLE = 'dist/hash-worker.mjs';
const IMAGES_JSON = 'dist/images.json';

const BASE_REPO = 'gnutella-base';
const MUTANT_ENTRY = 'docker/mutant/entry.ts';
const ROLE_LABEL = 'org.gnutella-conformance.image';
const NODE_IN_IMAGE = '/usr/local/bin/node';
// `docker import` sets no environment, so the base carries the usual PATH itself.
const IMAGE_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
const PING_TIMEOUT_MS = 10_000;

const USAGE = `Usage: npx tsx docker/build-images.ts [options]

Builds gnutella-base:<hash> (offline, from this machine's Node) and gnutella-servent:<hash>,
reusing images whose content hash already exists, and writes ${IMAGES_JSON}.

Options:
  --entry PATH         servent entry point to bundle (default: ${DEFAULT_ENTRY})
  --variant NAME       build gnutella-NAME:<hash> and record it under NAME in ${IMAGES_JSON}
                       (default: servent); \`--variant mutant\` bundles ${MUTANT_ENTRY},
                       the deliberately broken servent that proves scenarios can fail
  --base-image IMAGE   build the servent on IMAGE (e.g. node:20-slim) instead of gnutella-base
  --quiet              print only the one-line summary per image
  -h, --help           show this text`;

/** A failure the user can act on: the message says what failed, `fix` says what to do. */
class BuildImagesError extends Error {
  constructor(
    message: string,
    readonly fix: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}
class UsageError extends BuildImagesError {}
class EngineUnavailableError extends BuildImagesError {}
class RootfsError extends BuildImagesError {}
class BundleError extends BuildImagesError {}
class EngineBuildError extends BuildImagesError {}
class MissingBaseImageError extends BuildImagesError {}

interface Options {
  entry: string;
  /** `servent`, or another name such as `mutant`: the image is gnutella-<variant>. */
  variant: string;
  baseImage: string | undefined;
  quiet: boolean;
}

type Log = (line: string) => void;

function parseOptions(argv: string[]): Options | 'help' {
  try {
    const { values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        entry: { type: 'string' },
        variant: { type: 'string' },
        'base-image': { type: 'string' },
        quiet: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
    if (values.help) return 'help';
    const variant = values.variant ?? 'servent';
    if (!/^[a-z][a-z0-9-]{0,30}$/.test(variant))
      throw new Error(`--variant takes a lower-case name, got ${JSON.stringify(variant)}`);
    const defaultEntry = variant === 'mutant' ? MUTANT_ENTRY : DEFAULT_ENTRY;
    return {
      variant,
      entry: resolve(values.entry ?? join(REPO_ROOT, defaultEntry)),
      baseImage: values['base-image'],
      quiet: values.quiet ?? false,
    };
  } catch (error) {
    // parseArgs throws for unknown options and missing values.
    throw new UsageError((error as Error).message, `see the options below\n\n${USAGE}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Engine

function engineAddress(): string {
  return process.env.DOCKER_HOST ?? 'unix:///var/run/docker.sock';
}

async function connect(): Promise<Docker> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`no answer within ${PING_TIMEOUT_MS / 1000}s`)),
      PING_TIMEOUT_MS,
    );
  });
  try {
    // Inside the try: a malformed DOCKER_HOST already throws here.
    const docker = new Docker();
    await Promise.race([docker.ping(), timeout]);
    return docker;
  } catch (error) {
    throw new EngineUnavailableError(
      `no Docker engine answers at ${engineAddress()} (${(error as Error).message})`,
      'start one with `bash ci/setup-docker.sh` (or point DOCKER_HOST at a running engine), then run this again',
    );
  } finally {
    clearTimeout(timer);
  }
}

/** The HTTP status dockerode attaches to engine errors (404 no such image, 409 conflict). */
function statusCode(error: unknown): number | undefined {
  return (error as { statusCode?: number }).statusCode;
}

async function imageInfo(docker: Docker, tag: string): Promise<Docker.ImageInspectInfo | null> {
  try {
    return await docker.getImage(tag).inspect();
  } catch (error) {
    if (statusCode(error) === 404) return null;
    throw error;
  }
}

async function removeImageIfPresent(docker: Docker, tag: string): Promise<void> {
  try {
    await docker.getImage(tag).remove();
  } catch (error) {
    if (statusCode(error) !== 404) throw error;
  }
}

interface EngineEvent {
  stream?: string;
  error?: string;
  errorDetail?: { message?: string };
}

/**
 * Reads an engine progress stream to its end. The engine reports failures inside the stream
 * (an `error` field) with HTTP 200, so those are turned into a rejection here.
 */
function followEngine(
  docker: Docker,
  stream: NodeJS.ReadableStream,
  onEvent: (event: EngineEvent) => void,
): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    let failure: string | undefined;
    docker.modem.followProgress(
      stream,
      (error: Error | null) => {
        if (error) reject(error);
        else if (failure !== undefined) reject(new Error(failure));
        else resolvePromise();
      },
      (event: EngineEvent) => {
        if (event.error !== undefined) failure ??= event.errorDetail?.message ?? event.error;
        onEvent(event);
      },
    );
  });
}

function sizeMb(info: Docker.ImageInspectInfo): string {
  return (info.Size / 1e6).toFixed(1);
}

// ---------------------------------------------------------------------------------------------
// Base image: the root filesystem plan

type RootfsEntry =
  | { kind: 'dir'; mode: number }
  | { kind: 'file'; mode: number; source: string }
  | { kind: 'text'; mode: number; content: string }
  | { kind: 'symlink'; target: string };

/** Paths inside the image, each with what goes there. */
class RootfsPlan {
  readonly entries = new Map<string, RootfsEntry>();

  add(path: string, entry: RootfsEntry): void {
    this.ensureDir(dirname(path));
    const existing = this.entries.get(path);
    // The same directory is reached through many libraries; anything else twice is a bug.
    if (existing !== undefined && !(existing.kind === 'dir' && entry.kind === 'dir')) {
      throw new RootfsError(
        `${path} was planned twice (${existing.kind}, then ${entry.kind})`,
        'report this with the output of `ldd` for your node binary, or pass --base-image',
      );
    }
    this.entries.set(path, entry);
  }

  private ensureDir(path: string): void {
    if (path === '/' || this.entries.has(path)) return;
    this.add(path, { kind: 'dir', mode: 0o755 });
  }

  /**
   * Adds host path `path` so that it resolves inside the image the way it does on the host:
   * every symlink on the way (including directory links such as /lib -> usr/lib on merged-/usr
   * systems and the libfoo.so.6 -> libfoo.so.6.0.30 chains) plus the real file at the end.
   * Returns the host path the walk ended at.
   */
  async addHostPath(path: string, depth = 0): Promise<string> {
    if (depth > 40) {
      throw new RootfsError(
        `too many levels of symbolic links resolving ${path}`,
        'fix the link loop on this machine, or pass --base-image',
      );
    }
    let current = '/';
    for (const part of path.split('/').filter(Boolean)) {
      const next = join(current, part);
      const stat = await lstat(next);
      if (stat.isSymbolicLink()) {
        const target = await readlink(next);
        if (!this.entries.has(next)) this.add(next, { kind: 'symlink', target });
        current = await this.addHostPath(resolve(dirname(next), target), depth + 1);
      } else if (stat.isDirectory()) {
        this.ensureDir(next);
        current = next;
      } else {
        if (!this.entries.has(next))
          this.add(next, { kind: 'file', mode: stat.mode & 0o7777, source: next });
        current = next;
      }
    }
    return current;
  }
}

/** The shared objects the dynamic loader will open for `binary`, as ldd names them. */
async function sharedLibraries(binary: string): Promise<string[]> {
  let stdout: string;
  try {
    ({ stdout } = await execFileAsync('ldd', [binary]));
  } catch (error) {
    const failure = error as NodeJS.ErrnoException & { stdout?: string; stderr?: string };
    if (failure.code === 'ENOENT') {
      throw new RootfsError(
        'ldd is not installed, so the libraries node needs cannot be found',
        'install it (Debian: apt-get install libc-bin), or pass --base-image node:20-slim',
      );
    }
    // A static binary needs no libraries; ldd says so and exits 1.
    if (`${failure.stdout}${failure.stderr}`.includes('not a dynamic executable')) return [];
    throw new RootfsError(
      `ldd ${binary} failed: ${failure.stderr?.trim() || failure.message}`,
      'make sure the node binary runs on this machine, or pass --base-image',
    );
  }
  const libraries: string[] = [];
  for (const line of stdout.split('\n')) {
    if (line.includes('=> not found')) {
      throw new RootfsError(
        `node needs a library this machine lacks: ${line.trim()}`,
        'install the missing library, or pass --base-image',
      );
    }
    // "libc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x...)" or "/lib64/ld-linux-x86-64.so.2
    // (0x...)"; linux-vdso.so.1 lives in the kernel, has no path and is skipped.
    const path = /(?:=>\s*)?(\/\S+)\s+\(0x[0-9a-f]+\)/.exec(line)?.[1];
    if (path !== undefined) libraries.push(path);
  }
  return libraries;
}

async function planBaseRootfs(): Promise<{ plan: RootfsPlan; libraryCount: number }> {
  const node = await realpath(process.execPath);
  const plan = new RootfsPlan();
  const stat = await lstat(node);
  plan.add(NODE_IN_IMAGE, { kind: 'file', mode: stat.mode & 0o7777, source: node });
  const libraries = await sharedLibraries(node);
  for (const library of libraries) await plan.addHostPath(library);

  plan.add('/etc/passwd', {
    kind: 'text',
    mode: 0o644,
    content:
      'root:x:0:0:root:/root:/sbin/nologin\ngnutella:x:1000:1000:gnutella servent:/data:/sbin/nologin\n',
  });
  plan.add('/etc/group', { kind: 'text', mode: 0o644, content: 'root:x:0:\ngnutella:x:1000:\n' });
  // Users and groups from the files above; hosts from /etc/hosts, then the engine's DNS
  // (glibc >= 2.34 has the dns module built into libc, so no libnss_dns file is needed).
  plan.add('/etc/nsswitch.conf', {
    kind: 'text',
    mode: 0o644,
    content: 'passwd: files\ngroup: files\nshadow: files\nhosts: files dns\n',
  });
  plan.add('/root', { kind: 'dir', mode: 0o700 });
  plan.add('/tmp', { kind: 'dir', mode: 0o1777 });
  return { plan, libraryCount: libraries.length };
}

/** sha256 over every entry's path, kind, mode and content: the identity of the rootfs. */
async function hashPlan(plan: RootfsPlan): Promise<string> {
  const hash = createHash('sha256');
  for (const path of [...plan.entries.keys()].sort()) {
    const entry = plan.entries.get(path)!;
    const mode = 'mode' in entry ? entry.mode.toString(8) : '';
    hash.update(`\0${entry.kind}\0${path}\0${mode}\0`);
    if (entry.kind === 'file') await hashFile(hash, entry.source);
    else if (entry.kind === 'text') hash.update(entry.content);
    else if (entry.kind === 'symlink') hash.update(entry.target);
  }
  return hash.digest('hex').slice(0, 16);
}

async function hashFile(hash: Hash, path: string): Promise<void> {
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
}

async function stageRootfs(plan: RootfsPlan, dir: string): Promise<void> {
  // mkdtemp makes the directory 0700, and it becomes the image's "/".
  await chmod(dir, 0o755);
  // Sorted, so every parent directory exists before its children.
  for (const path of [...plan.entries.keys()].sort()) {
    const entry = plan.entries.get(path)!;
    const target = join(dir, path);
    switch (entry.kind) {
      case 'dir':
        await mkdir(target);
        await chmod(target, entry.mode); // chmod because mkdir's mode is cut by the umask
        break;
      case 'file':
        await copyFile(entry.source, target);
        await chmod(target, entry.mode);
        break;
      case 'text':
        await writeFile(target, entry.content);
        await chmod(target, entry.mode);
        break;
      case 'symlink':
        await symlink(entry.target, target);
        break;
    }
  }
}

/** Streams the staged directory as a tar (root-owned, fixed times) into `docker import`. */
async function importRootfs(
  docker: Docker,
  dir: string,
  tag: string,
  message: string,
  log: Log,
): Promise<void> {
  const tar = spawn(
    'tar',
    [
      '--create',
      '--sort=name',
      '--numeric-owner',
      '--owner=0',
      '--group=0',
      '--mtime=@0',
      '--directory',
      dir,
      '.',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let tarStderr = '';
  tar.stderr.on('data', (chunk: Buffer) => {
    tarStderr += chunk.toString();
  });
  const tarExit = new Promise<void>((resolvePromise, reject) => {
    tar.on('error', reject);
    tar.on('close', (code) =>
      code === 0
        ? resolvePromise()
        : reject(new Error(`tar exited with ${code}: ${tarStderr.trim()}`)),
    );
  });
  const [repo, imageTag] = tag.split(':') as [string, string];
  const imported = docker
    .importImage(tar.stdout, {
      repo,
      tag: imageTag,
      message,
      changes: [`ENV PATH=${IMAGE_PATH}`, `LABEL ${ROLE_LABEL}=base`, 'CMD ["node"]'],
    })
    .then((stream) => followEngine(docker, stream, () => {}));
  try {
    await Promise.all([imported, tarExit]);
  } catch (error) {
    tar.kill();
    // tar can fail after the engine has tagged what it got; a partial base must not be reused.
    await imported.catch(() => {});
    await removeImageIfPresent(docker, tag);
    throw new EngineBuildError(
      `importing the base root filesystem as ${tag} failed: ${(error as Error).message}`,
      'check that GNU tar is installed and the engine has disk space (docker system df), or pass --base-image',
    );
  }
  log(`base: imported ${tag}`);
}

interface ImageResult {
  tag: string;
  built: boolean;
  seconds: number;
  info: Docker.ImageInspectInfo;
}

async function ensureBaseImage(docker: Docker, log: Log): Promise<ImageResult> {
  const started = performance.now();
  const { plan, libraryCount } = await planBaseRootfs();
  const tag = `${BASE_REPO}:${await hashPlan(plan)}`;
  const existing = await imageInfo(docker, tag);
  if (existing === null) {
    log(
      `base: staging ${plan.entries.size} entries (node ${process.version}, ${libraryCount} libraries)`,
    );
    const dir = await mkdtemp(join(tmpdir(), 'gnutella-rootfs-'));
    try {
      await stageRootfs(plan, dir);
      await importRootfs(
        docker,
        dir,
        tag,
        `node ${process.version} and its ${libraryCount} shared libraries`,
        log,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
  const info = existing ?? (await docker.getImage(tag).inspect());
  return { tag, built: existing === null, seconds: secondsSince(started), info };
}

// ---------------------------------------------------------------------------------------------
// Servent image

async function bundleServent(entry: string, log: Log): Promise<{ bundle: Buffer; worker: Buffer }> {
  try {
    await access(entry);
  } catch {
    throw new BundleError(
      `the servent entry point ${entry} does not exist`,
      `create it, or pass --entry PATH (default: ${DEFAULT_ENTRY})`,
    );
  }
  try {
    await writeBundles(join(REPO_ROOT, dirname(BUNDLE)), entry);
  } catch (error) {
    const errors = (
      error as { errors?: { text: string; location?: { file: string; line: number } | null }[] }
    ).errors;
    const detail =
      errors
        ?.map((e) => (e.location ? `${e.location.file}:${e.location.line}: ${e.text}` : e.text))
        .join('\n  ') ?? (error as Error).message;
    throw new BundleError(
      `esbuild could not bundle ${entry}:\n  ${detail}`,
      'fix the errors above in the servent sources',
    );
  }
  const bundle = await readFile(join(REPO_ROOT, BUNDLE));
  const worker = await readFile(join(REPO_ROOT, WORKER_BUNDLE));
  log(
    `servent: bundled ${relative(REPO_ROOT, entry)} into ${BUNDLE} (${(bundle.length / 1e6).toFixed(2)} MB) and ${WORKER_BUNDLE}`,
  );
  return { bundle, worker };
}

/** Pulls a --base-image the engine does not have yet (the registry path). */
async function pullBase(docker: Docker, base: string, log: Log): Promise<Docker.ImageInspectInfo> {
  log(`servent: pulling base image ${base}`);
  try {
    await followEngine(docker, await docker.pull(base), () => {});
  } catch (error) {
    throw new MissingBaseImageError(
      `the base image ${base} is not in the engine's image store and pulling it failed: ${(error as Error).message}`,
      'make a registry reachable (or docker load the image), or leave out --base-image to build a base offline',
    );
  }
  return docker.getImage(base).inspect();
}

async function ensureServentImage(
  docker: Docker,
  options: Options,
  base: string,
  log: Log,
): Promise<ImageResult> {
  const started = performance.now();
  const baseInfo = (await imageInfo(docker, base)) ?? (await pullBase(docker, base, log));
  const { bundle, worker } = await bundleServent(options.entry, log);
  const dockerfile = await readFile(join(REPO_ROOT, DOCKERFILE));
  // The base's image id joins its tag so that a re-pulled node:20-slim also rebuilds.
  const hash = createHash('sha256')
    .update(bundle)
    .update(worker)
    .update(dockerfile)
    .update(base)
    .update(baseInfo.Id)
    .digest('hex')
    .slice(0, 16);
  const tag = `gnutella-${options.variant}:${hash}`;
  const existing = await imageInfo(docker, tag);
  if (existing === null) {
    try {
      // Only the Dockerfile and the bundle go to the engine, at the paths the Dockerfile names
      // relative to the repository root (the same context as a plain `docker build .`).
      const stream = await docker.buildImage(
        { context: REPO_ROOT, src: [DOCKERFILE, BUNDLE, WORKER_BUNDLE] },
        {
          t: tag,
          dockerfile: DOCKERFILE,
          buildargs: { BASE_IMAGE: base },
          labels: { [ROLE_LABEL]: options.variant },
          version: '1',
          rm: true,
          forcerm: true,
        },
      );
      await followEngine(docker, stream, (event) => {
        // The steps and the outcome; the engine's intermediate-container chatter is left out.
        const text = event.stream?.trim();
        if (text?.startsWith('Step ') || text?.startsWith('Successfully')) log(`servent: ${text}`);
      });
    } catch (error) {
      throw new EngineBuildError(
        `building ${tag} from ${DOCKERFILE} failed: ${(error as Error).message}`,
        `fix ${DOCKERFILE}; remember the offline base has no shell, so RUN cannot be used`,
      );
    }
  }
  const info = existing ?? (await docker.getImage(tag).inspect());
  return { tag, built: existing === null, seconds: secondsSince(started), info };
}

/**
 * Removes tags of the same repository other than `current`, so repeated builds do not fill
 * the disk. An image any container (running or stopped) was created from stays.
 */
async function pruneOldServents(docker: Docker, current: string, log: Log): Promise<void> {
  const repo = current.slice(0, current.indexOf(':'));
  const images = await docker.listImages({ filters: { reference: [`${repo}:*`] } });
  const containers = await docker.listContainers({ all: true });
  const inUse = new Set(containers.map((c) => c.ImageID));
  for (const image of images) {
    for (const tag of image.RepoTags ?? []) {
      if (!tag.startsWith(`${repo}:`) || tag === current) continue;
      if (inUse.has(image.Id)) {
        log(`servent: kept ${tag}: a container still uses it`);
        continue;
      }
      try {
        await docker.getImage(tag).remove();
        log(`servent: removed old ${tag}`);
      } catch (error) {
        // 409: a container appeared in the meantime, or a child image depends on it.
        if (statusCode(error) !== 409) throw error;
        log(`servent: kept ${tag}: ${(error as Error).message}`);
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------

function secondsSince(started: number): number {
  return (performance.now() - started) / 1000;
}

function summary(role: string, result: ImageResult): string {
  const action = result.built ? 'built ' : 'reused';
  const seconds = `${result.seconds.toFixed(1)}s`.padStart(6);
  const size = `${sizeMb(result.info)} MB`.padStart(9);
  return `${role.padEnd(7)} ${result.tag.padEnd(34)} ${action} in ${seconds} ${size}`;
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  if (options === 'help') {
    console.log(USAGE);
    return;
  }
  const log: Log = options.quiet ? () => {} : (line) => console.error(line);
  const docker = await connect();

  let base: string;
  const lines: string[] = [];
  if (options.baseImage === undefined) {
    const result = await ensureBaseImage(docker, log);
    base = result.tag;
    lines.push(summary('base', result));
  } else {
    base = options.baseImage;
  }
  const servent = await ensureServentImage(docker, options, base, log);
  lines.push(summary(options.variant, servent));
  await pruneOldServents(docker, servent.tag, log);

  // Other variants built earlier stay recorded beside this one.
  const earlier = await readFile(join(REPO_ROOT, IMAGES_JSON), 'utf8')
    .then((text) => JSON.parse(text) as Record<string, string>)
    .catch(() => ({}));
  const images = {
    ...earlier,
    base,
    [options.variant]: servent.tag,
    builtAt: new Date().toISOString(),
  };
  await writeFile(join(REPO_ROOT, IMAGES_JSON), `${JSON.stringify(images, null, 2)}\n`);
  for (const line of lines) console.log(line);
}

main().catch((error: unknown) => {
  if (error instanceof BuildImagesError) {
    console.error(`build-images: ${error.message}\n  fix: ${error.fix}`);
  } else {
    console.error('build-images: unexpected failure:', error);
  }
  process.exitCode = 1;
});
