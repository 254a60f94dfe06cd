// Typed access to the `omnitrace.*` settings. Everything read here is data (paths, names,
// switches): no setting names an executable, so nothing here needs a workspace-trust gate
// beyond `restrictedConfigurations` in the manifest (VS Code then ignores a workspace's
// `omnitrace.mediaRoot` in Restricted Mode).

import * as os from 'node:os';
import * as vscode from 'vscode';
import { expandMediaRoot, type ExpandedRoot } from '../core/mediaPaths';
import type { FormatName } from '../core/readers/types';
import { FORMAT_NAMES } from '../core/readers/index';
import { ADVANTAGE_RULES, type AdvantageRule } from '../core/grpo';

export const SECTION = 'omnitrace';

import type { RegressionVariant } from '../core/rewards/accuracy';
export type { RegressionVariant };

export interface OmniTraceSettings {
  mediaRoot: string;
  /** undefined = detect. */
  defaultFormat: FormatName | undefined;
  fieldMap: Record<string, string>;
  scaleRewards: boolean;
  regressionVariant: RegressionVariant;
  /** GRPO group size for files without group ids; 0 = from the file (ids, detected layout, identical text). */
  groupSize: number;
  /** undefined = the format's trainer. */
  advantage: AdvantageRule | undefined;
  /** Groups from the trainer's recorded total when the file has one, or always from ours. */
  total: 'recorded' | 'recomputed';
  maxProblemsShown: number;
  /** Rewards above each rollout line of a JSONL file opened as text. */
  codeLens: boolean;
}

const FORMATS: readonly string[] = FORMAT_NAMES;

export function readSettings(scope?: vscode.Uri): OmniTraceSettings {
  const c = vscode.workspace.getConfiguration(SECTION, scope);
  const fmt = c.get<string>('defaultFormat', 'auto');
  const rawMap = c.get<unknown>('fieldMap', {});
  const fieldMap: Record<string, string> = {};
  if (rawMap && typeof rawMap === 'object' && !Array.isArray(rawMap)) {
    for (const [k, v] of Object.entries(rawMap)) if (typeof v === 'string' && v.trim()) fieldMap[k] = v.trim();
  }
  const max = c.get<number>('maxProblemsShown', 200);
  return {
    mediaRoot: c.get<string>('mediaRoot', '') ?? '',
    defaultFormat: FORMATS.includes(fmt) ? (fmt as FormatName) : undefined,
    fieldMap,
    scaleRewards: c.get<boolean>('scaleRewards', false) === true,
    regressionVariant: c.get<string>('regressionVariant', 'trainer') === 'eval' ? 'eval' : 'trainer',
    groupSize: Math.max(0, Math.floor(c.get<number>('groupSize', 0) ?? 0)) || 0,
    advantage: (ADVANTAGE_RULES as readonly string[]).includes(c.get<string>('advantage', 'auto') ?? '') ? (c.get<string>('advantage') as AdvantageRule) : undefined,
    total: c.get<string>('total', 'recorded') === 'recomputed' ? 'recomputed' : 'recorded',
    maxProblemsShown: Number.isFinite(max) && max >= 0 ? Math.floor(max) : 200,
    codeLens: c.get<boolean>('codeLens', true) !== false,
  };
}

/** The media root setting as a folder on disk, or why it cannot be used. */
export function mediaRootFor(scope?: vscode.Uri): ExpandedRoot {
  return expandMediaRoot(readSettings(scope).mediaRoot, {
    workspaceFolders: (vscode.workspace.workspaceFolders ?? []).map((f) => ({ name: f.name, path: f.uri.fsPath })),
    userHome: os.homedir(),
  });
}

export function affectsMediaRoot(e: vscode.ConfigurationChangeEvent): boolean {
  return e.affectsConfiguration(`${SECTION}.mediaRoot`);
}

/** Settings that change what is read or how it is scored: a change means reload. */
export function affectsScoring(e: vscode.ConfigurationChangeEvent): boolean {
  return ['defaultFormat', 'fieldMap', 'scaleRewards', 'regressionVariant', 'groupSize', 'advantage', 'total'].some((k) => e.affectsConfiguration(`${SECTION}.${k}`));
}
