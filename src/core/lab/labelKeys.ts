// The hashes that join labels to items and record which labels a calibration used.

import { sha256Hex } from '../judge/template';
import { latestLabels, type Label } from './labels';

/** The content key of an item: its completion and its reference, hashed. */
export function contentKey(completion: string, reference: string | undefined): string {
  return sha256Hex(`${completion}\u0000${reference ?? ''}`).slice(0, 32);
}

/** A stable hash of a label set (for calibration records): same labels, same hash, whatever their order. */
export function labelSetHash(labels: readonly Label[]): string {
  return sha256Hex(
    latestLabels(labels)
      .map((l) => `${l.labeller}\u0000${l.reward}\u0000${l.key}\u0000${l.score}`)
      .sort()
      .join('\n'),
  ).slice(0, 16);
}
