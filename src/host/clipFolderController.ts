// "Analyse the Clips in a Folder": the cue inventory of every clip under a folder, several at a
// time, as `omnitrace cues` does (services/cues/clipFolder.ts), with its progress in the work
// status item. Inventories land in the cache the shortcut analysis reads, so a later "Find
// Shortcuts" over those clips starts warm; the per-clip lines go to .omnitrace/cues/folders/.
// It runs ffmpeg and local models, so Restricted Mode runs nothing.

import { mkdir } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { buildCueInventory } from '../cues/inventory';
import { fileSidecarPath, LAYOUT } from '../core/workspaceLayout';
import { analyseClipFolder, listClipFiles } from '../services/cues/clipFolder';
import { Disposable } from './dispose';
import { registerSafeCommand } from './endpointProfiles';
import type { Log } from './log';
import { mediaToolsFromSettings } from './mediaTools';
import { workspaceRootFor } from './workspaceRoot';
import type { WorkStatus } from './workStatus';

export const CLIP_FOLDER_COMMANDS = { analyseClips: 'omnitrace.analyseClips' } as const;

export const RESTRICTED_CLIPS_MESSAGE = 'Omni Trace: analysing clips runs ffmpeg and local models, which Restricted Mode does not allow. Trust this workspace to analyse clips.';

export class ClipFolderController extends Disposable {
  constructor(
    private readonly log: Log,
    private readonly work: WorkStatus,
  ) {
    super();
    this._register(registerSafeCommand(CLIP_FOLDER_COMMANDS.analyseClips, (uri) => this.analyse(uri instanceof vscode.Uri ? uri : undefined), log));
  }

  private async analyse(given: vscode.Uri | undefined): Promise<void> {
    if (!vscode.workspace.isTrusted) {
      void vscode.window.showWarningMessage(RESTRICTED_CLIPS_MESSAGE);
      return;
    }
    const folder = given ?? (await pickFolder());
    if (!folder) return;
    const tools = mediaToolsFromSettings();
    const { clips, problems } = await listClipFiles([folder.fsPath]);
    for (const p of problems) this.log.warn(`cannot read ${p}`);
    if (clips.length === 0) {
      void vscode.window.showInformationMessage(`Omni Trace: no video, audio or image files under ${folder.fsPath}.`);
      return;
    }
    const root = workspaceRootFor(folder);
    const out = fileSidecarPath(root, 'clipFolders', folder.fsPath, 'clips.jsonl');
    await mkdir(path.dirname(out), { recursive: true });
    const jobs = Math.min(availableParallelism(), clips.length);
    const name = path.basename(folder.fsPath);
    this.log.info(`analysing ${clips.length} clips under ${folder.fsPath}, ${jobs} at a time`);
    const t0 = Date.now();
    const result = await this.work.run({ title: `Omni Trace: analysing the clips in ${name}`, cancellable: true }, async (progress, token) => {
      const abort = new AbortController();
      const sub = token.onCancellationRequested(() => abort.abort());
      let reported = 0;
      try {
        return await analyseClipFolder({
          clips,
          out,
          jobs,
          tools,
          cacheDir: path.join(root, LAYOUT.cues),
          signal: abort.signal,
          build: buildCueInventory,
          onProgress: (p) => {
            const now = p.running.map((c) => path.basename(c)).join(', ');
            progress.report({ increment: ((p.done - reported) / p.total) * 100, message: `${p.done}/${p.total}${p.failed ? ` · ${p.failed} failed` : ''}${now ? ` · ${now}` : ''}` });
            reported = p.done;
          },
        });
      } finally {
        sub.dispose();
      }
    });
    const failed = result.lines.filter((l) => l.status === 'failed');
    const cached = result.lines.filter((l) => l.status === 'cached').length;
    for (const l of failed) this.log.warn(`cannot analyse ${l.clip}: ${l.error}`);
    const summary = `${result.lines.length} of ${clips.length} clips in ${name} in ${((Date.now() - t0) / 1000).toFixed(1)} s (${cached} from the cache${failed.length ? `, ${failed.length} failed` : ''})${result.cancelled ? ', cancelled' : ''}`;
    this.log.info(`analysed ${summary}; lines in ${out}`);
    const open = 'Open the List';
    const show = failed.length ? vscode.window.showWarningMessage : vscode.window.showInformationMessage;
    const picked = await show(`Omni Trace: analysed ${summary}.`, open);
    if (picked === open) await vscode.window.showTextDocument(vscode.Uri.file(out));
  }
}

async function pickFolder(): Promise<vscode.Uri | undefined> {
  const picked = await vscode.window.showOpenDialog({
    canSelectFiles: false,
    canSelectFolders: true,
    canSelectMany: false,
    openLabel: 'Analyse the Clips Here',
    title: 'Folder whose clips to analyse',
    defaultUri: vscode.workspace.workspaceFolders?.[0]?.uri,
  });
  return picked?.[0];
}
