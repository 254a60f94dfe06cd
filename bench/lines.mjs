// The line loop shared by the bench's plain-JavaScript baselines: reads a file through one
// growing buffer and calls `line(buf, start, end)` for each line's bytes (the last one may lack
// its newline), with no string made until the caller makes one.
import { closeSync, openSync, readSync } from 'node:fs';

export function forEachLine(path, line) {
  const fd = openSync(path, 'r');
  let buf = Buffer.allocUnsafe(4 << 20);
  let end = 0;
  try {
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
        if (nl > pos) line(buf, pos, nl);
        pos = nl + 1;
      }
      if (n === 0) {
        if (end > pos) line(buf, pos, end);
        return;
      }
      buf.copy(buf, 0, pos, end);
      end -= pos;
    }
  } finally {
    closeSync(fd);
  }
}
