// Outputs are written to a temporary file beside the target and renamed into place, so a
// reader never sees half a file and an interrupted run leaves the previous output intact.

import { chmod, open, readdir, rename, stat, unlink, type FileHandle } from 'node:fs/promises';
import { unlinkSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { assertNotInput } from './protectedFiles';

/** Temp files in use, so an interrupted command (Ctrl-C) can remove them before exiting. */
const liveTemps = new Set<string>();

export function trackTemp(path: string): void {
  liveTemps.add(path);
}

export function untrackTemp(path: string): void {
  liveTemps.delete(path);
}

/** Removes every tracked temp file (synchronously: it runs from a signal handler). */
export function removeTempsSync(): void {
  for (const p of liveTemps) {
    try {
      unlinkSync(p);
    } catch {
      // already gone
    }
  }
  liveTemps.clear();
}

export function tempPathBeside(target: string): string {
  return join(dirname(target), `.${basename(target)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
}

/** A temp file of ours for `target`: `.<name>.<pid>.<8 hex>.tmp`. */
function tempPatternFor(target: string): RegExp {
  const name = basename(target).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`^\\.${name}\\.(\\d+)\\.[0-9a-f]{8}\\.tmp$`);
}

function processAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Removes temp files a killed run left for this same target (only ours, only of dead processes). */
async function removeStaleTemps(target: string): Promise<void> {
  const re = tempPatternFor(target);
  let names: string[];
  try {
    names = await readdir(dirname(target));
  } catch {
    return;
  }
  for (const n of names) {
    const m = re.exec(n);
    if (m && !processAlive(Number(m[1]))) await unlink(join(dirname(target), n)).catch(() => undefined);
  }
}

/** Opens a temp file; `commit` renames it onto the target (keeping a replaced file's mode), `abort` removes it. */
/**
 * `ownFile`: the target is a file of ours that this process read and now rewrites (a saved run's
 * records under .omnitrace/runs); everything else must not replace an input.
 */
export async function openAtomic(target: string, opts: { ownFile?: boolean } = {}): Promise<{ fh: FileHandle; tmp: string; commit(): Promise<void>; abort(): Promise<void> }> {
  const guard = () => {
    if (!opts.ownFile) assertNotInput(target);
  };
  guard();
  await removeStaleTemps(target);
  const tmp = tempPathBeside(target);
  // Readable too: the scorer rewrites its output in place before committing it.
  const fh = await open(tmp, 'wx+');
  trackTemp(tmp);
  let closed = false;
  const close = async () => {
    if (!closed) {
      closed = true;
      await fh.close();
    }
  };
  return {
    fh,
    tmp,
    async commit() {
      await fh.sync();
      await close();
      guard();
      const previous = await stat(target).catch(() => undefined);
      if (previous?.isFile()) await chmod(tmp, previous.mode & 0o7777);
      await rename(tmp, target);
      untrackTemp(tmp);
    },
    async abort() {
      await close().catch(() => undefined);
      await unlink(tmp).catch(() => undefined);
      untrackTemp(tmp);
    },
  };
}

export async function writeFileAtomic(target: string, data: string | Uint8Array, opts: { ownFile?: boolean } = {}): Promise<void> {
  const out = await openAtomic(target, opts);
  try {
    await out.fh.writeFile(data);
    await out.commit();
  } catch (e) {
    await out.abort();
    throw e;
  }
}
