// Every subcommand module, registered in this order by main.ts. A new command adds its module
// here; each exports `register(program)`.
import type { Command } from 'commander';
import * as score from './score';
import * as report from './report';
import * as judge from './judge';
import * as run from './run';
import * as shortcuts from './shortcuts';
import * as cues from './cues';
import * as compare from './compare';
import * as judgeLab from './judgeLab';
import * as importPrompt from './importPrompt';
import * as judgeSet from './judgeSet';

export const COMMANDS: { register(program: Command): void }[] = [score, report, judge, run, shortcuts, cues, compare, judgeLab, judgeSet, importPrompt];
