import type { FrameResult } from '../api/types';
import { detectionBox, mapBox, mapPoint, poseVector, type View } from './geometry';
import type { Layers } from './layers';

export const COLORS = {
  known: '#22c55e',
  unknown: '#f97316',
  track: '#38bdf8',
  landmark: '#facc15',
  pose: '#e879f9',
  text: '#ffffff',
  debugBg: 'rgba(0,0,0,0.6)',
};

/** Track trails: centre points (in result-frame pixels) per track id, bounded length. */
export class TrailStore {
  private trails = new Map<number, { pts: [number, number][]; seen: number }>();
  constructor(private maxPoints = 30, private maxAgeMs = 3000) {}

  update(result: FrameResult, now = Date.now()): void {
    // A preview's frame comes again complete (smoothed boxes): one point per frame. Track 0
    // is "not yet a track" and would join unrelated faces.
    if (result.provisional) return;
    for (const d of result.detections) {
      if (!d.track_id) continue;
      const b = detectionBox(d, result.width, result.height);
      const c: [number, number] = [b.x + b.width / 2, b.y + b.height / 2];
      const t = this.trails.get(d.track_id) ?? { pts: [], seen: now };
      t.pts.push(c);
      if (t.pts.length > this.maxPoints) t.pts.shift();
      t.seen = now;
      this.trails.set(d.track_id, t);
    }
    for (const [id, t] of this.trails) if (now - t.seen > this.maxAgeMs) this.trails.delete(id);
  }

  get(trackId: number): [number, number][] {
    return this.trails.get(trackId)?.pts ?? [];
  }

  clear(): void {
    this.trails.clear();
  }

  get size(): number {
    return this.trails.size;
  }
}

export function labelFor(d: FrameResult['detections'][number]): string {
  if (d.person) {
    const sim = d.person.similarity ?? d.confidence;
    return sim !== undefined ? `${d.person.name} ${(sim * 100).toFixed(0)}%` : d.person.name;
  }
  return d.confidence !== undefined ? `Unknown ${(d.confidence * 100).toFixed(0)}%` : 'Unknown';
}

export interface DebugInfo {
  fps?: number;
  latencyMs?: number;
  model?: string;
}

/** Draw one detection result onto a 2D context already sized to the displayed element (CSS px). */
export function drawOverlay(
  ctx: CanvasRenderingContext2D,
  result: FrameResult | null,
  layers: Layers,
  view: View,
  trails: TrailStore | null,
  debug: DebugInfo,
): void {
  ctx.clearRect(0, 0, ctx.canvas.width, ctx.canvas.height);
  if (result) {
    ctx.lineWidth = 2;
    ctx.font = '13px system-ui, sans-serif';
    ctx.textBaseline = 'top';
    for (const d of result.detections) {
      const box = mapBox(detectionBox(d, result.width, result.height), view);
      const color = d.person ? COLORS.known : COLORS.unknown;
      if (layers.tracks && trails && d.track_id !== undefined) {
        const pts = trails.get(d.track_id);
        if (pts.length > 1) {
          ctx.strokeStyle = COLORS.track;
          ctx.beginPath();
          pts.forEach(([x, y], i) => {
            const [px, py] = mapPoint(x, y, view);
            if (i === 0) ctx.moveTo(px, py);
            else ctx.lineTo(px, py);
          });
          ctx.stroke();
        }
      }
      if (layers.boxes) {
        ctx.strokeStyle = color;
        ctx.strokeRect(box.x, box.y, box.width, box.height);
      }
      const tags: string[] = [];
      if (layers.labels) tags.push(labelFor(d));
      if (layers.tracks && d.track_id !== undefined) tags.push(`#${d.track_id}`);
      if (tags.length) {
        const text = tags.join('  ');
        const w = ctx.measureText(text).width + 8;
        const ty = box.y - 18 >= 0 ? box.y - 18 : box.y + box.height + 2;
        ctx.fillStyle = color;
        ctx.fillRect(box.x, ty, w, 17);
        ctx.fillStyle = '#000';
        ctx.fillText(text, box.x + 4, ty + 2);
      }
      if (layers.landmarks && d.landmarks) {
        ctx.fillStyle = COLORS.landmark;
        for (const [lx, ly] of d.landmarks) {
          const [px, py] = mapPoint(lx, ly, view);
          ctx.beginPath();
          ctx.arc(px, py, 2.5, 0, Math.PI * 2);
          ctx.fill();
        }
      }
      if (layers.pose && d.pose) {
        const cx = box.x + box.width / 2;
        const cy = box.y + box.height / 2;
        const [ex, ey] = poseVector(cx, cy, d.pose.yaw, d.pose.pitch, box.width * 0.8);
        ctx.strokeStyle = COLORS.pose;
        ctx.beginPath();
        ctx.moveTo(cx, cy);
        ctx.lineTo(ex, ey);
        ctx.stroke();
        ctx.fillStyle = COLORS.pose;
        ctx.fillText(
          `y${d.pose.yaw.toFixed(0)} p${d.pose.pitch.toFixed(0)} r${d.pose.roll.toFixed(0)}`,
          box.x,
          box.y + box.height + (layers.labels ? 20 : 2),
        );
      }
    }
  }
  if (layers.debug) {
    const lines = [
      `fps ${debug.fps !== undefined ? debug.fps.toFixed(1) : '–'}`,
      `latency ${debug.latencyMs !== undefined ? debug.latencyMs.toFixed(0) + ' ms' : '–'}`,
      `model ${debug.model ?? result?.model ?? '–'}`,
      `faces ${result ? result.detections.length : 0}`,
    ];
    ctx.font = '12px ui-monospace, monospace';
    ctx.textBaseline = 'top';
    const w = Math.max(...lines.map((l) => ctx.measureText(l).width)) + 12;
    ctx.fillStyle = COLORS.debugBg;
    ctx.fillRect(view.offsetX + 6, view.offsetY + 6, w, lines.length * 15 + 8);
    ctx.fillStyle = COLORS.text;
    lines.forEach((l, i) => ctx.fillText(l, view.offsetX + 12, view.offsetY + 10 + i * 15));
  }
}
