// Which of N shards a rollout belongs to, the same on every machine: FNV-1a (32-bit) of its GRPO
// group key, modulo N, so the rollouts of one group land in one shard. Pure.

/** Parses "i/N" (1 ≤ i ≤ N): the 0-based shard index and the count, or an error message. */
export function parseShard(v: string): { index: number; count: number } | string {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(v);
  if (!m) return `--shard expects i/N, e.g. 1/4 (got '${v}')`;
  const i = Number(m[1]);
  const n = Number(m[2]);
  if (n < 1 || i < 1 || i > n) return `--shard ${v}: i must be from 1 to N`;
  return { index: i - 1, count: n };
}

export function fnv1a32(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

export function shardOf(groupKey: string, count: number): number {
  return fnv1a32(groupKey) % count;
}
