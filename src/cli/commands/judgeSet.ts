// `omnitrace judge-set <file> --name N (--filter TEXT | --labelled | --sample N)`: a frozen set of
// items for `judge-lab --set`.

import type { Command } from 'commander';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { addInputOptions, guardOutputs, inputOptionsFrom, type InputOptionValues } from '../options';
import { UsageError } from '../errors';
import { writeFileAtomic } from '../../core/atomicFile';
import { buildJudgeSet, judgeSetPath, type SetChoice } from '../../services/judgeSets';
import { int } from '../judgeOptions';

interface SetCliOptions extends InputOptionValues {
  name: string;
  filter?: string;
  labelled?: boolean;
  sample?: number;
  seed?: number;
}

export function register(program: Command): void {
  const cmd = program
    .command('judge-set')
    .description('freeze a set of items for the judge lab (.omnitrace/judge-sets/<name>.json): by a text filter, the labelled items, or a stratified sample')
    .argument('<file>', 'rollout file or folder')
    .requiredOption('--name <name>', 'the set name')
    .option('--filter <text>', 'items whose id, question or completion contains this text')
    .option('--labelled', 'the items any labeller has labelled')
    .option('--sample <n>', 'n items, the same share of each problem type', int(1, 10_000_000))
    .option('--seed <n>', 'sampling seed (default 1)', int(0, 2 ** 31 - 1));
  addInputOptions(cmd);
  cmd.action(async (file: string, v: SetCliOptions) => {
    const ways = [v.filter !== undefined, !!v.labelled, v.sample !== undefined].filter(Boolean).length;
    if (ways !== 1) throw new UsageError('choose the items one way: --filter TEXT, --labelled or --sample N');
    if (!/^[\w.-]+$/.test(v.name)) throw new UsageError(`--name ${v.name}: letters, digits, '.', '_' and '-' only`);
    const choice: SetChoice = v.filter !== undefined ? { kind: 'filter', text: v.filter } : v.labelled ? { kind: 'labelled' } : { kind: 'sample', size: v.sample!, seed: v.seed ?? 1 };
    const out = judgeSetPath(process.cwd(), v.name);
    mkdirSync(dirname(out), { recursive: true });
    guardOutputs([file], [['--name', out]]);
    const set = await buildJudgeSet(file, v.name, choice, { ...inputOptionsFrom(v), workspace: process.cwd() });
    if (set.items.length === 0) throw new UsageError(`no item of ${file} matches: the set would be empty`);
    await writeFileAtomic(out, JSON.stringify(set, null, 1) + '\n');
    process.stderr.write(`${set.items.length} items: ${set.how}\n`);
    process.stdout.write(out + '\n');
  });
}
