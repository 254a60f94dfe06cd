// Outputs are written to a temporary file beside the target and renamed into place, so a
// reader never sees half a file and an interrupted run leaves the previous output intact.

import { open, rename, unlink, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';

export function tempPathBeside(target: string): string {
  return join(dirname(target), `.${basename(target)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
}

/** Opens a temp file; `commit` renames it onto the target, `abort` removes it. */
export async function openAtomic(target: string): Promise<{ fh: FileHandle; tmp: string; commit(): Promise<void>; abort(): Promise<void> }> {
  const tmp = tempPathBeside(target);
  const fh = await open(tmp, 'wx');
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
      await rename(tmp, target);
    },
    async abort() {
      await close().catch(() => undefined);
      await unlink(tmp).catch(() => undefined);
    },
  };
}

export async function writeFileAtomic(target: string, data: string | Uint8Array): Promise<void> {
  const out = await openAtomic(target);
  try {
    await out.fh.writeFile(data);
    await out.commit();
  } catch (e) {
    await out.abort();
    throw e;
  }
}
