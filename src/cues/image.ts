// The little image arithmetic the models need, on typed arrays (no native image library: the
// extension ships onnxruntime's binaries and nothing else).

export interface Rgb {
  width: number;
  height: number;
  /** width * height * 3, rgb24. */
  data: Uint8Array;
}

/**
 * Bilinear resize of the region [x0, x0+w) × [y0, y0+h) of `src` to dw × dh, written as
 * normalised planar floats (CHW) into `out` at `offset`, with a row stride of `outStride`
 * (so a narrower crop can sit left-aligned in a wider, padded batch tensor).
 * norm(plane, v) maps a 0..255 value bound for output plane `plane` to the model's input range;
 * `bgr` writes the planes in B, G, R order (PaddleOCR's models were trained on OpenCV's BGR).
 */
export function resizeToChw(
  src: Rgb,
  region: { x: number; y: number; w: number; h: number },
  dw: number,
  dh: number,
  out: Float32Array,
  offset: number,
  outStride: number,
  outPlane: number,
  norm: (c: number, v: number) => number,
  bgr = false,
): void {
  const { width: sw, data } = src;
  const sx = region.w / dw;
  const sy = region.h / dh;
  const xmax = region.x + region.w - 1;
  const ymax = region.y + region.h - 1;
  for (let y = 0; y < dh; y++) {
    const fy = Math.min(ymax, Math.max(region.y, region.y + (y + 0.5) * sy - 0.5));
    const y0 = Math.floor(fy);
    const y1 = Math.min(ymax, y0 + 1);
    const wy = fy - y0;
    for (let x = 0; x < dw; x++) {
      const fx = Math.min(xmax, Math.max(region.x, region.x + (x + 0.5) * sx - 0.5));
      const x0 = Math.floor(fx);
      const x1 = Math.min(xmax, x0 + 1);
      const wx = fx - x0;
      const i00 = (y0 * sw + x0) * 3;
      const i01 = (y0 * sw + x1) * 3;
      const i10 = (y1 * sw + x0) * 3;
      const i11 = (y1 * sw + x1) * 3;
      const o = offset + y * outStride + x;
      for (let c = 0; c < 3; c++) {
        const top = data[i00 + c]! + (data[i01 + c]! - data[i00 + c]!) * wx;
        const bot = data[i10 + c]! + (data[i11 + c]! - data[i10 + c]!) * wx;
        const plane = bgr ? 2 - c : c;
        out[o + plane * outPlane] = norm(plane, top + (bot - top) * wy);
      }
    }
  }
}

/** Grey thumbnail by area averaging (each output pixel is the mean of its block), values 0..1. */
export function greyThumb(src: Rgb, tw: number, th: number): Float32Array {
  const out = new Float32Array(tw * th);
  const { width: w, height: h, data } = src;
  for (let ty = 0; ty < th; ty++) {
    const ya = Math.floor((ty * h) / th);
    const yb = Math.max(ya + 1, Math.floor(((ty + 1) * h) / th));
    for (let tx = 0; tx < tw; tx++) {
      const xa = Math.floor((tx * w) / tw);
      const xb = Math.max(xa + 1, Math.floor(((tx + 1) * w) / tw));
      let sum = 0;
      for (let y = ya; y < yb; y++) {
        let i = (y * w + xa) * 3;
        for (let x = xa; x < xb; x++, i += 3) sum += 0.299 * data[i]! + 0.587 * data[i + 1]! + 0.114 * data[i + 2]!;
      }
      out[ty * tw + tx] = sum / ((yb - ya) * (xb - xa) * 255);
    }
  }
  return out;
}
