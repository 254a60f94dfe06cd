// "Find Shortcuts" in the editor: analyses the rollout file of the active view — the
// clip's cue inventory (local ffmpeg + onnxruntime), the trace's claims and, when the user picks
// a checkpoint profile, ablation runs against it — writes the results to the file's sidecar under
// .omnitrace/shortcuts/ and shows them in the view. A sidecar left by an earlier run (or by
// `omnitrace shortcuts --out` into the same place) is shown when the file opens.
// Restricted Mode: nothing runs (ffmpeg, models and network all wait for trust); an existing
// sidecar is still shown, since reading it is only reading a local file.

import { mkdir } from 'node:fs/promises';
import * as path from 'node:path';
import { availableParallelism } from 'node:os';
import * as vscode from 'vscode';
import { analyseShortcutsFile } from '../services/shortcuts/analyseFile';
import { nodeShortcutDeps } from '../services/shortcuts/nodeDeps';
import { shortcutSidecarPath } from '../core/shortcuts/sidecar';
import { ABLATION_KINDS, type AblationKind, type ShortcutSummary, type VerdictCounts } from '../core/shortcuts/types';
import { mediaToolsFromSettings } from './mediaTools';
import { trustedActiveDocument } from './activeRollouts';
import { Disposable } from './dispose';
import type { WorkStatus } from './workStatus';
import type { JudgeController } from './judgeController';
import type { JudgeProfile } from '../core/judge/types';
import { EndpointProfiles, registerSafeCommand } from './endpointProfiles';
import type { Log } from './log';
import type { RolloutEditorProvider } from './rolloutEditorProvider';
import { CHECKPOINT_ENDPOINTS, checkpointProfilesFrom, type NamedCheckpointProfile } from './runController';
import { mediaRootFor, SECTION } from './settings';
import { showShortcutSidecar } from './shortcutSidecar';
import { workspaceRootFor } from './workspaceRoot';
import { LAYOUT } from '../core/workspaceLayout';

export const SHORTCUT_COMMANDS = { findShortcuts: 'omnitrace.findShortcuts' } as const;

export const RESTRICTED_SHORTCUTS_MESSAGE =
  'Omni Trace: finding shortcuts runs ffmpeg, local models and (for ablations) a model server, which Restricted Mode does not allow. Trust this workspace to analyse clips.';

const ABLATION_LABELS: Record<AblationKind, string> = {
  'no-audio': 'without the audio',
  'no-video': 'without the video (audio only)',
  'text-only': 'text only (no media)',
};

function rateText(c: VerdictCounts): string {
  return c.shortcutRate === null ? 'no verdict' : `${Math.round(c.shortcutRate * 1000) / 10}%`;
}

export function summaryMessage(s: ShortcutSummary): string {
  const rfw = s.rightForWrongReasons;
  return (
    `${s.rollouts} rollout(s) analysed${s.failed ? `, ${s.failed} failed` : ''}: ` +
    `audio shortcut rate ${rateText(s.perModality.audio)}, visual ${rateText(s.perModality.visual)}; ` +
    `${rfw.count} of ${rfw.of} correct answer(s) right for the wrong reasons.`
  );
}

export class ShortcutController extends Disposable {
  private readonly profiles: EndpointProfiles<NamedCheckpointProfile>;

  constructor(
    secrets: vscode.SecretStorage,
    private readonly provider: RolloutEditorProvider,
    private readonly log: Log,
    private readonly work: WorkStatus,
    private readonly judges?: JudgeController,
  ) {
    super();
    this.profiles = new EndpointProfiles(CHECKPOINT_ENDPOINTS, checkpointProfilesFrom, secrets, log);
    this._register(registerSafeCommand(SHORTCUT_COMMANDS.findShortcuts, () => this.findShortcuts(), log));
  }

