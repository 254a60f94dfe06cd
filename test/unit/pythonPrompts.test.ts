// Judge prompts found in Python training code (written here in our own words), made into templates.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findPythonPrompts, guessVariable, templateFromPrompt } from '../../src/core/judge/pythonPrompts';
import { parseTemplate, renderTemplate } from '../../src/core/judge/template';

const TRAIN = String.raw`
import ast  # f"not {a} prompt" in a comment
LOGIC_PROMPT = f"""Rate the reasoning from 0 to 5.
Perception: {completion_context}
Reasoning: {item['think']}
Return JSON like {{"score": 3}} or just the number."""

def context_reward(sol_ctx, ctx):
    prompt = ("Compare the two descriptions.\n"
              "Reference: {ref}\n"
              "Candidate: {cand}\n").format(ref=sol_ctx, cand=ctx)
    label = f"{x}"
    return prompt

SHORT = "no placeholders here"
raw = rf'\d+ {count!r:>4}'
`;

test('f-strings and .format strings with placeholders are found, with their lines and names', () => {
  const found = findPythonPrompts(TRAIN);
  const logic = found.find((c) => c.assignedTo === 'LOGIC_PROMPT')!;
  assert.equal(logic.kind, 'f-string');
  assert.equal(logic.line, 3);
  assert.deepEqual(logic.fields, ['completion_context', "item['think']"]);
  const ctx = found.find((c) => c.kind === 'format')!;
  assert.equal(ctx.assignedTo, 'prompt');
  assert.equal(ctx.text, 'Compare the two descriptions.\nReference: {ref}\nCandidate: {cand}\n');
  assert.deepEqual(ctx.formatArgs, { ref: 'sol_ctx', cand: 'ctx' });
  assert.ok(
    found.some((c) => c.fields.includes('count')),
    'rf-string with a conversion and a format spec',
  );
  assert.ok(!found.some((c) => c.text.includes('in a comment')));
});

test('placeholders map to our variables; the template reads back and renders what training sent', () => {
  assert.equal(guessVariable('sol_ctx'), 'reference_context');
  assert.equal(guessVariable("item['think']"), 'think');
  assert.equal(guessVariable('completion_context'), 'context');
  const logic = findPythonPrompts(TRAIN).find((c) => c.assignedTo === 'LOGIC_PROMPT')!;
  const t = templateFromPrompt(logic, { name: 'trainer-logic', reward: 'logic', source: 'train.py' });
  assert.deepEqual(t.unmapped, []);
  const parsed = parseTemplate(t.text, 'trainer-logic.md');
  assert.equal(parsed.name, 'trainer-logic');
  assert.equal(
    renderTemplate(parsed, { context: 'a man waves', think: 'he greets' }),
    'Rate the reasoning from 0 to 5.\nPerception: a man waves\nReasoning: he greets\nReturn JSON like {"score": 3} or just the number.\n',
  );
  const ctx = findPythonPrompts(TRAIN).find((c) => c.kind === 'format')!;
  const t2 = templateFromPrompt(ctx, { name: 'trainer-context', reward: 'context', source: 'train.py', map: { cand: 'context' } });
  assert.deepEqual(t2.mapping, { ref: 'reference_context', cand: 'context' });
  assert.match(t2.text, /allowed: \[0, 1, 2, 4, 5\]/);
});
