// Field mapping: which field of a row is the completion, the solution, the clip… Each format
// has a profile (candidate paths per field, first present wins); the user's `map` overrides a
// field with one exact dotted path. Paths are compiled once per read, not per row.

import type { RolloutRecord, SourceRef } from '../types';
import { completionText, getPathParts, isPlainObject, numberOf, optionsOf, recordedValue, scalarText, splitQuestionOptions, userText } from './fields';
import { READER_NOTES_KEY, type FormatName } from './types';
import { lostDigits, quoteUnsafeIntegers } from './jsonPositions';

export type MappingField =
  | 'completion'
  | 'solution'
  | 'answer'
  | 'problemType'
  | 'problem'
  | 'options'
  | 'prompt'
  | 'clip'
  | 'start'
  | 'end'
  | 'dataType'
  | 'id'
  | 'groupId'
  | 'step'
  | 'checkpoint'
  | 'rewards'
  | 'advantage';

/** Every mappable field, what it means, and the names auto-detection tries (generic JSONL). */
export const MAPPING_FIELDS: Record<MappingField, { description: string; candidates: string[] }> = {
  completion: {
    description: 'the model output to score (string or chat-message list: the last assistant message)',
    candidates: ['completion', 'output', 'response', 'generated_text', 'generation', 'messages'],
  },
  solution: {
    description: 'reference trace or answer (a bare answer is wrapped as <answer>…</answer>)',
    candidates: ['solution', 'gts', 'reference', 'ground_truth', 'reference_solution'],
  },
  answer: { description: 'bare reference answer', candidates: ['answer', 'gt_answer', 'label', 'target'] },
  problemType: {
    description: "HumanOmniV2 problem type ('multiple choice', 'numerical', 'OCR', …)",
    candidates: ['problem_type', 'type', 'question_type', 'task_type'],
  },
  problem: { description: 'question text', candidates: ['problem', 'question', 'query'] },
  options: { description: 'answer options (list, dict or newline-separated text)', candidates: ['options', 'choices'] },
  prompt: { description: 'prompt as logged (string or chat messages); rebuilds groups', candidates: ['prompt', 'input'] },
  clip: {
    description: 'media path (video, audio or image)',
    candidates: ['video', 'path', 'clip', 'media', 'video_path', 'audio', 'audio_path', 'image', 'image_path'],
  },
  start: { description: 'clip start, seconds', candidates: ['start', 'clip_start', 'start_time'] },
  end: { description: 'clip end, seconds', candidates: ['end', 'clip_end', 'end_time'] },
  dataType: { description: "media kind ('video', 'audio', 'image')", candidates: ['data_type', 'modality'] },
  id: { description: 'record id', candidates: ['id', 'sample_id', 'request_id', 'qid'] },
  groupId: { description: 'explicit GRPO group id', candidates: ['group_id', 'prompt_id', 'group'] },
  step: { description: 'training step', candidates: ['step', 'global_step'] },
  checkpoint: { description: 'checkpoint name', candidates: ['checkpoint', 'ckpt', 'model'] },
  rewards: { description: 'object of recorded rewards {name: number}', candidates: ['rewards'] },
  advantage: { description: 'advantage logged by the trainer', candidates: ['advantage', 'advantages'] },
};

export const MAPPING_FIELD_NAMES = Object.keys(MAPPING_FIELDS) as MappingField[];
/** Field → position, so per-row lookups fill small arrays instead of growing objects key by key. */
const FI = Object.fromEntries(MAPPING_FIELD_NAMES.map((f, i) => [f, i])) as Record<MappingField, number>;
const NF = MAPPING_FIELD_NAMES.length;

type Profile = Partial<Record<MappingField, string[]>>;

