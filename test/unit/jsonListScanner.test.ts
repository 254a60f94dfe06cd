import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { JsonListScanner, type ListElement } from '../../src/core/readers/jsonListScanner';

function scan(text: string, chunkSizes: number[], opts: ConstructorParameters<typeof JsonListScanner>[0]) {
  const bytes = Buffer.from(text, 'utf8');
  const scanner = new JsonListScanner(opts);
  const out: ListElement[] = [];
  let at = 0;
  let k = 0;
  while (at < bytes.length) {
    const n = Math.max(1, chunkSizes[k++ % chunkSizes.length] ?? 1);
    scanner.feed(bytes.subarray(at, at + n), (e) => out.push(e));
    at += n;
  }
  return { scanner, out, bytes };
}

const jsonValue = fc.jsonValue({ maxDepth: 3 });

test('the elements found are exactly those JSON.parse finds, however the bytes are chunked', () => {
  fc.assert(
    fc.property(fc.array(jsonValue, { maxLength: 8 }), fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 5 }), fc.boolean(), (rows, sizes, pretty) => {
      const text = JSON.stringify(rows, null, pretty ? 2 : undefined);
      const { scanner, out, bytes } = scan(text, sizes, {});
      assert.equal(scanner.complete, true);
      assert.deepEqual(
        out.map((e) => JSON.parse(e.bytes.toString('utf8'))),
        JSON.parse(text),
      );
      for (const e of out) assert.deepEqual(bytes.subarray(e.byteOffset, e.byteOffset + e.bytes.length), e.bytes, 'the byte range re-reads the element');
    }),
    { numRuns: 300 },
  );
});

test('the list under a top-level key is found past other keys, strings with brackets and escaped quotes', () => {
  const doc = {
    note: 'a "results": [1,2] lookalike \\ ] }',
    other: { results: [9, 9] },
    results: [{ output: 'x\n"y"' }, { output: 'ü 你好 🎬' }],
    final_acc: [{ mean_acc: 0.5 }],
  };
  for (const pretty of [0, 2]) {
    const text = JSON.stringify(doc, null, pretty);
    const { scanner, out } = scan(text, [7, 3, 64], { key: 'results' });
    assert.equal(scanner.complete, true);
    assert.deepEqual(
      out.map((e) => JSON.parse(e.bytes.toString('utf8'))),
      doc.results,
    );
  }
});

test('lines and columns are those of the element in the file', () => {
  const text = '[\n  {"a": 1},\n  {"b":\n 2},  "s"\n]';
  const { out } = scan(text, [5], {});
  assert.deepEqual(
    out.map((e) => [e.line, e.column]),
    [
      [2, 3],
      [3, 3],
      [4, 7],
    ],
  );
});

test('a document without the list, or cut off inside it, says so', () => {
  assert.equal(scan('{"x": [1]}', [4], { key: 'results' }).scanner.found, false);
  assert.equal(scan('[1, 2]', [4], { key: 'results', rootList: false }).scanner.found, false);
  const cut = scan('{"results": [{"a": 1}, {"a": 2}, {"a"', [8], { key: 'results' });
  assert.equal(cut.scanner.found, true);
  assert.equal(cut.scanner.complete, false);
  assert.equal(cut.out.length, 2);
});
