// What "Go to Rollout" accepts: a rollout index (`42`, `#42`) or a line of the file (`L120`,
// `line 120`, `:120`). Pure so it is tested without VS Code.

export type GoToTarget = { kind: 'index'; index: number } | { kind: 'line'; line: number };

export function parseGoToTarget(text: string): GoToTarget | string {
  const t = text.trim();
  let m = /^#?\s*(\d+)$/.exec(t);
  if (m) return { kind: 'index', index: Number(m[1]) };
  m = /^(?:l|line|:)\s*(\d+)$/i.exec(t);
  if (m) {
    const line = Number(m[1]);
    return line >= 1 ? { kind: 'line', line } : 'lines start at 1';
  }
  return 'type a rollout index (42) or a line of the file (L120)';
}