/** How formats other than generic JSONL lay their rows out; unlisted fields use the generic names. */
const PROFILES: Partial<Record<FormatName, Profile>> = {
  'humanomni-eval': {
    completion: ['output'],
    solution: ['solution'],
    answer: ['raw.answer', 'answer'],
    problemType: ['problem_type', 'raw.problem_type'],
    problem: ['raw.problem', 'problem'],
    options: ['raw.options', 'options'],
    prompt: ['prompt'],
    clip: ['raw.video', 'raw.path', 'raw.audio', 'raw.image', 'video', 'path'],
    dataType: ['raw.data_type', 'data_type'],
    id: ['raw.id', 'id', 'raw.qid'],
    start: ['raw.start', 'start'],
    end: ['raw.end', 'end'],
  },
  'humanomni-train': {
    completion: ['solution'],
  },
  verl: {
    completion: ['output'],
    prompt: ['input'],
    solution: ['gts'],
    id: ['request_id', 'id'],
    groupId: ['uid', 'group_id'],
  },
  // R1-V / R1-Omni evaluation logs: {"accuracy", "results": [{question: {...}, ground_truth, model_output, extracted_answer, is_correct?}]}.
  'r1-eval': {
    completion: ['model_output'],
    solution: ['ground_truth'],
    problem: ['question.question', 'question.problem'],
    options: ['question.options'],
    problemType: ['question.problem_type', 'problem_type'],
    clip: ['question.image_path', 'question.video_path', 'question.audio_path', 'question.path', 'question.video', 'question.image'],
    dataType: ['question.data_type'],
    id: ['question.id', 'id'],
  },
  trl: {
    groupId: ['group_id', 'uid'],
  },
};

/** Top-level fields read as recorded rewards (in addition to the `rewards` object). */
const RECORDED_BY_FORMAT: Partial<Record<FormatName, string[]>> = {
  'humanomni-eval': ['reward'],
  'r1-eval': ['is_correct'],
  verl: ['score'],
};

/**
 * The recorded field that is the total the trainer (or eval script) used, by format. TRL logs one
 * column per reward function; its total is their sum (reward_weights default to 1).
 */
const RECORDED_TOTAL: Partial<Record<FormatName, string | 'sum'>> = {
  'humanomni-eval': 'reward',
  'r1-eval': 'is_correct',
  verl: 'score',
  trl: 'sum',
};
/** TRL columns that are not reward functions. */
const TRL_NOT_REWARDS = new Set(['step', 'advantage', 'advantages']);
/** Names that look like a reward in generic rows. */
const REWARD_NAME = /(^|_)(reward|score|acc|accuracy)s?$|^(reward|score)_/;

type Compiled = { field: MappingField; paths: string[][]; strict: boolean }[];

export interface RowMapper {
  format: FormatName;
  /** Builds a record, or returns the reason the row cannot be used. */
  map(row: unknown, index: number, source: SourceRef): RolloutRecord | string;
}

export function mappingFieldError(map: Record<string, string> | undefined): string | undefined {
  for (const k of Object.keys(map ?? {})) {
    if (!(k in MAPPING_FIELDS)) return `unknown mapping field '${k}' (known: ${MAPPING_FIELD_NAMES.join(', ')})`;
  }
  return undefined;
}

