import type { Detection, FrameResult } from '../api/types';
import { detectionBox } from './geometry';

function iou(a: { x: number; y: number; width: number; height: number }, b: typeof a): number {
  const x1 = Math.max(a.x, b.x);
  const y1 = Math.max(a.y, b.y);
  const x2 = Math.min(a.x + a.width, b.x + b.width);
  const y2 = Math.min(a.y + a.height, b.y + b.height);
  const inter = Math.max(0, x2 - x1) * Math.max(0, y2 - y1);
  const union = a.width * a.height + b.width * b.height - inter;
  return union > 0 ? inter / union : 0;
}

/**
 * A preview (boxes right after detection) has no landmarks or head pose: those come with the
 * complete result of the same frame a few tens of ms later. So that the Landmarks and Head
 * pose layers do not blink off and on every frame, each preview face takes them from the
 * same face in the last complete result (same track, else the box overlapping it most, IoU
 * >= 0.3), the landmarks moved and scaled with the box. Faces with no match stay without.
 */
export function carryMarks(preview: FrameResult, lastComplete: FrameResult | undefined): FrameResult {
  if (!preview.provisional || !lastComplete || lastComplete.provisional) return preview;
  const sameFrame = preview.width === lastComplete.width && preview.height === lastComplete.height;
  if (!sameFrame) return preview;
  const earlier = lastComplete.detections.filter((d) => d.landmarks?.length || d.pose);
  if (!earlier.length) return preview;
  const taken = new Set<Detection>();
  const detections = preview.detections.map((d) => {
    if (d.landmarks?.length || d.pose) return d;
    const box = detectionBox(d, preview.width, preview.height);
    let match = d.track_id ? earlier.find((e) => e.track_id === d.track_id && !taken.has(e)) : undefined;
    if (!match) {
      let best = 0.3;
      for (const e of earlier) {
        if (taken.has(e)) continue;
        const o = iou(box, detectionBox(e, lastComplete.width, lastComplete.height));
        if (o >= best) {
          best = o;
          match = e;
        }
      }
    }
    if (!match) return d;
    taken.add(match);
    const from = detectionBox(match, lastComplete.width, lastComplete.height);
    const sx = from.width > 0 ? box.width / from.width : 1;
    const sy = from.height > 0 ? box.height / from.height : 1;
    const out: Detection = { ...d };
    if (match.landmarks?.length)
      out.landmarks = match.landmarks.map(([x, y]) => [box.x + (x - from.x) * sx, box.y + (y - from.y) * sy]);
    if (match.pose) out.pose = match.pose;
    return out;
  });
  return { ...preview, detections };
}
