// Where is a rollout's clip on this machine? Rollout files name clips the way the training data
// did: absolute paths from a cluster, or paths relative to a dataset root that is not the folder
// the rollout file sits in. We try the places a researcher would look, in order, and when none
// has the file we say which ones were tried so they can point `omnitrace.mediaRoot` at the
// right folder. Pure: file existence is a callback, so the host uses the VS Code file system
// and tests use a set of paths.

import * as nodePath from 'node:path';

export type MediaKind = 'video' | 'audio' | 'image';

const KIND_BY_EXTENSION: Record<string, MediaKind> = {};
for (const e of ['mp4', 'm4v', 'mov', 'webm', 'mkv', 'avi', 'mpg', 'mpeg', 'ogv', 'flv', '3gp']) KIND_BY_EXTENSION[e] = 'video';
for (const e of ['wav', 'mp3', 'flac', 'ogg', 'oga', 'opus', 'm4a', 'aac', 'weba']) KIND_BY_EXTENSION[e] = 'audio';
for (const e of ['png', 'jpg', 'jpeg', 'gif', 'webp', 'bmp', 'avif', 'svg']) KIND_BY_EXTENSION[e] = 'image';

/** Kind from the file extension; the record's `data_type` decides only when the extension is unknown. */
export function mediaKindOf(path: string, dataType?: string): MediaKind | undefined {
  const ext = nodePath.extname(path).slice(1).toLowerCase();
  const byExt = KIND_BY_EXTENSION[ext];
  if (byExt) return byExt;
  const dt = dataType?.toLowerCase();
  if (dt === 'video' || dt === 'audio' || dt === 'image') return dt;
  return undefined;
}

export interface WorkspaceFolderRef {
  name: string;
  path: string;
}

export interface ExpandedRoot {
  path?: string;
  /** Why the setting could not be used, in words for the user. */
  problem?: string;
}

/**
 * Expand the `omnitrace.mediaRoot` setting: `${workspaceFolder}` (the first folder),
 * `${workspaceFolder:name}`, `${userHome}` and a leading `~`. A relative result is taken
 * relative to the first workspace folder, like VS Code's own path settings.
 */
export function expandMediaRoot(setting: string | undefined, env: { workspaceFolders: WorkspaceFolderRef[]; userHome?: string }): ExpandedRoot {
  const raw = setting?.trim();
  if (!raw) return {};
  let problem: string | undefined;
  let expanded = raw.replace(/\$\{(workspaceFolder(?::([^}]*))?|userHome)\}/g, (whole, name: string, folder?: string) => {
    if (name === 'userHome') {
      if (env.userHome) return env.userHome;
      problem ??= `omnitrace.mediaRoot uses ${whole} but the home folder is unknown`;
      return whole;
    }
    const f = folder === undefined ? env.workspaceFolders[0] : env.workspaceFolders.find((w) => w.name === folder);
    if (f) return f.path;
    problem ??= folder === undefined ? `omnitrace.mediaRoot uses ${whole} but no workspace folder is open` : `omnitrace.mediaRoot uses ${whole} but no open workspace folder is named "${folder}"`;
    return whole;
  });
  if (problem) return { problem };
  if (expanded === '~' || expanded.startsWith('~/')) {
    if (!env.userHome) return { problem: `omnitrace.mediaRoot starts with ~ but the home folder is unknown` };
    expanded = nodePath.join(env.userHome, expanded.slice(1));
  }
  if (!nodePath.isAbsolute(expanded)) {
    const base = env.workspaceFolders[0];
    if (!base) return { problem: `omnitrace.mediaRoot "${raw}" is relative and no workspace folder is open` };
    expanded = nodePath.join(base.path, expanded);
  }
  return { path: nodePath.normalize(expanded) };
}

export interface MediaSearch {
  /** Absolute path of the rollout file the record came from. */
  rolloutFile: string;
  /** Expanded media roots, most specific first (usually just the setting). */
  mediaRoots: string[];
}

/** Cluster paths rarely exist locally; their last few components often do under the media root. */
const MAX_SUFFIX_COMPONENTS = 4;

/** Every place the clip may be, in the order they are tried, without duplicates. */
export function mediaCandidates(clipPath: string, search: MediaSearch): string[] {
  const p = fromFileUri(clipPath.trim());
  const out: string[] = [];
  const add = (c: string) => {
    const n = nodePath.normalize(c);
    if (!out.includes(n)) out.push(n);
  };
  const bases = [nodePath.dirname(search.rolloutFile), ...search.mediaRoots];
  if (nodePath.isAbsolute(p)) {
    add(p);
    const parts = p.split(/[\\/]+/).filter(Boolean);
    for (let k = Math.min(MAX_SUFFIX_COMPONENTS, parts.length - 1); k >= 1; k--) {
      const suffix = parts.slice(parts.length - k).join(nodePath.sep);
      for (const b of search.mediaRoots) add(nodePath.join(b, suffix));
    }
    return out;
  }
  for (const b of bases) add(nodePath.join(b, p));
  return out;
}

export type MediaResolution = { status: 'found'; path: string; kind: MediaKind; tried: string[] } | { status: 'missing'; path?: string; tried: string[]; reason: string };

export async function resolveMediaPath(
  clipPath: string | undefined,
  search: MediaSearch & { dataType?: string; rootProblem?: string },
  exists: (path: string) => Promise<boolean>,
): Promise<MediaResolution> {
  if (!clipPath || !clipPath.trim()) {
    return { status: 'missing', tried: [], reason: 'This rollout does not name a clip.' };
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(clipPath) && !/^file:\/\//i.test(clipPath)) {
    return {
      status: 'missing',
      path: clipPath,
      tried: [],
      reason: `The clip is a remote URL (${clipPath}); only local files are shown.`,
    };
  }
  const kind = mediaKindOf(clipPath, search.dataType);
  if (!kind) {
    return {
      status: 'missing',
      path: clipPath,
      tried: [],
      reason: `Cannot tell whether ${clipPath} is video, audio or an image from its extension.`,
    };
  }
  const tried = mediaCandidates(clipPath, search);
  for (const c of tried) {
    if (await exists(c)) return { status: 'found', path: c, kind, tried };
  }
  const lines = [`Clip not found: ${clipPath}`, `Tried: ${tried.join(', ')}`];
  if (search.rootProblem) lines.push(search.rootProblem + '.');
  else if (search.mediaRoots.length === 0) lines.push('Set omnitrace.mediaRoot to the folder the clip paths are relative to.');
  return { status: 'missing', path: clipPath, tried, reason: lines.join('\n') };
}

function fromFileUri(p: string): string {
  if (!/^file:\/\//i.test(p)) return p;
  try {
    // new URL keeps this free of node:url's platform quirks for the common file:///abs case.
    return decodeURIComponent(new URL(p).pathname);
  } catch {
    return p.replace(/^file:\/\//i, '');
  }
}