export function createRowMapper(format: FormatName, userMap: Record<string, string> = {}, defaultProblemType?: string): RowMapper {
  const profile = PROFILES[format] ?? {};
  const compiled: Compiled = MAPPING_FIELD_NAMES.map((field) => {
    const user = userMap[field];
    if (user !== undefined) return { field, paths: [user.split('.')], strict: true };
    return { field, paths: (profile[field] ?? MAPPING_FIELDS[field].candidates).map((p) => p.split('.')), strict: false };
  });
  // Fields whose candidates are all plain top-level names are found with one pass over the
  // row's keys (a map lookup per key) instead of probing every candidate of every field.
  const byName = new Map<string, { fi: number; rank: number }[]>();
  const slow: Compiled = [];
  for (const c of compiled) {
    if (c.paths.some((p) => p.length > 1)) {
      slow.push(c);
      continue;
    }
    c.paths.forEach((p, rank) => {
      const l = byName.get(p[0]) ?? [];
      l.push({ fi: FI[c.field], rank });
      byName.set(p[0], l);
    });
  }
  const recordedTop = RECORDED_BY_FORMAT[format] ?? [];
  // verl's reward-function extras and TRL's reward columns are numeric columns with arbitrary names.
  const allNumericRecorded = format === 'verl' || format === 'trl';
  const trainingData = format === 'humanomni-train';

  return {
    format,
    map(row, index, source) {
      if (!isPlainObject(row)) return `record is ${Array.isArray(row) ? 'an array' : row === null ? 'null' : typeof row}, not an object`;
      const foundV: unknown[] = new Array(NF);
      const foundKey: (string | undefined)[] = new Array(NF);
      const foundRank: number[] = new Array(NF).fill(-1);
      // Top-level key each found field came from: those keys are not repeated in extras.
      const foundTop: (string | undefined)[] = new Array(NF);
      const keys = Object.keys(row);
      for (const key of keys) {
        const hits = byName.get(key);
        if (hits === undefined) continue;
        const v = row[key];
        if (v === undefined || v === null) continue;
        for (const { fi, rank } of hits) {
          const prev = foundRank[fi];
          if (prev === -1 || rank < prev) {
            foundV[fi] = v;
            foundKey[fi] = key;
            foundTop[fi] = key;
            foundRank[fi] = rank;
          }
        }
      }
      for (const { field, paths } of slow) {
        const fi = FI[field];
        for (const parts of paths) {
          const v = getPathParts(row, parts);
          if (v !== undefined && v !== null) {
            foundV[fi] = v;
            foundKey[fi] = parts.join('.');
            foundTop[fi] = parts[0];
            break;
          }
        }
      }
      const used: string[] = [];
      for (let i = 0; i < NF; i++) {
        const k = foundTop[i];
        if (k !== undefined) used.push(k);
      }
      const found = {
        completion: foundV[FI.completion],
        solution: foundV[FI.solution],
        answer: foundV[FI.answer],
        problemType: foundV[FI.problemType],
        problem: foundV[FI.problem],
        options: foundV[FI.options],
        prompt: foundV[FI.prompt],
        clip: foundV[FI.clip],
        start: foundV[FI.start],
        end: foundV[FI.end],
        dataType: foundV[FI.dataType],
        id: foundV[FI.id],
        groupId: foundV[FI.groupId],
        step: foundV[FI.step],
        checkpoint: foundV[FI.checkpoint],
        rewards: foundV[FI.rewards],
        advantage: foundV[FI.advantage],
      } satisfies Record<MappingField, unknown>;
      const foundPath = { completion: foundKey[FI.completion], solution: foundKey[FI.solution], answer: foundKey[FI.answer], clip: foundKey[FI.clip] };
      const notes: string[] = [];
      const completion = completionText(found.completion);
      if (completion === undefined) {
        const c = compiled.find((x) => x.field === 'completion')!;
        const where = c.paths.map((p) => p.join('.')).join(' | ');
        return found.completion === undefined
          ? `no completion field (looked for ${where}; set one with --map completion=<path>)`
          : `completion field '${foundPath.completion}' holds ${Array.isArray(found.completion) ? 'a list' : typeof found.completion}, not text`;
      }

      let solution = found.solution !== undefined ? (completionText(found.solution) ?? scalarText(found.solution)) : undefined;
      let answer = scalarText(found.answer);
      let alternatives: string[] | undefined;
      if (solution === undefined && Array.isArray(found.solution)) {
        // verl's gts as a list: any of them is right.
        const all = found.solution.map((g) => completionText(g) ?? scalarText(g)).filter((g): g is string => g !== undefined);
        if (all.length) {
          solution = all[0];
          if (all.length > 1) alternatives = all;
          notes.push(`reference '${foundPath.solution}' is a list: any of its ${all.length} answers counts as right`);
        }
      } else if (solution === undefined && isPlainObject(found.solution)) {
        const g = found.solution;
        const key = ['answer', 'ground_truth', 'gt', 'solution', 'target', 'label'].find((k) => scalarText(g[k]) !== undefined);
        if (key) {
          solution = scalarText(g[key]);
          notes.push(`reference '${foundPath.solution}' is an object: its '${key}' is the answer`);
        }
      }
      if (solution !== undefined && !solution.includes('<answer>')) {
        // verl's gts and many datasets hold the bare answer; the accuracy reward reads <answer>.
        answer ??= solution;
        solution = `<answer>${solution}</answer>`;
        notes.push(`reference '${foundPath.solution}' has no <answer> tag: wrapped as <answer>…</answer> for the accuracy reward`);
      } else if (solution === undefined && answer !== undefined) {
        solution = `<answer>${answer}</answer>`;
        notes.push(`no reference solution: the answer field '${foundPath.answer}' was wrapped as <answer>…</answer>`);
      }
      if (trainingData) notes.push('training data has no completion: the reference solution is shown and scored as the completion');

      const problem = scalarText(found.problem) ?? userText(found.prompt);
      const clipPath = scalarText(found.clip);
      const clipKey = foundPath.clip?.split('.').pop();
      const dataType = scalarText(found.dataType) ?? (clipKey?.startsWith('audio') ? 'audio' : clipKey?.startsWith('image') ? 'image' : clipKey?.startsWith('video') ? 'video' : undefined);

      const record: RolloutRecord = {
        index,
        source,
        question: {},
        reference: {},
        completion,
      };
      const id = scalarText(found.id);
      if (id !== undefined) record.id = id;
      const checkpoint = scalarText(found.checkpoint);
      if (checkpoint !== undefined) record.checkpoint = checkpoint;
      const step = numberOf(found.step);
      if (step !== undefined) record.step = step;
      const groupId = scalarText(found.groupId);
      if (groupId !== undefined) record.groupId = groupId;
      if (found.prompt !== undefined) record.prompt = found.prompt;
      if (clipPath !== undefined || dataType !== undefined) {
        record.clip = {};
        if (clipPath !== undefined) record.clip.path = clipPath;
        const start = numberOf(found.start);
        const end = numberOf(found.end);
        if (start !== undefined) record.clip.start = start;
        if (end !== undefined) record.clip.end = end;
        if (dataType !== undefined) record.clip.dataType = dataType;
        // Known streams (our run records write them from ffprobe): the view's "cites no audio" badge needs them.
        if (typeof row.has_audio === 'boolean') record.clip.hasAudio = row.has_audio;
        if (typeof row.has_video === 'boolean') record.clip.hasVideo = row.has_video;
      }
      const options = optionsOf(found.options);
      const split = problem !== undefined && options === undefined && found.problem === undefined ? splitQuestionOptions(problem) : undefined;
      if (split) {
        record.question.problem = split.problem;
        record.question.options = split.options;
      } else {
        if (problem !== undefined) record.question.problem = problem;
        if (options !== undefined) record.question.options = options;
      }
      const problemType = scalarText(found.problemType);
      if (problemType !== undefined) record.question.problemType = problemType;
      else if (defaultProblemType !== undefined) {
        record.question.problemType = defaultProblemType;
        notes.push(`the data gives no problem type: '${defaultProblemType}' was set by the user`);
      }
      if (solution !== undefined) record.reference.solution = solution;
      if (answer !== undefined) record.reference.answer = answer;
      if (alternatives) record.reference.alternatives = alternatives.map((a) => (a.includes('<answer>') ? a : `<answer>${a}</answer>`));

      const recorded: Record<string, number | null> = {};
      if (isPlainObject(found.rewards)) {
        const rewards = found.rewards;
        for (const k in rewards) {
          if (!Object.prototype.hasOwnProperty.call(rewards, k)) continue;
          const r = recordedValue(rewards[k]);
          if (r !== undefined) recorded[k] = r;
        }
      }
      const advantage = numberOf(found.advantage);
      if (advantage !== undefined) record.recordedAdvantage = advantage;

      const extras: Record<string, unknown> = {};
      for (const key of keys) {
        if (used.includes(key)) continue;
        const v = row[key];
        const r = recordedValue(v);
        // A boolean is a reward only under a reward's name (verl's `acc`, R1's `is_correct`), never a flag like `truncated`.
        const rewardNamed = recordedTop.includes(key) || REWARD_NAME.test(key) || key === 'is_correct';
        if (r !== undefined && (typeof v === 'boolean' ? rewardNamed : allNumericRecorded || rewardNamed)) {
          recorded[key] = r;
        } else if (recordedTop.includes(key) && (v === null || typeof v === 'number')) {
          recorded[key] = r ?? null;
        } else {
          extras[key] = v;
        }
      }
      if (Object.keys(recorded).length) {
        record.recorded = recorded;
        const totalField = RECORDED_TOTAL[format];
        if (totalField === 'sum') {
          const names = Object.keys(recorded).filter((k) => !TRL_NOT_REWARDS.has(k));
          if (names.length) {
            const values = names.map((k) => recorded[k]!);
            record.recordedTotal = { field: names.length === 1 ? names[0]! : `sum of ${names.join(' + ')}`, value: values.some((v) => v === null) ? null : values.reduce((a, b) => a! + b!, 0) };
          }
        } else if (totalField !== undefined && totalField in recorded) {
          record.recordedTotal = { field: totalField, value: recorded[totalField]! };
        }
      }
      if (notes.length) extras[READER_NOTES_KEY] = notes;
      if (Object.keys(extras).length) record.extras = extras;
      return record;
    },
  };
}

/** Maps a row; when its id was a number too long for a double, maps it again from the text with the digits kept. */
export function mapExact(mapper: RowMapper, row: unknown, text: string, index: number, source: SourceRef): RolloutRecord | string {
  const rec = mapper.map(row, index, source);
  if (typeof rec === 'string' || rec.id === undefined || !lostDigits(rec.id)) return rec;
  return mapper.map(JSON.parse(quoteUnsafeIntegers(text)), index, source);
}