  private async findShortcuts(): Promise<void> {
    const doc = await trustedActiveDocument(this.provider, RESTRICTED_SHORTCUTS_MESSAGE);
    if (!doc) return;

    // Ablations are what measure "used"; without an endpoint the verdicts say so and stay low-confidence.
    const local = { label: 'Clip and trace only (local, no model calls)', description: 'cue inventory + claims; "used" stays unmeasured', profile: undefined as NamedCheckpointProfile | undefined };
    const choices = [local, ...this.profiles.list().map((p) => ({ label: `Ablations against ${p.name}`, description: `${p.model} @ ${p.baseURL}`, profile: p as NamedCheckpointProfile | undefined }))];
    const picked = await vscode.window.showQuickPick(choices, { title: 'Find Shortcuts: measure whether answers depend on each modality?', ignoreFocusOut: true });
    if (!picked) return;
    let kinds: AblationKind[] = [];
    if (picked.profile) {
      const k = await vscode.window.showQuickPick(
        ABLATION_KINDS.map((ablation) => ({ label: ABLATION_LABELS[ablation], ablation, picked: true })),
        { title: "Which ablations? Each is sampled at the profile's settings", canPickMany: true, ignoreFocusOut: true },
      );
      if (!k || k.length === 0) return;
      kinds = k.map((x) => x.ablation);
    }

    // An optional judge places the sentences the rules cannot and says what a question without a
    // reference context needs; the rules and the references stay the default.
    const judgeProfiles = this.judges?.judgeProfiles() ?? [];
    let judgeProfile: JudgeProfile | undefined;
    if (judgeProfiles.length) {
      const none = { label: 'No judge', description: 'rules and references only', profile: undefined as JudgeProfile | undefined };
      const pickedJudge = await vscode.window.showQuickPick(
        [none, ...judgeProfiles.map((p) => ({ label: `Judge: ${p.name}`, description: `${p.model} @ ${p.baseURL}`, profile: p as JudgeProfile | undefined }))],
        {
          title: 'Find Shortcuts: classify with a judge what the rules cannot (untagged sentences, what a question needs)?',
          ignoreFocusOut: true,
        },
      );
      if (!pickedJudge) return;
      judgeProfile = pickedJudge.profile;
    }

    const config = vscode.workspace.getConfiguration(SECTION);
    const tools = mediaToolsFromSettings();
    const root = workspaceRootFor(doc.uri);
    const out = shortcutSidecarPath(root, doc.uri.fsPath);
    await mkdir(path.dirname(out), { recursive: true });
    const media = mediaRootFor(doc.uri);
    const samples = Math.max(1, Math.floor(config.get<number>('shortcuts.samples', 3) ?? 3));
    const endpoint = picked.profile
      ? {
          profile: { ...picked.profile },
          apiKey: await this.profiles.keyFor(picked.profile),
          kinds,
          samples,
          runsDir: path.join(root, LAYOUT.runs),
        }
      : undefined;
    const claimJudge = judgeProfile && this.judges ? await this.judges.classifierFor(judgeProfile, root) : undefined;
    const total = doc.store.indices().length;
    this.log.info(
      `finding shortcuts in ${doc.uri.fsPath}${endpoint ? ` with ablations ${kinds.join(', ')} × ${samples} against ${endpoint.profile.model}` : ' (no ablations)'}${judgeProfile ? `, classifying with judge ${judgeProfile.name}` : ''}`,
    );

    const result = await this.work.run(
      { title: `Omni Trace: finding shortcuts in ${doc.fileName}`, cancellable: true, focus: () => this.provider.panelsFor(doc)[0]?.panel.reveal() },
      async (progress, token) => {
        const abort = new AbortController();
        const sub = token.onCancellationRequested(() => abort.abort());
        let last = 0;
        try {
          return await analyseShortcutsFile({
            file: doc.uri.fsPath,
            out,
            mediaRoots: [media.path, path.dirname(doc.uri.fsPath), root].filter((p): p is string => !!p),
            tools,
            cacheDir: path.join(root, LAYOUT.cues),
            jobs: availableParallelism(),
            endpoint,
            ...(claimJudge ? { claimJudge } : {}),
            signal: abort.signal,
            read: { ...(doc.store.options.format ? { format: doc.store.options.format } : {}), ...(doc.store.options.map ? { map: doc.store.options.map } : {}) },
            deps: nodeShortcutDeps(),
            onProgress: (p) => {
              const inc = total ? ((p.done - last) / total) * 100 : 0;
              last = p.done;
              progress.report({ increment: inc, message: `${p.done}/${total || '?'}${p.stage ? ` · ${p.stage}` : ''}${p.failed ? ` · ${p.failed} failed` : ''}` });
            },
          });
        } finally {
          sub.dispose();
        }
      },
    );
    for (const p of result.problems) this.log.warn(`${p.file}${p.line !== undefined ? `:${p.line}` : ''}: ${p.message}`);
    await showShortcutSidecar(doc, this.log);
    const rel = path.relative(root, out) || out;
    const msg = `${result.cancelled ? 'Stopped; kept what was done. ' : ''}${summaryMessage(result.summary)} Saved to ${rel}.`;
    this.log.info(msg);
    void vscode.window.showInformationMessage(`Omni Trace: ${msg}`);
  }
}
