// Checks the programs and files that the test suites and the demo use, and installs the missing
// ones on Debian or Ubuntu when it runs as root. Anywhere else it stops at once with one line that
// names what is missing and how to install it, so a run never turns into a wall of unexplained
// failures.
//
//   node scripts/prereqs.mjs test   every suite (unit, integration, browser, VS Code end to end)
//   node scripts/prereqs.mjs e2e    the VS Code end-to-end suite only
//   node scripts/prereqs.mjs bench  the benchmarks (`npm run bench*`): what the tests need
//   node scripts/prereqs.mjs demo   the demo; it never fails: what it cannot get is reported, and
//                                   the demo says which step ran without it
//
// OMNITRACE_NO_INSTALL=1 turns installing off (the check still runs). OMNITRACE_CHROMIUM,
// OMNITRACE_FFMPEG and OMNITRACE_FFPROBE point at programs installed elsewhere.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { delimiter, join, dirname } from 'node:path';

/** What each use needs: a check, the Debian package that provides it, and why it is needed. */
const REQUIREMENTS = [
  { name: 'chromium', deb: 'chromium', brew: '--cask chromium', env: 'OMNITRACE_CHROMIUM', file: '/usr/bin/chromium', why: 'browser and VS Code tests', uses: ['test', 'e2e'] },
  { name: 'ffmpeg', deb: 'ffmpeg', brew: 'ffmpeg', env: 'OMNITRACE_FFMPEG', program: 'ffmpeg', why: 'clip decoding and cue analysis', uses: ['test', 'e2e', 'demo'] },
  { name: 'ffprobe', deb: 'ffmpeg', brew: 'ffmpeg', env: 'OMNITRACE_FFPROBE', program: 'ffprobe', why: 'clip probing', uses: ['test', 'e2e', 'demo'] },
  { name: 'espeak-ng', deb: 'espeak-ng', brew: 'espeak-ng', program: 'espeak-ng', why: 'speech in the test clips', uses: ['test'] },
  { name: 'DejaVu fonts', deb: 'fonts-dejavu-core', brew: '--cask font-dejavu', file: '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf', why: 'on-screen text in the test clips', uses: ['test'] },
  { name: 'python3', deb: 'python3', brew: 'python', program: 'python3', why: 'statistics checked against Python', uses: ['test'] },
  // code-server builds a native module (kerberos) against these headers when it installs.
  { name: 'Kerberos headers', deb: 'libkrb5-dev', brew: 'krb5', file: '/usr/include/krb5.h', alt: '/usr/include/krb5/krb5.h', why: 'the code-server install', uses: ['test', 'e2e'] },
];

function onPath(program) {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir && existsSync(join(dir, program))) return true;
  }
  return false;
}

function present(req) {
  if (req.env && process.env[req.env]) return existsSync(process.env[req.env]);
  if (req.program) return onPath(req.program);
  return existsSync(req.file) || (req.alt !== undefined && existsSync(req.alt));
}

function osRelease() {
  try {
    const text = readFileSync('/etc/os-release', 'utf8');
    const field = (k) => text.match(new RegExp(`^${k}=("?)(.*)\\1$`, 'm'))?.[2] ?? '';
    return `${field('ID')} ${field('ID_LIKE')}`.toLowerCase();
  } catch {
    return '';
  }
}

function installHint(missing) {
  const debs = [...new Set(missing.map((r) => r.deb))];
  if (process.platform === 'darwin') {
    return `brew install ${[...new Set(missing.map((r) => r.brew))].join(' ')} (then set OMNITRACE_CHROMIUM to the Chromium binary if it is missing)`;
  }
  const id = osRelease();
  if (/debian|ubuntu/.test(id)) return `sudo apt-get install -y ${debs.join(' ')}`;
  return `install with your package manager (Debian names: ${debs.join(' ')})`;
}

const use = process.argv[2] ?? 'test';
if (!['test', 'e2e', 'demo', 'bench'].includes(use)) {
  console.error(`prereqs: unknown use "${use}" (test, e2e, bench or demo)`);
  process.exit(2);
}
// The benchmarks run what the tests run (Python peers, ffmpeg, Chromium, code-server).
const needed = REQUIREMENTS.filter((r) => r.uses.includes(use === 'bench' ? 'test' : use));
let missing = needed.filter((r) => !present(r));

const canInstall =
  process.platform === 'linux' &&
  /debian|ubuntu/.test(osRelease()) &&
  process.getuid?.() === 0 &&
  onPath('apt-get') &&
  !['1', 'true', 'yes'].includes((process.env.OMNITRACE_NO_INSTALL ?? '').toLowerCase());

if (missing.length > 0 && canInstall) {
  const debs = [...new Set(missing.map((r) => r.deb))];
  console.error(`prereqs: installing ${debs.join(', ')} (for ${missing.map((r) => r.name).join(', ')}) with apt-get`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const update = spawnSync('apt-get', ['update', '-qq'], { stdio: ['ignore', 'inherit', 'inherit'], env });
  const install = update.status === 0 && spawnSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...debs], { stdio: ['ignore', 'ignore', 'inherit'], env });
  const still = missing.filter((r) => !present(r));
  const installed = missing.filter((r) => !still.includes(r));
  if (installed.length) console.error(`prereqs: installed ${[...new Set(installed.map((r) => r.deb))].join(', ')}`);
  if (!install || install.status !== 0) console.error(`prereqs: apt-get ${update.status !== 0 ? 'update' : 'install'} failed`);
  missing = still;
}

// The demo reads this to say which step ran without what, and why.
const statusFile = join('.omnitrace', 'prereqs.json');
mkdirSync(dirname(statusFile), { recursive: true });
writeFileSync(statusFile, JSON.stringify({ use, missing: missing.map((r) => ({ name: r.name, why: r.why, install: installHint([r]) })) }, null, 2) + '\n');

if (missing.length > 0) {
  const names = missing.map((r) => `${r.name} (${r.why})`).join(', ');
  const line = `prereqs: missing ${names}; install with: ${installHint(missing)}${canInstall ? '' : process.env.OMNITRACE_NO_INSTALL ? ' (OMNITRACE_NO_INSTALL is set, so nothing was installed)' : ''}`;
  if (use === 'demo') {
    console.error(`${line}. The demo goes on without it.`);
    process.exit(0);
  }
  console.error(line);
  process.exit(1);
}
