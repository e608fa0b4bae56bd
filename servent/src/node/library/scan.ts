/**
 * Walks the share folder: the regular files to share, with their size and
 * modification time, and the folders walked (for fs.watch).
 *
 * Skipped: names starting with a dot (and everything below such a folder),
 * names with control characters (a QueryHit cannot carry them), anything that
 * is not a regular file or folder, and every symbolic link whose target
 * resolves outside the share, so no file outside it is ever served. Links
 * that stay inside are followed; each real folder is walked once (no loops)
 * and each real file is listed once, preferring its own path to a link's.
 */
import type { Dirent } from 'node:fs';
import { lstat, readdir, realpath, stat } from 'node:fs/promises';
import { join, sep } from 'node:path';

export interface ScannedFile {
  /** Path inside the share with `/` separators: the library's key. */
  relativePath: string;
  /** Real absolute path, inside the share: what the hash worker opens. */
  path: string;
  size: number;
  mtimeMs: number;
}

export interface ScanResult {
  files: Map<string, ScannedFile>;
  /** Real absolute paths of the folders walked, the share's own first. */
  folders: string[];
}

/** A name or folder left out, and why (for the log). */
export type SkipHandler = (path: string, reason: string) => void;

const CONTROL = /\p{Cc}/u;

/** Whether real path `path` is `root` or below it. */
export function isInside(root: string, path: string): boolean {
  return path === root || path.startsWith(root.endsWith(sep) ? root : root + sep);
}

interface Folder {
  path: string;
  relative: string;
}

interface Link {
  path: string;
  relative: string;
}

/** `root` must be a real path (see `realpath`). Errors below the root are reported and skipped. */
export async function scanShare(root: string, skip: SkipHandler): Promise<ScanResult> {
  const files = new Map<string, ScannedFile>();
  const folders: string[] = [];
  const seenFolders = new Set<string>([root]);
  const seenFiles = new Set<string>();
  const pending: Folder[] = [{ path: root, relative: '' }];
  const links: Link[] = [];

  const addFile = (relativePath: string, path: string, size: number, mtimeMs: number) => {
    if (seenFiles.has(path)) return;
    seenFiles.add(path);
    files.set(relativePath, { relativePath, path, size, mtimeMs });
  };

  // Real folders first, links after: a file reached both ways keeps its own path.
  while (pending.length > 0 || links.length > 0) {
    const folder = pending.pop();
    if (folder !== undefined) {
      folders.push(folder.path);
      let entries: Dirent[];
      try {
        entries = await readdir(folder.path, { withFileTypes: true });
      } catch (error) {
        // The share itself must be readable: the caller decides what a failed scan means.
        if (folder.path === root) throw error;
        skip(folder.path, (error as Error).message);
        continue;
      }
      entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      for (const entry of entries) {
        const path = join(folder.path, entry.name);
        const relative = folder.relative ? `${folder.relative}/${entry.name}` : entry.name;
        if (entry.name.startsWith('.')) continue;
        if (CONTROL.test(entry.name)) {
          skip(path, 'the name has control characters');
        } else if (entry.isSymbolicLink()) {
          links.push({ path, relative });
        } else if (entry.isDirectory()) {
          if (!seenFolders.has(path)) {
            seenFolders.add(path);
            pending.push({ path, relative });
          }
        } else if (entry.isFile()) {
          try {
            const stats = await lstat(path);
            if (stats.isFile()) addFile(relative, path, stats.size, stats.mtimeMs);
          } catch (error) {
            skip(path, (error as Error).message);
          }
        }
      }
      continue;
    }
    const link = links.shift()!;
    try {
      const target = await realpath(link.path);
      if (!isInside(root, target)) {
        skip(link.path, 'the link leads outside the share');
        continue;
      }
      const stats = await stat(target);
      if (stats.isDirectory()) {
        if (!seenFolders.has(target)) {
          seenFolders.add(target);
          pending.push({ path: target, relative: link.relative });
        }
      } else if (stats.isFile()) {
        addFile(link.relative, target, stats.size, stats.mtimeMs);
      }
    } catch (error) {
      skip(link.path, (error as Error).message);
    }
  }
  return { files, folders };
}
