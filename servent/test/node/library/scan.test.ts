import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdir, realpath, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { scanShare } from '../../../src/node/library/scan.js';
import { tempDir } from './support.js';

async function files(root: string, tree: Record<string, string>): Promise<void> {
  for (const [path, content] of Object.entries(tree)) {
    await mkdir(join(root, path, '..'), { recursive: true });
    await writeFile(join(root, path), content);
  }
}

async function scan(root: string) {
  const skipped: Record<string, string> = {};
  const result = await scanShare(await realpath(root), (path, reason) => {
    skipped[path.slice(root.length + 1)] = reason;
  });
  return { ...result, paths: [...result.files.keys()].sort(), skipped };
}

test('nested folders are walked; paths are relative with "/"; size and mtime are read', async (t) => {
  const root = await realpath(await tempDir(t));
  await files(root, { 'top.txt': 'abc', 'a/b/c/deep.mp3': '12345', 'a/side.txt': '' });
  const { files: found, paths, folders } = await scan(root);
  assert.deepEqual(paths, ['a/b/c/deep.mp3', 'a/side.txt', 'top.txt']);
  const deep = found.get('a/b/c/deep.mp3')!;
  assert.equal(deep.path, join(root, 'a/b/c/deep.mp3'));
  assert.equal(deep.size, 5);
  assert.ok(deep.mtimeMs > 0);
  assert.deepEqual(folders.sort(), [root, join(root, 'a'), join(root, 'a/b'), join(root, 'a/b/c')]);
});

test('dotfiles and everything in dot folders are skipped', async (t) => {
  const root = await realpath(await tempDir(t));
  await files(root, {
    '.hidden': 'x',
    '.git/config': 'x',
    'music/.DS_Store': 'x',
    'music/.partial/song.mp3': 'x',
    'music/song.mp3': 'x',
  });
  const { paths, folders } = await scan(root);
  assert.deepEqual(paths, ['music/song.mp3']);
  assert.ok(!folders.some((f) => f.includes('/.')), 'dot folders are not walked (nor watched)');
});

test('symbolic links that resolve outside the share are skipped, file or folder', async (t) => {
  const base = await realpath(await tempDir(t));
  const root = join(base, 'share');
  await files(base, { 'outside/secret.txt': 'secret', 'share/mine.txt': 'mine' });
  await symlink(join(base, 'outside/secret.txt'), join(root, 'secret-link.txt'));
  await symlink(join(base, 'outside'), join(root, 'outside-dir'));
  await symlink('../outside/secret.txt', join(root, 'relative-link.txt'));
  const { paths, skipped } = await scan(root);
  assert.deepEqual(paths, ['mine.txt']);
  for (const link of ['secret-link.txt', 'outside-dir', 'relative-link.txt']) {
    assert.equal(skipped[link], 'the link leads outside the share', link);
  }
});

test('links inside the share are followed once: no loops, no file twice', async (t) => {
  const root = await realpath(await tempDir(t));
  await files(root, { 'a/song.mp3': 'x', 'b/only-here.txt': 'y' });
  await symlink(join(root, 'a/song.mp3'), join(root, 'alias.mp3'));
  await symlink(root, join(root, 'a/loop'));
  await symlink('b', join(root, 'c'));
  await symlink(join(root, 'missing'), join(root, 'broken'));
  const { paths, skipped } = await scan(root);
  assert.deepEqual(paths, ['a/song.mp3', 'b/only-here.txt']);
  assert.ok(skipped.broken?.includes('ENOENT'));
});

test('names with control characters and non-regular files are skipped', async (t) => {
  const root = await realpath(await tempDir(t));
  await files(root, { 'ok.txt': 'x', 'line\nbreak.txt': 'x' });
  execFileSync('mkfifo', [join(root, 'pipe')]);
  const { paths, skipped } = await scan(root);
  assert.deepEqual(paths, ['ok.txt']);
  assert.equal(skipped['line\nbreak.txt'], 'the name has control characters');
});

test('a share folder that cannot be read fails the scan', async (t) => {
  const root = await tempDir(t);
  await assert.rejects(
    scanShare(join(root, 'missing'), () => {}),
    { code: 'ENOENT' },
  );
});
