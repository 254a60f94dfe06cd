// Baseline for the open benchmark: the least work that still reads every record — split the
// file on '\n' from a large buffer and JSON.parse each line. Prints the record count.
import { openSync, readSync, closeSync } from 'node:fs';

const fd = openSync(process.argv[2], 'r');
let buf = Buffer.allocUnsafe(4 << 20);
let end = 0;
let records = 0;
let bad = 0;
const parse = (s, e) => {
  if (e <= s) return;
  try {
    JSON.parse(buf.toString('utf8', s, e));
    records++;
  } catch {
    bad++;
  }
};
for (;;) {
  if (end === buf.length) {
    const b = Buffer.allocUnsafe(buf.length * 2);
    buf.copy(b, 0, 0, end);
    buf = b;
  }
  const n = readSync(fd, buf, end, buf.length - end, null);
  end += n;
  let pos = 0;
  for (let nl = buf.indexOf(10, pos); nl !== -1 && nl < end; nl = buf.indexOf(10, pos)) {
    parse(pos, nl);
    pos = nl + 1;
  }
  if (n === 0) {
    parse(pos, end);
    break;
  }
  buf.copy(buf, 0, pos, end);
  end -= pos;
}
closeSync(fd);
process.stdout.write(JSON.stringify({ records, bad }) + '\n');
