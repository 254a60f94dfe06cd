// Optional: a judge model places the sentences the rules could not ('none': no perceptual cue and
// no inference word), one call per trace with all of them numbered, cached in the judge cache
// (src/core/judge/cache.ts) under a key of model + template hash + prompt + sampling, so a re-run
// costs nothing. The rules stay the default: the judge only fills in what they left as 'none',
// its tags are marked source 'judge', and a failed call or an unreadable reply leaves the rule
// tags as they were (with a note), never an empty result.

import type { JudgeCache } from '../judge/cache';
import { judgeCacheKey } from '../judge/cache';
import { sha256Hex } from '../judge/template';
import type { ChatBackend } from '../judge/types';
import type { ClaimKind, ClaimSentence } from './types';
import { errorText } from '../errors';

export interface ClaimJudge {
  backend: ChatBackend;
  model: string;
  cache?: JudgeCache;
  timeoutMs?: number;
  temperature?: number;
  maxTokens?: number;
  seed?: number;
}

export const CLAIM_TEMPLATE = `You label sentences from a model's description of a video clip by the kind of evidence each one claims.
Kinds:
- seen: something visible (people, faces, gestures, objects, places, actions)
- heard: a sound or how a voice sounds (tone, pitch, volume, music, noises), not the words
- said: the content of what someone says
- read: text shown on screen (subtitles, captions, signs, slides)
- inferred: a conclusion drawn from other evidence, with no perception of its own
- none: none of the above
A sentence may have several kinds. When a sentence only claims that something is absent ("nobody speaks"), give the kind prefixed with "no-" (e.g. "no-said").
Reply with JSON only, one entry per sentence number, e.g. {"1": ["seen"], "2": ["heard", "said"], "3": ["none"]}.

Sentences:
{{sentences}}`;

const TEMPLATE_HASH = sha256Hex(CLAIM_TEMPLATE);
const KINDS: readonly ClaimKind[] = ['seen', 'heard', 'said', 'read', 'inferred', 'none'];

export function claimPrompt(sentences: string[]): string {
  return CLAIM_TEMPLATE.replace('{{sentences}}', sentences.map((s, i) => `${i + 1}. ${s.replace(/\s+/g, ' ')}`).join('\n'));
}

/** The first-to-last brace span of a reply as a JSON object (judges wrap JSON in prose), or undefined. */
export function jsonObjectIn(reply: string): Record<string, unknown> | undefined {
  const m = /\{[\s\S]*\}/.exec(reply);
  if (!m) return undefined;
  try {
    const obj: unknown = JSON.parse(m[0]);
    return typeof obj === 'object' && obj !== null && !Array.isArray(obj) ? (obj as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** Kinds and negations per sentence number (1-based), from the judge's reply; undefined when unreadable. */
export function parseClaimReply(reply: string, count: number): ({ kinds: ClaimKind[]; negated: Partial<Record<ClaimKind, boolean>> } | undefined)[] | undefined {
  const obj = jsonObjectIn(reply);
  if (!obj) return undefined;
  const out: ({ kinds: ClaimKind[]; negated: Partial<Record<ClaimKind, boolean>> } | undefined)[] = [];
  for (let i = 1; i <= count; i++) {
    const v = obj[String(i)];
    const list = Array.isArray(v) ? v : typeof v === 'string' ? [v] : undefined;
    if (!list) {
      out.push(undefined);
      continue;
    }
    const kinds: ClaimKind[] = [];
    const negated: Partial<Record<ClaimKind, boolean>> = {};
    for (const raw of list) {
      if (typeof raw !== 'string') continue;
      const t = raw.trim().toLowerCase();
      const neg = t.startsWith('no-');
      const k = (neg ? t.slice(3) : t) as ClaimKind;
      if (!KINDS.includes(k) || kinds.includes(k)) continue;
      kinds.push(k);
      if (k !== 'none' && k !== 'inferred') negated[k] = neg;
    }
    out.push(kinds.length ? { kinds, negated } : undefined);
  }
  return out;
}

/** Asks the judge about the rule-tagged 'none' sentences; returns updated sentences and a note when it could not. */
export async function judgeUnplacedClaims(sentences: ClaimSentence[], judge: ClaimJudge, signal?: AbortSignal): Promise<{ sentences: ClaimSentence[]; calls: number; cached: number; note?: string }> {
  const idx = sentences.map((s, i) => (s.kinds.length === 1 && s.kinds[0] === 'none' ? i : -1)).filter((i) => i >= 0);
  if (idx.length === 0) return { sentences, calls: 0, cached: 0 };
  const prompt = claimPrompt(idx.map((i) => sentences[i]!.text));
  const sampling = judgeSampling(judge, 512);
  const key = judgeCacheKey({ model: judge.model, templateHash: TEMPLATE_HASH, prompt, sampling, repeat: 0 });
  const r = await cachedJudgeCall(judge, prompt, key, TEMPLATE_HASH, sampling, signal);
  const { calls, cached } = r;
  if ('error' in r) return { sentences, calls, cached, note: `claim judge call failed: ${r.error}; rule tags kept` };
  const reply = r.reply;
  const parsed = parseClaimReply(reply, idx.length);
  if (!parsed) return { sentences, calls, cached, note: `claim judge reply unreadable (${JSON.stringify(reply.slice(0, 80))}); rule tags kept` };
  const out = sentences.slice();
  idx.forEach((si, k) => {
    const p = parsed[k];
    if (p) out[si] = { ...out[si]!, kinds: p.kinds, negated: p.negated, source: 'judge' };
  });
  return { sentences: out, calls, cached };
}

export interface JudgeSampling {
  temperature: number;
  maxTokens: number;
  seed?: number;
}

export function judgeSampling(judge: ClaimJudge, maxTokens: number): JudgeSampling {
  return { temperature: judge.temperature ?? 0, maxTokens: judge.maxTokens ?? maxTokens, ...(judge.seed !== undefined ? { seed: judge.seed } : {}) };
}

/**
 * One classification call through the judge cache: a hit costs nothing; a reply is cached
 * whether or not it parses (re-asking at the same settings gives the same reply); a failed call
 * is returned as `error` and not cached, so the next run asks again.
 */
export async function cachedJudgeCall(
  judge: ClaimJudge,
  prompt: string,
  key: string,
  templateHash: string,
  sampling: JudgeSampling,
  signal?: AbortSignal,
): Promise<{ reply: string; calls: number; cached: number } | { error: string; calls: number; cached: number }> {
  const hit = await judge.cache?.get(key);
  if (hit) return { reply: hit.reply, calls: 0, cached: 1 };
  const started = Date.now();
  try {
    const r = await judge.backend.complete(
      {
        model: judge.model,
        messages: [{ role: 'user', content: prompt }],
        temperature: sampling.temperature,
        maxTokens: sampling.maxTokens,
        ...(sampling.seed !== undefined ? { seed: sampling.seed } : {}),
      },
      { ...(signal ? { signal } : {}), timeoutMs: judge.timeoutMs ?? 30_000 },
    );
    await judge.cache?.put({
      v: 1,
      key,
      model: judge.model,
      templateHash,
      repeat: 0,
      reply: r.text,
      ...(r.usage ? { usage: r.usage } : {}),
      ...(r.finishReason ? { finishReason: r.finishReason } : {}),
      latencyMs: Date.now() - started,
      attempts: 1,
      createdAt: new Date().toISOString(),
    });
    return { reply: r.text, calls: 1, cached: 0 };
  } catch (e) {
    return { error: errorText(e), calls: 1, cached: 0 };
  }
}
