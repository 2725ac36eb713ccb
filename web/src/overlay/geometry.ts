// Overlay geometry: maps frame-pixel coordinates to the displayed element (object-fit: contain).
import type { BBox, Detection } from '../api/types';

export interface View {
  scale: number;
  offsetX: number;
  offsetY: number;
  /** displayed size of the frame inside the element */
  width: number;
  height: number;
}

/** Letterboxed (contain) placement of a natural-size frame inside a display box. */
export function fitContain(naturalW: number, naturalH: number, boxW: number, boxH: number): View {
  if (!(naturalW > 0) || !(naturalH > 0) || !(boxW > 0) || !(boxH > 0)) {
    return { scale: 1, offsetX: 0, offsetY: 0, width: 0, height: 0 };
  }
  const scale = Math.min(boxW / naturalW, boxH / naturalH);
  const width = naturalW * scale;
  const height = naturalH * scale;
  return { scale, offsetX: (boxW - width) / 2, offsetY: (boxH - height) / 2, width, height };
}

/**
 * Scale factors from the coordinate space of a detection result (resultW x resultH, the frame the
 * detector saw) to the natural size of the displayed frame (which may be downscaled, e.g. ?width=640).
 */
export function resultToFrame(resultW: number, resultH: number, frameW: number, frameH: number) {
  if (!(resultW > 0) || !(resultH > 0) || !(frameW > 0) || !(frameH > 0)) return { sx: 1, sy: 1 };
  return { sx: frameW / resultW, sy: frameH / resultH };
}

export function mapPoint(x: number, y: number, v: View): [number, number] {
  return [v.offsetX + x * v.scale, v.offsetY + y * v.scale];
}

export function mapBox(b: BBox, v: View): BBox {
  const [x, y] = mapPoint(b.x, b.y, v);
  return { x, y, width: b.width * v.scale, height: b.height * v.scale };
}

/**
 * The box of a detection in result-frame pixels. Uses `bbox` when present, otherwise the
 * `normalized` (0..1) box times the result size.
 */
export function detectionBox(d: Detection, resultW: number, resultH: number): BBox {
  if (d.bbox && d.bbox.width > 0) return d.bbox;
  const n = d.normalized ?? {};
  return {
    x: (n.x ?? 0) * resultW,
    y: (n.y ?? 0) * resultH,
    width: (n.width ?? 0) * resultW,
    height: (n.height ?? 0) * resultH,
  };
}

/**
 * Combined transform: result-frame pixels -> displayed CSS pixels for an element of size
 * boxW x boxH showing a frame of natural size frameW x frameH (object-fit: contain).
 */
export function resultView(
  resultW: number,
  resultH: number,
  frameW: number,
  frameH: number,
  boxW: number,
  boxH: number,
): View {
  const fw = frameW > 0 ? frameW : resultW;
  const fh = frameH > 0 ? frameH : resultH;
  const fit = fitContain(fw, fh, boxW, boxH);
  const { sx } = resultToFrame(resultW, resultH, fw, fh);
  // Aspect ratios match in practice (same camera frame); use sx for both axes.
  return { ...fit, scale: fit.scale * sx };
}

/** Endpoint of a head-pose direction line from a face centre (yaw/pitch in degrees). */
export function poseVector(cx: number, cy: number, yaw: number, pitch: number, length: number): [number, number] {
  const y = (yaw * Math.PI) / 180;
  const p = (pitch * Math.PI) / 180;
  return [cx + length * Math.sin(y), cy - length * Math.sin(p)];
}
