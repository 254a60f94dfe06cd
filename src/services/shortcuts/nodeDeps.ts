// The real cue extraction and ablation runner behind analyseShortcutsFile (node only: ffmpeg,
// onnxruntime, HTTP). Kept apart from analyseFile.ts so tests and the bench can inject fakes.

import { buildCueInventory, textOnScreen } from '../../cues/inventory';
import { locateMediaTools } from '../../media/ffmpeg';
import { runAblations } from './ablation';
import type { ShortcutDeps } from './analyseFile';

export function nodeShortcutDeps(): ShortcutDeps {
  return {
    buildInventory: (clip, o) => buildCueInventory(clip, o),
    runAblations: (req) => runAblations(req),
    locateTools: () => locateMediaTools(),
    onScreen: textOnScreen,
  };
}
