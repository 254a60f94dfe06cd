// `npm run demo:browser`: VS Code in the browser for anyone without VS Code installed.
// Packages the extension, installs code-server into a cache folder (first run only, a few
// minutes), starts it on 127.0.0.1 with Omni Trace installed and the demo folder open, and
// prints the URL. Ctrl-C stops it.
import { buildVsix, ensureCodeServer, startCodeServer } from './codeServer';

async function main(): Promise<void> {
  const port = Number(process.env.OMNITRACE_DEMO_PORT ?? 0) || undefined;
  console.log('Packaging the extension…');
  const vsix = buildVsix();
  console.log('Preparing code-server (cached after the first run)…');
  const csDir = ensureCodeServer();
  const cs = await startCodeServer({ csDir, vsix, restricted: false, label: 'demo', port });
  const url = `${cs.url}/?folder=${encodeURIComponent(cs.workspace)}`;
  console.log(`\nOmni Trace demo in VS Code for the web:\n\n  ${url}\n\nOpen demo.rollouts.jsonl from the explorer. Ctrl-C stops the server.`);
  const stop = async () => {
    await cs.stop();
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  await new Promise(() => undefined);
}

main().catch((e) => {
  console.error(`demo:browser: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
