// `omnitrace import-prompt <train.py>`: lists the judge prompts (f-strings and `.format` strings)
// in a user's training code, and makes one a template in .omnitrace/judges/ with its placeholders
// mapped to our variables, for `judge` and `judge-lab` to run exactly as training did.

import type { Command } from 'commander';
import { existsSync, mkdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { guardOutputs } from '../options';
import { UsageError } from '../errors';
import { writeFileAtomic } from '../../core/atomicFile';
import { findPythonPrompts, templateFromPrompt } from '../../core/judge/pythonPrompts';
import { parseTemplate, TemplateError, TEMPLATE_VARIABLES } from '../../core/judge/template';
import { JUDGED_REWARDS } from '../../core/judge/types';
import { LAYOUT } from '../../core/workspaceLayout';

interface ImportCliOptions {
  pick?: string;
  name?: string;
  reward?: string;
  map?: string[];
  out?: string;
  force?: boolean;
}

const collect = (value: string, previous: string[] | undefined) => [...(previous ?? []), value];

export function register(program: Command): void {
  program
    .command('import-prompt')
    .description("list the judge prompts in your training code, and make one a template (placeholders mapped to Omni Trace's variables)")
    .argument('<file.py>', 'a Python file of your training code')
    .option('--pick <n|name>', 'the prompt to import: its number in the list, or the name it is assigned to')
    .option('--name <name>', 'template name (default: the assigned name, lower-cased)')
    .option('--reward <reward>', `the reward it judges (${JUDGED_REWARDS.join(', ')})`)
    .option('--map <placeholder=variable>', `map a placeholder to a variable (repeatable); variables: ${Object.keys(TEMPLATE_VARIABLES).join(', ')}`, collect)
    .option('--out <file.md>', `where to write the template (default: ${LAYOUT.judgeTemplates}/<name>.md)`)
    .option('--force', 'replace an existing template file')
    .action(async (file: string, v: ImportCliOptions) => {
      const src = await readFile(file, 'utf8');
      const found = findPythonPrompts(src);
      if (v.pick === undefined) {
        if (!found.length) {
          process.stderr.write(`${file}: no f-string or .format prompt with placeholders found\n`);
          return;
        }
        found.forEach((c, i) => {
          const first = c.text.trim().split('\n')[0]!.slice(0, 70);
          process.stdout.write(`${i + 1}. line ${c.line}${c.assignedTo ? ` ${c.assignedTo}` : ''} (${c.kind}, ${c.text.length} chars): ${first}\n   placeholders: ${c.fields.join(', ')}\n`);
        });
        process.stderr.write('pick one with --pick <n> --reward <reward>\n');
        return;
      }
      const n = Number(v.pick);
      const chosen = Number.isInteger(n) && n >= 1 ? found[n - 1] : found.find((c) => c.assignedTo === v.pick);
      if (!chosen) throw new UsageError(`--pick ${v.pick}: no such prompt in ${file} (${found.length} found; run without --pick to list them)`);
      if (!v.reward || !(JUDGED_REWARDS as readonly string[]).includes(v.reward)) throw new UsageError(`--reward: one of ${JUDGED_REWARDS.join(', ')}`);
      const map: Record<string, string> = {};
      for (const m of v.map ?? []) {
        const eq = m.lastIndexOf('=');
        if (eq <= 0) throw new UsageError(`--map expects placeholder=variable, got '${m}'`);
        const variable = m.slice(eq + 1).trim();
        if (!(variable in TEMPLATE_VARIABLES)) throw new UsageError(`--map ${m}: '${variable}' is not a variable (${Object.keys(TEMPLATE_VARIABLES).join(', ')})`);
        map[m.slice(0, eq).trim()] = variable;
      }
      const name =
        v.name ??
        (chosen.assignedTo ?? basename(file, '.py'))
          .split('.')
          .pop()!
          .toLowerCase()
          .replace(/[^a-z0-9_-]+/g, '-');
      const imported = templateFromPrompt(chosen, { name, reward: v.reward, map, source: basename(file) });
      if (imported.unmapped.length) throw new UsageError(`placeholders with no variable: ${imported.unmapped.join(', ')}; map each with --map '<placeholder>=<variable>'`);
      const out = resolve(v.out ?? join(LAYOUT.judgeTemplates, `${name}.md`));
      try {
        parseTemplate(imported.text, out);
      } catch (e) {
        if (e instanceof TemplateError) throw new UsageError(`the imported template does not read back: ${e.message}`);
        throw e;
      }
      if (existsSync(out) && !v.force) throw new UsageError(`${out} exists: pass --force to replace it`);
      mkdirSync(dirname(out), { recursive: true });
      guardOutputs([file], [['--out', out]]);
      await writeFileAtomic(out, imported.text);
      process.stderr.write(
        `mapped: ${Object.entries(imported.mapping)
          .map(([f, x]) => `{${f}} → {${x}}`)
          .join(', ')}\n`,
      );
      process.stdout.write(out + '\n');
    });
}
