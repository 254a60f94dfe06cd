// Where shortcut results live beside a user's rollout file, and reading them back. The rollout
// file is never touched: results go to <workspace>/.omnitrace/shortcuts/, one JSONL line per
// rollout (ShortcutLine), named after the file plus a hash of its absolute path so two
// `results.jsonl` in different folders do not collide. Cue inventories sit in
// <workspace>/.omnitrace/cues/, keyed by clip content.

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ReadProblem } from '../types';
import type { CueInventory, ShortcutLine } from './types';
import { fileSidecarPath } from '../workspaceLayout';

export function shortcutSidecarPath(workspaceRoot: string, rolloutFile: string): string {
  return fileSidecarPath(workspaceRoot, 'shortcuts', rolloutFile, 'shortcuts.jsonl');
}

/** Reads a shortcut sidecar; a bad line is a problem naming file and line, the rest still load. */
export async function readShortcutLines(path: string): Promise<{ lines: ShortcutLine[]; problems: ReadProblem[] }> {
  const text = await readFile(path, 'utf8');
  const lines: ShortcutLine[] = [];
  const problems: ReadProblem[] = [];
  text.split('\n').forEach((raw, i) => {
    if (!raw.trim()) return;
    try {
      const v = JSON.parse(raw) as ShortcutLine;
      if (typeof v !== 'object' || v === null || typeof v.index !== 'number') throw new Error('not a shortcut line (no numeric "index")');
      lines.push(v);
    } catch (e) {
      problems.push({ file: path, line: i + 1, message: (e as Error).message });
    }
  });
  return { lines, problems };
}

/** The cached inventory an analysis refers to (ShortcutAnalysis.inventoryKey = the cache file's stem). */
export async function readInventory(cuesDir: string, key: string): Promise<CueInventory> {
  if (!/^[\w.-]+$/.test(key)) throw new Error(`invalid inventory key ${JSON.stringify(key)}`);
  return JSON.parse(await readFile(join(cuesDir, `${key}.json`), 'utf8')) as CueInventory;
}
