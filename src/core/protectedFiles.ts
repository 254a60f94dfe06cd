// Rollout files are read-only to us by every path that leads to them. Every file a command reads
// is registered here, by its resolved real path and by device + inode, and every output is checked
// against them before it is written: an output named through a symlinked folder, a symlink to the
// input, a hard link to it or a file inside an input folder is refused, naming both paths.

import { lstatSync, readdirSync, realpathSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';

/** Writing `target` would replace a file this process reads. */
export class OutputCollisionError extends Error {
  readonly exitCode = 2;
  constructor(
    readonly target: string,
    readonly input: string,
    label = 'output',
  ) {
    super(`${label} ${target} would overwrite ${input}, which is read as input: rollout files are never overwritten (choose another path)`);
    this.name = 'OutputCollisionError';
  }
}

const byRealPath = new Map<string, string>();
const byInode = new Map<string, string>();

function inodeKey(st: { dev: number; ino: number }): string {
  return `${st.dev}:${st.ino}`;
}

function realOrResolved(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return resolve(path);
  }
}

function protectFile(path: string, st: { dev: number; ino: number }): void {
  byRealPath.set(realOrResolved(path), path);
  byInode.set(inodeKey(st), path);
}

/**
 * Registers an input: a file, or a folder and the regular files in it (two levels deep, which
 * covers a TRL run's completions/ folder). Entries that cannot be read are left to the reader,
 * which reports them.
 */
export function protectInput(path: string, depth = 2): void {
  let st;
  try {
    st = statSync(path);
  } catch {
    return;
  }
  if (st.isFile()) {
    protectFile(path, st);
    return;
  }
  if (!st.isDirectory()) return;
  byRealPath.set(realOrResolved(path), path);
  if (depth === 0) return;
  let names: string[];
  try {
    names = readdirSync(path);
  } catch {
    return;
  }
  for (const name of names) protectInput(join(path, name), depth - 1);
}

/** The registered input that writing `target` would replace, if any. */
export function inputAt(target: string): string | undefined {
  let exists = true;
  try {
    lstatSync(target);
  } catch {
    exists = false;
  }
  if (exists) {
    const real = realOrResolved(target);
    const hit = byRealPath.get(real);
    if (hit !== undefined) return hit;
    try {
      const hitInode = byInode.get(inodeKey(statSync(target)));
      if (hitInode !== undefined) return hitInode;
    } catch {
      // a dangling symlink: replacing it harms no input
    }
    return undefined;
  }
  return byRealPath.get(join(realOrResolved(dirname(target)), basename(target)));
}

/** Throws OutputCollisionError when writing `target` would replace an input. */
export function assertNotInput(target: string, label?: string): void {
  const input = inputAt(target);
  if (input !== undefined) throw new OutputCollisionError(target, input, label);
}

/** For tests: forget every registered input. */
export function clearProtectedInputs(): void {
  byRealPath.clear();
  byInode.clear();
}
