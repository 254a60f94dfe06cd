// The built-in judge templates, in our own words. This file is the one source: media/judges/*.md
// are byte-identical copies users can start from (test/unit/judgeTemplates.test.ts checks them;
// run it with OMNITRACE_WRITE_TEMPLATES=1 to regenerate the copies).

import { parseTemplate, type JudgeTemplate } from './template';
import type { JudgedReward } from './types';

export const BUILTIN_TEMPLATE_TEXT: Record<string, string> = {
  context: `---
name: context
description: How much of the reference description's key content the model's description covers (HumanOmniV2's 0/1/2/4/5 scale).
reward: context
scale: 0-5
divide: 5
allowed: [0, 1, 2, 4, 5]
parse: number
variables: [reference_context, context]
---
You are grading how well a model's description of a video clip (its pictures and its sound)
captures what a reference description of the same clip says.

Reference description:
{reference_context}

The model's description:
{context}

Judge only how much of the reference's main content the model's description covers: the people,
actions, events, speech, sounds, emotions and setting that matter. The wording does not have to
match. Give exactly one of these scores:

5: clearly covers the central themes of the reference, in substance.
4: covers several important themes, but misses or blurs some of them.
2: recognisably about the same thing, but only on the surface.
1: only a faint link to the reference.
0: nothing in common with the reference.

There is no score of 3. Reply with the number only, nothing else.
`,

  logic: `---
name: logic
description: Five one-point checks of the reasoning against the perceived evidence (HumanOmniV2's logic reward).
reward: logic
scale: 0-5
divide: 5
allowed: [0, 1, 2, 3, 4, 5]
parse: number
variables: [context, think]
---
You are grading the reasoning of a model that watched a video and listened to its audio. It first
wrote down what it perceived, then reasoned towards an answer.

What the model perceived:
{context}

The model's reasoning:
{think}

Award one point for each statement below that is true of the reasoning (0 to 5 points in all):

1. It combines clues from the different sources: what is seen, what is heard, what is said.
2. It goes back to the evidence to check or confirm a step before relying on it.
3. Each step follows from what came before, with no invented facts and no contradictions.
4. The analysis stays on the question being asked.
5. As a whole it agrees with the evidence and with the description of the clip above.

Reply with the total number of points only, nothing else.
`,

  'logic-criteria': `---
name: logic-criteria
description: The logic reward's five checks one by one, each with a one-line reason; the value is the number met ÷ 5.
reward: logic
scale: 0-5
divide: 5
parse: json
criteria: [integration, reflection, soundness, relevance, consistency]
variables: [context, think]
---
You are grading the reasoning of a model that watched a video and listened to its audio. It first
wrote down what it perceived, then reasoned towards an answer.

What the model perceived:
{context}

The model's reasoning:
{think}

Decide, for each check below, whether the reasoning passes it:

- integration: it combines clues from the different sources (what is seen, heard, said).
- reflection: it goes back to the evidence to check or confirm a step before relying on it.
- soundness: each step follows from what came before, with no invented facts and no contradictions.
- relevance: the analysis stays on the question being asked.
- consistency: as a whole it agrees with the evidence and with the description of the clip.

Reply with one JSON object and nothing else, in exactly this shape, with a one-line reason each:

{"integration": {"met": true, "reason": "..."}, "reflection": {"met": false, "reason": "..."}, "soundness": {"met": true, "reason": "..."}, "relevance": {"met": true, "reason": "..."}, "consistency": {"met": true, "reason": "..."}}
`,

  accuracy: `---
name: accuracy
description: Free-form accuracy - how consistent the model's answer is with the reference answer, 0-5.
reward: accuracy
scale: 0-5
divide: 5
allowed: [0, 1, 2, 3, 4, 5]
parse: number
variables: [question, reference_answer, completion_answer]
---
Two answers were given to the same question about a video clip. Rate how consistent the second
answer is with the first (the reference) in meaning, not in wording.

Question:
{question}

Reference answer:
{reference_answer}

Answer to rate:
{completion_answer}

Scores:
5: says the same thing as the reference.
4: the same in substance, with a small omission or a minor extra detail.
3: partly the same; an important part is missing or different.
2: a little overlap, but mostly different.
1: barely related.
0: contradicts the reference, is unrelated, or is empty.

Reply with the number only, nothing else.
`,
};

/** Which built-in template judges which reward by default. */
export const DEFAULT_TEMPLATE_FOR: Record<JudgedReward, string> = {
  context: 'context',
  logic: 'logic',
  accuracy: 'accuracy',
};

let parsed: Record<string, JudgeTemplate> | undefined;

/** The built-ins, parsed (file `builtin:<name>`; hash = sha256 of the same bytes as media/judges/<name>.md). */
export function builtinTemplates(): Record<string, JudgeTemplate> {
  if (!parsed) {
    parsed = {};
    for (const [name, text] of Object.entries(BUILTIN_TEMPLATE_TEXT)) parsed[name] = parseTemplate(text, `builtin:${name}`);
  }
  return parsed;
}
