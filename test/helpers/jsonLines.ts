// A JSON-lines file as the objects on its lines (the outputs our commands write).
import { readFileSync } from 'node:fs';

export function readJsonLines(file: string): any[] {
  return readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
}
