// The OpenAI Batch file format, both ways: the request lines `omnitrace judge --batch-export`
// writes ({custom_id, method: "POST", url: "/v1/chat/completions", body}) — the input of vLLM's
// `run-batch` and of the OpenAI and DashScope batch APIs — and the output lines they return
// ({id?, custom_id, response: {status_code, request_id?, body} | null, error: {code?, message} |
// null}), read into the judge cache. Pure.
//
// custom_id is "ot-<template hash, 12>-r<repeat>-<cache key>": the cache key (judge/cache.ts: model,
// template hash, prompt, sampling, repeat) is all a result needs to land where an online call's
// reply would, and the rest is there for a person reading the file.

import type { CacheEntry } from './cache';
import type { TokenUsage } from './types';

export const BATCH_URL = '/v1/chat/completions';

export interface BatchRequestLine {
  custom_id: string;
  method: 'POST';
  url: typeof BATCH_URL;
  body: {
    model: string;
    messages: { role: 'user'; content: string }[];
    temperature: number;
    max_tokens: number;
    seed?: number;
  };
}

export function batchCustomId(templateHash: string, repeat: number, cacheKey: string): string {
  return `ot-${templateHash.slice(0, 12)}-r${repeat}-${cacheKey}`;
}

/** The cache key and repeat a custom_id carries, or undefined when it is not one of ours. */
export function parseCustomId(id: unknown): { key: string; repeat: number; templateHash: string } | undefined {
  if (typeof id !== 'string') return undefined;
  const m = /^ot-([0-9a-f]{1,64})-r(\d+)-([0-9a-f]{64})$/.exec(id);
  return m ? { templateHash: m[1]!, repeat: Number(m[2]), key: m[3]! } : undefined;
}

export function batchRequestLine(r: {
  cacheKey: string;
  templateHash: string;
  repeat: number;
  model: string;
  prompt: string;
  temperature: number;
  maxTokens: number;
  seed?: number;
}): BatchRequestLine {
  return {
    custom_id: batchCustomId(r.templateHash, r.repeat, r.cacheKey),
    method: 'POST',
    url: BATCH_URL,
    body: {
      model: r.model,
      messages: [{ role: 'user', content: r.prompt }],
      temperature: r.temperature,
      max_tokens: r.maxTokens,
      ...(r.seed !== undefined ? { seed: r.seed } : {}),
    },
  };
}

/** One output line read: a reply for the cache, or why the call failed (never a number). */
export type BatchResult = { ok: true; entry: CacheEntry } | { ok: false; key: string; error: string } | { ok: 'skip'; error: string };

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Reads one output line (already JSON-parsed). `origin` says where it came from (file:line). */
export function readBatchResult(line: unknown, origin: string, now = new Date()): BatchResult {
  if (!isObj(line)) return { ok: 'skip', error: 'not a JSON object' };
  const id = parseCustomId(line.custom_id);
  if (!id) return { ok: 'skip', error: `custom_id ${JSON.stringify(line.custom_id)} is not one omnitrace wrote` };
  const fail = (error: string): BatchResult => ({ ok: false, key: id.key, error: `batch ${origin}: ${error}` });
  if (isObj(line.error) || typeof line.error === 'string') {
    const e = line.error as Record<string, unknown> | string;
    const msg = typeof e === 'string' ? e : [e.code, e.message].filter((x) => typeof x === 'string' || typeof x === 'number').join(': ');
    return fail(msg || 'error without a message');
  }
  const res = line.response;
  if (!isObj(res)) return fail('no response');
  const status = res.status_code;
  const body = res.body;
  if (status !== 200) {
    const msg = isObj(body) && isObj(body.error) && typeof body.error.message === 'string' ? body.error.message : isObj(body) && typeof body.message === 'string' ? body.message : '';
    return fail(`HTTP ${String(status)}${msg ? `: ${msg}` : ''}`);
  }
  if (!isObj(body) || !Array.isArray(body.choices) || !isObj(body.choices[0])) return fail('the response body has no choices');
  const choice = body.choices[0] as Record<string, unknown>;
  const content = isObj(choice.message) ? choice.message.content : undefined;
  if (typeof content !== 'string' || content.trim() === '')
    return fail(`the judge replied with empty content${typeof choice.finish_reason === 'string' ? ` (finish_reason ${choice.finish_reason})` : ''}`);
  const u = isObj(body.usage) ? body.usage : undefined;
  const usage: TokenUsage | undefined =
    u && typeof u.prompt_tokens === 'number' && typeof u.completion_tokens === 'number'
      ? { promptTokens: u.prompt_tokens, completionTokens: u.completion_tokens, ...(typeof u.total_tokens === 'number' ? { totalTokens: u.total_tokens } : {}) }
      : undefined;
  return {
    ok: true,
    entry: {
      v: 1,
      key: id.key,
      model: typeof body.model === 'string' ? body.model : '',
      templateHash: id.templateHash,
      repeat: id.repeat,
      reply: content,
      ...(usage ? { usage } : {}),
      ...(typeof choice.finish_reason === 'string' ? { finishReason: choice.finish_reason } : {}),
      latencyMs: 0,
      attempts: 1,
      createdAt: now.toISOString(),
      origin: `batch ${origin}`,
    },
  };
}
