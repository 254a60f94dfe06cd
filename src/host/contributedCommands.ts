// The commands package.json contributes, checked against the ones activation registered. VS Code
// says nothing about a contributed command nobody registered until a user runs it ("command
// '…' not found"); checked once after activation, the log says so at once, and the end-to-end
// test reads that line instead of running every command and waiting to see whether an error
// appears.

/** The `contributes.commands` ids of an extension manifest (none when it has no such list). */
export function contributedCommandIds(manifest: unknown): string[] {
  const commands = (manifest as { contributes?: { commands?: unknown } } | undefined)?.contributes?.commands;
  if (!Array.isArray(commands)) return [];
  return commands.map((c) => (c as { command?: unknown }).command).filter((id): id is string => typeof id === 'string');
}

/** The log line for the check: every contributed command registered, or which ones are not. */
export function registrationReport(contributed: readonly string[], registered: Iterable<string>): { ok: boolean; message: string } {
  const have = new Set(registered);
  const missing = contributed.filter((id) => !have.has(id));
  if (missing.length === 0) return { ok: true, message: `${contributed.length} of ${contributed.length} contributed commands registered` };
  return { ok: false, message: `${missing.length} of ${contributed.length} contributed commands are not registered: ${missing.join(', ')}` };
}
