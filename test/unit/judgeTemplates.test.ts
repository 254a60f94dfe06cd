import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseTemplate, renderTemplate, sha256Hex, TemplateError, describeScale } from '../../src/core/judge/template';
import { BUILTIN_TEMPLATE_TEXT, builtinTemplates } from '../../src/core/judge/builtinTemplates';

const MEDIA = join(__dirname, '..', '..', 'src', 'core', 'judge', 'templates');

test('the built-in templates are src/core/judge/templates/*.md, byte for byte (built in as text)', () => {
  const files = readdirSync(MEDIA)
    .filter((f) => f.endsWith('.md'))
    .sort();
  assert.deepEqual(
    files,
    Object.keys(BUILTIN_TEMPLATE_TEXT)
      .map((n) => `${n}.md`)
      .sort(),
  );
  for (const [name, text] of Object.entries(BUILTIN_TEMPLATE_TEXT)) {
    const file = join(MEDIA, `${name}.md`);
    assert.ok(existsSync(file), file);
    const bytes = readFileSync(file);
    assert.equal(bytes.toString('utf8'), text, `${file} differs from builtinTemplates.ts`);
    // The hash recorded with built-in scores is the hash of these file bytes.
    assert.equal(builtinTemplates()[name]!.hash, sha256Hex(bytes));
    assert.equal(parseTemplate(bytes, file).hash, builtinTemplates()[name]!.hash);
  }
});

test('built-in templates: rewards, scales and variables as HumanOmniV2 defines them', () => {
  const b = builtinTemplates();
  assert.equal(b.context!.reward, 'context');
  assert.deepEqual(b.context!.allowed, [0, 1, 2, 4, 5]);
  assert.equal(b.context!.divide, 5);
  assert.equal(b.context!.parse, 'number');
  assert.deepEqual(b.context!.variables, ['reference_context', 'context']);
  assert.equal(describeScale(b.context!), '0/1/2/4/5 ÷ 5');
  assert.deepEqual(b.logic!.variables, ['context', 'think']);
  assert.equal(b['logic-criteria']!.reward, 'logic');
  assert.equal(b['logic-criteria']!.parse, 'json');
  assert.equal(b['logic-criteria']!.criteria!.length, 5);
  assert.equal(b.accuracy!.reward, 'accuracy');
  for (const t of Object.values(b)) assert.deepEqual(t.warnings, [], t.name);
  const p = renderTemplate(b.context!, { reference_context: 'REF CTX', context: 'MODEL CTX' });
  assert.ok(p.includes('REF CTX') && p.includes('MODEL CTX'));
  assert.ok(!/\{[a-z_]+\}/.test(p), 'no placeholder left');
  // The JSON example in the criteria template is literal text, not a variable.
  assert.ok(renderTemplate(b['logic-criteria']!, { context: 'c', think: 't' }).includes('{"integration": {"met": true'));
});

const head = (extra = '', vars = '[context]') => `---\nreward: context\nscale: 0-5\ndivide: 5\nparse: number\nvariables: ${vars}\n${extra}---\n`;

function loadError(text: string): TemplateError {
  try {
    parseTemplate(text, 'my/judge.md');
  } catch (e) {
    assert.ok(e instanceof TemplateError, String(e));
    return e;
  }
  assert.fail('expected a TemplateError');
}

test('an unknown variable in the body is an error at load, with file and line', () => {
  const e = loadError(head() + 'Line one {context}\nLine two {contxt}\n');
  assert.equal(e.file, 'my/judge.md');
  assert.equal(e.line, 9);
  assert.match(e.message, /^my\/judge\.md:9: unknown variable \{contxt\}/);
});

test('a known variable used but not declared is an error at load', () => {
  const e = loadError(head() + '{context}\n\n{think}\n');
  assert.equal(e.line, 10);
  assert.match(e.reason, /\{think\} is used but not declared/);
});

test('header errors name their line; unknown declared variables and bad scales are rejected', () => {
  assert.equal(loadError(head('', '[context, nope]') + '{context}').line, 6);
  assert.match(loadError(head('', '[context]').replace('scale: 0-5', 'scale: five') + '{context}').reason, /scale must look like/);
  assert.match(loadError(head('allowed: [0, 9]\n') + '{context}').reason, /outside the scale/);
  assert.match(loadError(head('colour: red\n') + '{context}').reason, /unknown header key 'colour'/);
  assert.match(loadError('no header\n').reason, /front-matter/);
  assert.match(loadError(head().replace('parse: number', 'parse: vibes') + '{context}').reason, /parse must be one of/);
});

test('{{ and }} write literal braces; rendering never leaves a declared variable empty-by-accident', () => {
  const t = parseTemplate(head() + 'Say {{context}} literally, then {context}. JSON: {"a": 1}', 'x.md');
  assert.equal(renderTemplate(t, { context: 'C' }), 'Say {context} literally, then C. JSON: {"a": 1}');
  assert.throws(() => renderTemplate(t, {}), /no value for \{context\}/);
  assert.deepEqual(parseTemplate(head('', '[context, think]') + '{context}', 'x.md').warnings, ["'think' is declared but the prompt never uses it"]);
});
