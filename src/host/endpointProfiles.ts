// What the judge and the checkpoint runner share: named endpoint profiles read from settings,
// picking one, and their API keys in SecretStorage (never in settings or logs). Also the one
// way commands are registered, so a failing command is logged and shown, never swallowed.

import * as vscode from 'vscode';
import type { Log } from './log';
import { SECTION } from './settings';
import { errorText } from '../core/errors';

/** Registers a command whose failures are logged and shown as an error message. */
export function registerSafeCommand(id: string, fn: (...args: unknown[]) => unknown, log: Log): vscode.Disposable {
  return vscode.commands.registerCommand(id, async (...args: unknown[]) => {
    try {
      return await fn(...args);
    } catch (err) {
      log.error(`${id} failed`, err);
      void vscode.window.showErrorMessage(`Omni Trace: ${errorText(err)}`);
    }
  });
}

export interface NamedEndpoint {
  name: string;
  model: string;
  baseURL: string;
}

/** Where one kind of profile lives in settings and in SecretStorage. */
export interface EndpointKind {
  /** e.g. 'judge' or 'checkpoint', for messages. */
  label: string;
  /** Settings keys under `omnitrace.`: the list and the preferred name. */
  listSetting: string;
  preferredSetting: string;
  /** Settings section opened by "Open Settings". */
  settingsQuery: string;
  secretPrefix: string;
}

/**
 * A list of named profiles from settings: entries without name, baseURL or model are reported and
 * skipped, a key written into settings is reported and ignored (keys live in SecretStorage), and
 * `build` reads the rest of each entry, reporting what it cannot use.
 */
export function parseNamedProfiles<P>(
  raw: unknown,
  kind: Pick<EndpointKind, 'label' | 'listSetting'> & { setKeyTitle: string },
  build: (o: Record<string, unknown>, name: string, problems: string[]) => P,
): { profiles: P[]; problems: string[] } {
  const profiles: P[] = [];
  const problems: string[] = [];
  if (!Array.isArray(raw)) return { profiles, problems: raw === undefined ? [] : [`omnitrace.${kind.listSetting} must be a list`] };
  raw.forEach((p, i) => {
    const o = (p ?? {}) as Record<string, unknown>;
    const missing = ['name', 'baseURL', 'model'].filter((k) => typeof o[k] !== 'string' || !(o[k] as string).trim());
    if (missing.length) {
      problems.push(`${kind.label} profile ${i + 1} lacks ${missing.join(', ')}`);
      return;
    }
    const name = String(o.name);
    if ('apiKey' in o) problems.push(`${kind.label} profile '${name}' has an apiKey in settings: it is ignored — use "Omni Trace: ${kind.setKeyTitle}"`);
    profiles.push(build(o, name, problems));
  });
  return { profiles, problems };
}

export class EndpointProfiles<P extends NamedEndpoint> {
  constructor(
    private readonly kind: EndpointKind,
    private readonly parse: (raw: unknown) => { profiles: P[]; problems: string[] },
    private readonly secrets: vscode.SecretStorage,
    private readonly log: Log,
  ) {}

  list(): P[] {
    const { profiles, problems } = this.parse(vscode.workspace.getConfiguration(SECTION).get(this.kind.listSetting));
    for (const p of problems) this.log.warn(p);
    return profiles;
  }

  /**
   * The preferred profile (or the only one), else the user's pick; undefined when there is none
   * (said so, with a way to settings) or the pick was dismissed. `ask` offers every profile even
   * when one is preferred.
   */
  async pick(ask = false): Promise<P | undefined> {
    const profiles = this.list();
    const { label } = this.kind;
    if (profiles.length === 0) {
      const open = 'Open Settings';
      const choice = await vscode.window.showWarningMessage(
        `Omni Trace: no ${label} profile. Add one to omnitrace.${this.kind.listSetting} (name, baseURL, model), e.g. a vLLM server at http://127.0.0.1:8000/v1.`,
        open,
      );
      if (choice === open) await vscode.commands.executeCommand('workbench.action.openSettings', this.kind.settingsQuery);
      return undefined;
    }
    const preferred = vscode.workspace.getConfiguration(SECTION).get<string>(this.kind.preferredSetting, '');
    const hit = profiles.find((p) => p.name === preferred);
    if (hit && !ask) return hit;
    if (profiles.length === 1) return profiles[0];
    const ordered = hit ? [hit, ...profiles.filter((p) => p !== hit)] : profiles;
    const picked = await vscode.window.showQuickPick(
      ordered.map((p) => ({ label: p.name, description: `${p.model} @ ${p.baseURL}`, profile: p })),
      { title: `Which ${label} profile?` },
    );
    return picked?.profile;
  }

  private secretKey(profile: string): string {
    return `${this.kind.secretPrefix}/${profile}`;
  }

  /** The key stored for a profile in SecretStorage, if any. */
  storedKey(profile: P): Thenable<string | undefined> {
    return this.secrets.get(this.secretKey(profile.name));
  }

  /** The stored key, else the environment variable the profile names (warned about when unset); none for keyless servers. */
  async keyFor(profile: P & { apiKeyEnv?: string }): Promise<string | undefined> {
    const stored = await this.storedKey(profile);
    if (stored) return stored;
    if (!profile.apiKeyEnv) return undefined;
    const v = process.env[profile.apiKeyEnv];
    if (!v) this.log.warn(`${this.kind.label} profile '${profile.name}': environment variable ${profile.apiKeyEnv} is not set; calling without a key`);
    return v || undefined;
  }

  /** Asks for a profile's key and stores it (or removes it when left empty). */
  async setKey(): Promise<void> {
    const profile = await this.pick(true);
    if (!profile) return;
    const key = await vscode.window.showInputBox({
      title: `API key for ${this.kind.label} profile '${profile.name}'`,
      prompt: 'Stored in VS Code SecretStorage; leave empty to remove it.',
      password: true,
      ignoreFocusOut: true,
    });
    if (key === undefined) return;
    if (key === '') await this.secrets.delete(this.secretKey(profile.name));
    else await this.secrets.store(this.secretKey(profile.name), key);
    void vscode.window.showInformationMessage(`Omni Trace: ${key ? 'stored' : 'removed'} the API key of '${profile.name}'.`);
  }
}
