// The message inside a chat server's error reply, for the judge's and the checkpoint's clients.

/**
 * OpenAI and DashScope send `{error: {message}}`, vLLM and SGLang `{object: "error", message}`,
 * Ollama `{error: "…"}`, FastAPI servers `{detail}` (a validation error's detail is a list: it is
 * given as JSON). Undefined when the body is not JSON or names no message.
 */
export function errorBodyMessage(body: string): string | undefined {
  let j: unknown;
  try {
    j = JSON.parse(body);
  } catch {
    return undefined;
  }
  if (typeof j !== 'object' || j === null) return undefined;
  const o = j as { error?: { message?: unknown } | string; message?: unknown; detail?: unknown };
  const m = typeof o.error === 'string' ? o.error : (o.error?.message ?? o.message ?? o.detail);
  if (m === undefined || m === null) return undefined;
  return typeof m === 'string' ? m : JSON.stringify(m);
}
