import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatFieldMapText, parseFieldMapText } from '../../src/core/fieldMapText';

test('parses field=path pairs with spaces and dotted paths', () => {
  assert.deepEqual(parseFieldMapText(' completion = output , solution=gts,clip=raw.video,'), {
    ok: true,
    map: { completion: 'output', solution: 'gts', clip: 'raw.video' },
  });
  assert.deepEqual(parseFieldMapText(''), { ok: true, map: {} });
});

test('rejects unknown fields, missing paths and duplicates with a reason', () => {
  const bad = ['completon=output', 'completion', 'completion=', '=x', 'completion=a,completion=b', 'completion=a b'];
  for (const t of bad) {
    const r = parseFieldMapText(t);
    assert.equal(r.ok, false, t);
    assert.ok(!r.ok && r.error.length > 0);
  }
  const r = parseFieldMapText('completon=output');
  assert.match(!r.ok ? r.error : '', /unknown field "completon".*completion/);
});

test('format and parse round-trip', () => {
  const map = { completion: 'output', solution: 'gts' };
  assert.deepEqual(parseFieldMapText(formatFieldMapText(map)), { ok: true, map });
});
