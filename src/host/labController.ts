// "Open Judge Lab" in the editor: the active rollout file's items judged by the chosen template
// variants (built-in, the workspace's, and their git HEAD revisions), the labels of every
// labeller, the figures in the lab view. While the lab is open, saving a template in
// .omnitrace/judges/ runs it again: unchanged prompts come from the judge cache, so only the
// changed variant calls the judge.

import { readdirSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { builtinTemplates } from '../core/judge/builtinTemplates';
import { JUDGED_REWARDS, type JudgedReward } from '../core/judge/types';
import { LAYOUT } from '../core/workspaceLayout';
import type { LabData, LabMethods } from '../protocol/labView';
import { LabError, runJudgeLab } from '../services/judgeLab';
import { workspaceTemplatesDir } from '../services/judgeService';
import { trustedActiveDocument } from './activeRollouts';
import { Disposable } from './dispose';
import type { WorkStatus } from './workStatus';
import { registerSafeCommand } from './endpointProfiles';
import type { JudgeController } from './judgeController';
import type { Log } from './log';
import { PanelHost } from './panelHost';
import type { RolloutEditorProvider } from './rolloutEditorProvider';
import { readSettings } from './settings';
import { errorText } from '../core/errors';
import { workspaceRootFor } from './workspaceRoot';

export const LAB_COMMANDS = { openJudgeLab: 'omnitrace.openJudgeLab' } as const;
export const LAB_VIEW_TYPE = 'omnitrace.judgeLab';

const RESTRICTED = 'The judge lab calls your judge endpoint: trust this workspace to run it.';

export class LabController extends Disposable {
  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly provider: RolloutEditorProvider,
    private readonly judges: JudgeController,
    private readonly log: Log,
    private readonly work: WorkStatus,
  ) {
    super();
    this._register(registerSafeCommand(LAB_COMMANDS.openJudgeLab, () => this.open(), log));
  }

  private async open(): Promise<void> {
    const doc = await trustedActiveDocument(this.provider, RESTRICTED);
    if (!doc) return;
    const root = workspaceRootFor(doc.uri);
    const reward = (await vscode.window.showQuickPick([...JUDGED_REWARDS], { title: 'Judge lab: which reward?' })) as JudgedReward | undefined;
    if (!reward) return;
    const names = new Set(
      Object.values(builtinTemplates())
        .filter((t) => t.reward === reward)
        .map((t) => t.name),
    );
    const dir = workspaceTemplatesDir(root);
    if (dir) for (const f of readdirSync(dir)) if (f.endsWith('.md')) names.add(f.slice(0, -3));
    const items = [...names].sort().flatMap((n) => [{ label: n }, ...(dir ? [{ label: `${n}@HEAD`, description: 'the committed version' }] : [])]);
    const picked = await vscode.window.showQuickPick(items, { canPickMany: true, title: 'Judge lab: the variants to compare (two or more)' });
    if (!picked?.length) return;
    const profile = await this.judges.pickProfile();
    if (!profile) return;
    const variants = picked.map((p) => p.label);
    const run = async (): Promise<LabData | undefined> => {
      const settings = readSettings(doc.uri);
      try {
        return await this.work.run({ title: `Judge lab: ${variants.join(' vs ')}`, cancellable: true }, async (progress, token) => {
          const controller = new AbortController();
          token.onCancellationRequested(() => controller.abort());
          const apiKey = await this.judges.apiKeyFor(profile);
          const r = await runJudgeLab(doc.uri.fsPath, {
            workspace: root,
            reward,
            variants,
            profile,
            ...(apiKey ? { apiKey } : {}),
            ...(settings.defaultFormat ? { format: settings.defaultFormat } : {}),
            repeats: Math.max(1, vscode.workspace.getConfiguration('omnitrace').get<number>('judge.repeats', 1) ?? 1),
            signal: controller.signal,
            onPreview: (p) => this.log.info(`judge lab ${p.variant}: ${p.calls} calls, ${p.cached} cached, ~${p.promptTokens} prompt tokens`),
            onProgress: (done, total, variant) => progress.report({ message: `${variant}: ${done} of ${total}` }),
          });
          for (const p of r.labelProblems) this.log.warn(`${p.file}:${p.line}: ${p.message}`);
          return r.lab;
        });
      } catch (e) {
        const m = e instanceof LabError ? e.message : `the judge lab failed: ${errorText(e)}`;
        void vscode.window.showErrorMessage(`Omni Trace: ${m}`);
        this.log.error(m);
        return undefined;
      }
    };
    const first = await run();
    if (!first) return;
    const panel = this._register(new LabPanel(this.extensionUri, this.log, `Judge lab: ${reward} — ${path.basename(doc.uri.fsPath)}`, first));
    // Saving a template re-runs the lab (cached prompts cost nothing) and reloads the view.
    const watcher = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(vscode.Uri.file(path.join(root, LAYOUT.judgeTemplates)), '*.md'));
    let timer: ReturnType<typeof setTimeout> | undefined;
    const again = () => {
      clearTimeout(timer);
      timer = setTimeout(async () => {
        const next = await run();
        if (next) panel.update(next);
      }, 300);
    };
    panel.track(watcher, watcher.onDidChange(again), watcher.onDidCreate(again));
  }
}

/** The lab view of one lab; `update` shows new figures (the page reloads and asks again). */
export class LabPanel extends PanelHost<LabMethods> {
  private readonly shown: { lab: LabData };

  constructor(extensionUri: vscode.Uri, log: Log, title: string, lab: LabData) {
    // The handler reads the box, so an update needs no new server.
    const shown = { lab };
    super(extensionUri, log, {
      viewType: LAB_VIEW_TYPE,
      title,
      view: 'lab',
      retainContextWhenHidden: true,
      handlers: { getLabInit: () => ({ title, lab: shown.lab, host: 'vscode' }) },
    });
    this.shown = shown;
  }

  update(lab: LabData): void {
    this.shown.lab = lab;
    this.reload();
  }

  /** Disposables that live as long as the panel (the template watcher). */
  track(...ds: vscode.Disposable[]): void {
    for (const d of ds) this._register(d);
  }
}
