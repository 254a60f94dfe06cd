import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { judgeToJsonl } from '../src/core/judge/judgeFile';
import { JudgeRunner } from '../src/core/judge/runner';
import { scoreToJsonl } from '../src/core/scoreJsonl';
import { builtinTemplates } from '../src/core/judge/builtinTemplates';
import { judgeTasksFor } from '../src/core/judge/items';
import { scoreFile } from '../src/core/score';
import { DEFAULT_PROFILE } from '../src/core/judge/types';
async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'x-'));
  const file = join(dir, 'in.jsonl');
  const ref = '<context>A woman at a bus stop checks her watch while a horn sounds.</context><think>Late.</think><answer>B</answer>';
  const lines: string[] = [];
  for (let i = 0; i < 2000; i++) lines.push(JSON.stringify({ id: `r${i}`, problem: `Q${i}?`, problem_type: 'multiple choice', solution: ref, completion: `<context>Rollout ${i}: a woman.</context><think>She hurries.</think><answer>B</answer>` }));
  writeFileSync(file, lines.join('\n') + '\n');
  const mk = () => new JudgeRunner({ profile: { ...DEFAULT_PROFILE, name: 'b', baseURL: 'x', model: 'm', concurrency: 32 }, backend: { complete: async () => ({ text: '4' }) }, templates: { context: builtinTemplates().context! } });
  for (let k = 0; k < 3; k++) {
    let t0 = performance.now();
    await scoreToJsonl(file, { out: join(dir, 's.jsonl') });
    const a = performance.now() - t0;
    t0 = performance.now();
    await scoreFile(file, {}, { record: (s) => { judgeTasksFor(s, ['context'], { context: builtinTemplates().context! }); } });
    const b = performance.now() - t0;
    const r = mk();
    t0 = performance.now();
    await scoreFile(file, {}, { record: async (s) => { await r.judgeRollout(s, { rewards: ['context'] }); } });
    const c = performance.now() - t0;
    const r2 = mk();
    (r2 as any).judgeRollout = async () => ({});
    t0 = performance.now();
    await judgeToJsonl(file, { runner: r2, rewards: ['context'], out: join(dir, 'o.jsonl') });
    const d = performance.now() - t0;
    t0 = performance.now();
    await judgeToJsonl(file, { runner: mk(), rewards: ['context'], out: join(dir, 'o.jsonl') });
    const e = performance.now() - t0;
    console.log({ score: a.toFixed(0), scoreFile_tasks: b.toFixed(0), scoreFile_judge_serial: c.toFixed(0), judgeFile_nojudge: d.toFixed(0), judgeFile: e.toFixed(0) });
  }
}
main();
