// Is an OpenAI-compatible endpoint there, and does it serve the model a profile names? One
// `GET {baseURL}/models`, bounded in time. The caller decides whether a call may be made at all
// (never in an untrusted workspace).

export interface Reachability {
  baseURL: string;
  ok: boolean;
  /** The served model ids, when the server listed them. */
  models?: string[];
  /** Whether the profile's model is among them (undefined when the list could not be read). */
  modelListed?: boolean;
  error?: string;
  ms: number;
}

export async function checkEndpoint(baseURL: string, model: string, apiKey: string | undefined, timeoutMs = 5000): Promise<Reachability> {
  const t0 = Date.now();
  const url = `${baseURL.replace(/\/+$/, '')}/models`;
  try {
    const res = await fetch(url, { headers: apiKey ? { authorization: `Bearer ${apiKey}` } : {}, signal: AbortSignal.timeout(timeoutMs) });
    const ms = Date.now() - t0;
    if (!res.ok) return { baseURL, ok: false, error: `HTTP ${res.status}${res.status === 401 || res.status === 403 ? ' (check the API key)' : ''}`, ms };
    let models: string[] | undefined;
    try {
      const body = (await res.json()) as { data?: { id?: unknown }[] };
      if (Array.isArray(body.data)) models = body.data.map((m) => String(m.id));
    } catch {
      // A server that answers but lists nothing readable is still reachable.
    }
    return { baseURL, ok: true, models, modelListed: models ? models.includes(model) : undefined, ms };
  } catch (e) {
    const err = e as Error & { cause?: { code?: string } };
    const why = err.name === 'TimeoutError' ? `no answer within ${timeoutMs / 1000} s` : (err.cause?.code ?? err.message);
    return { baseURL, ok: false, error: why, ms: Date.now() - t0 };
  }
}

/** One line for a profile's endpoints: all reachable (and the model listed), else what failed. */
export function reachabilityText(results: Reachability[]): string {
  const bad = results.filter((r) => !r.ok);
  if (bad.length) return bad.map((r) => `${r.baseURL}: ${r.error}`).join('; ');
  const unlisted = results.filter((r) => r.modelListed === false);
  const replicas = results.length > 1 ? `${results.length} replicas ` : '';
  if (unlisted.length) return `${replicas}reachable, model not served (serves ${unlisted[0]!.models!.slice(0, 3).join(', ')})`;
  return `${replicas}reachable${results.every((r) => r.modelListed) ? ', model served' : ''}`;
}
