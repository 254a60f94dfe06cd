// Baseline for the open benchmark: the least work that still reads every record — split the
// file on '\n' from a large buffer and JSON.parse each line. Prints the record count.
import { forEachLine } from './lines.mjs';

let records = 0;
let bad = 0;
forEachLine(process.argv[2], (buf, s, e) => {
  try {
    JSON.parse(buf.toString('utf8', s, e));
    records++;
  } catch {
    bad++;
  }
});
process.stdout.write(JSON.stringify({ records, bad }) + '\n');
