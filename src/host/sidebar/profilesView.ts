// The Profiles view: checkpoint and judge profiles from settings, each with a reachability check
// (GET /models on each of its base URLs). In Restricted Mode nothing is called: the profiles
// are listed as "not checked".

import * as vscode from 'vscode';
import { checkEndpoint, reachabilityText, type Reachability } from '../../services/sidebar/reachability';
import type { EndpointProfiles, NamedEndpoint } from '../endpointProfiles';
import { NodeTree, treeItem, type SidebarNode } from './nodeTree';

export const PROFILES_VIEW = 'omnitrace.sidebar.profiles';

type AnyProfiles = EndpointProfiles<NamedEndpoint & { baseURLs?: string[]; apiKeyEnv?: string }>;

export class ProfilesView extends NodeTree {
  private readonly checks = new Map<string, Promise<Reachability[]>>();

  constructor(
    private readonly kinds: { label: string; profiles: AnyProfiles; icon: string; contextValue: string }[],
    private readonly settingsCommand: vscode.Command,
  ) {
    super();
  }

  /** Forgets the last checks (the refresh button, a settings change). */
  recheck(): void {
    this.checks.clear();
    this.refresh();
  }

  /** Profiles are settings, not files: one list whatever the workspace folders. */
  override async getChildren(node?: SidebarNode): Promise<SidebarNode[]> {
    if (node) return node.children ? node.children() : [];
    return this.kinds.map((k) => ({
      item: treeItem(k.label, { group: true, expanded: true, description: `${k.profiles.list().length}` }),
      children: async () => {
        const list = k.profiles.list();
        if (!list.length) return [{ item: treeItem('none: add one in settings', { icon: 'gear', open: this.settingsCommand }) }];
        return Promise.all(list.map((p) => this.profileNode(k, p)));
      },
    }));
  }

  protected async roots(): Promise<SidebarNode[]> {
    return [];
  }

  private check(profiles: AnyProfiles, p: NamedEndpoint & { baseURLs?: string[]; apiKeyEnv?: string }): Promise<Reachability[]> {
    const urls = p.baseURLs?.length ? p.baseURLs : [p.baseURL];
    const key = `${p.name}\n${urls.join(',')}\n${p.model}`;
    let c = this.checks.get(key);
    if (!c) {
      c = profiles.keyFor(p).then((apiKey) => Promise.all(urls.map((u) => checkEndpoint(u, p.model, apiKey))));
      this.checks.set(key, c);
    }
    return c;
  }

  private async profileNode(k: (typeof this.kinds)[number], p: NamedEndpoint & { baseURLs?: string[]; apiKeyEnv?: string }): Promise<SidebarNode> {
    const urls = p.baseURLs?.length ? p.baseURLs : [p.baseURL];
    const base = `${p.model} @ ${urls.length > 1 ? `${urls.length} replicas` : urls[0]}`;
    if (!vscode.workspace.isTrusted) {
      return { item: treeItem(p.name, { description: `${base} · not checked (Restricted Mode)`, tooltip: urls.join('\n'), icon: 'circle-outline', contextValue: k.contextValue }) };
    }
    const results = await this.check(k.profiles, p);
    const ok = results.every((r) => r.ok);
    const served = results.every((r) => r.modelListed !== false);
    return {
      item: treeItem(p.name, {
        description: `${base} · ${ok ? (served ? 'reachable' : 'model not served') : 'unreachable'}`,
        tooltip: `${urls.join('\n')}\n${reachabilityText(results)}`,
        icon: ok && served ? 'pass' : ok ? 'warning' : 'error',
        contextValue: k.contextValue,
      }),
    };
  }
}
