// The one-line form of a field mapping, as typed in the editor's input box and on the command
// line: `completion=output,solution=gts,clip=raw.video`. Names are checked against the
// readers' mapping fields so a typo is reported instead of silently mapping nothing.

import { MAPPING_FIELD_NAMES } from './readers/mapping';

export type FieldMapParse = { ok: true; map: Record<string, string> } | { ok: false; error: string };

export function parseFieldMapText(text: string): FieldMapParse {
  const map: Record<string, string> = {};
  const known = new Set<string>(MAPPING_FIELD_NAMES);
  for (const raw of text.split(',')) {
    const part = raw.trim();
    if (!part) continue;
    const eq = part.indexOf('=');
    if (eq <= 0 || eq === part.length - 1) return { ok: false, error: `"${part}" is not field=path` };
    const field = part.slice(0, eq).trim();
    const path = part.slice(eq + 1).trim();
    if (!known.has(field)) return { ok: false, error: `unknown field "${field}" (known: ${MAPPING_FIELD_NAMES.join(', ')})` };
    if (!path || /\s/.test(path)) return { ok: false, error: `"${path}" is not a dotted path` };
    if (field in map) return { ok: false, error: `field "${field}" is mapped twice` };
    map[field] = path;
  }
  return { ok: true, map };
}

export function formatFieldMapText(map: Record<string, string> | undefined): string {
  return Object.entries(map ?? {})
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}
