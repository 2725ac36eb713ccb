import { describe, expect, it, vi } from 'vitest';
import type { FrameResult } from '../api/types';
import { COLORS, drawOverlay, labelFor, TrailStore } from './draw';
import { DEFAULT_LAYERS } from './layers';

function fakeCtx() {
  const calls: { op: string; args: unknown[]; style?: unknown }[] = [];
  const ctx: any = {
    canvas: { width: 640, height: 360 },
    strokeStyle: '',
    fillStyle: '',
    lineWidth: 1,
    font: '',
    textBaseline: '',
    measureText: (t: string) => ({ width: t.length * 6 }),
  };
  for (const op of ['clearRect', 'strokeRect', 'fillRect', 'fillText', 'beginPath', 'moveTo', 'lineTo', 'stroke', 'arc', 'fill']) {
    ctx[op] = vi.fn((...args: unknown[]) => calls.push({ op, args, style: op.startsWith('fill') ? ctx.fillStyle : ctx.strokeStyle }));
  }
  return { ctx: ctx as CanvasRenderingContext2D, calls };
}

const result: FrameResult = {
  camera_id: 1,
  width: 1280,
  height: 720,
  model: 'scrfd_2.5g',
  detections: [
    { track_id: 4, bbox: { x: 100, y: 100, width: 80, height: 100 }, confidence: 0.93, person: { id: 1, name: 'Ada', similarity: 0.81 }, landmarks: [[120, 130], [150, 130]], pose: { yaw: 10, pitch: 5, roll: 0 } },
    { track_id: 5, bbox: { x: 600, y: 300, width: 60, height: 70 }, confidence: 0.7, person: null },
  ],
};
const view = { scale: 0.5, offsetX: 0, offsetY: 0, width: 640, height: 360 };

describe('drawOverlay', () => {
  it('draws boxes scaled, known and unknown in different colours', () => {
    const { ctx, calls } = fakeCtx();
    drawOverlay(ctx, result, { ...DEFAULT_LAYERS, labels: false, tracks: false }, view, null, {});
    const rects = calls.filter((c) => c.op === 'strokeRect');
    expect(rects).toHaveLength(2);
    expect(rects[0].args).toEqual([50, 50, 40, 50]);
    expect(rects[0].style).toBe(COLORS.known);
    expect(rects[1].style).toBe(COLORS.unknown);
  });

  it('draws nothing but a clear when every layer is off', () => {
    const { ctx, calls } = fakeCtx();
    const off = { boxes: false, labels: false, tracks: false, landmarks: false, pose: false, debug: false };
    drawOverlay(ctx, result, off, view, null, {});
    expect(calls.map((c) => c.op)).toEqual(['clearRect']);
  });

  it('labels with name + confidence, track ids, landmarks and debug figures', () => {
    const { ctx, calls } = fakeCtx();
    const all = { boxes: true, labels: true, tracks: true, landmarks: true, pose: true, debug: true };
    drawOverlay(ctx, result, all, view, new TrailStore(), { fps: 12.5, latencyMs: 42 });
    const texts = calls.filter((c) => c.op === 'fillText').map((c) => String(c.args[0]));
    expect(texts).toContain('Ada 81%  #4');
    expect(texts).toContain('Unknown 70%  #5');
    expect(texts).toContain('fps 12.5');
    expect(texts).toContain('latency 42 ms');
    expect(texts).toContain('model scrfd_2.5g');
    expect(calls.filter((c) => c.op === 'arc')).toHaveLength(2);
  });
});

describe('TrailStore', () => {
  it('keeps bounded trails per track and expires old ones', () => {
    const t = new TrailStore(3, 1000);
    for (let i = 0; i < 5; i++) t.update({ ...result, detections: [{ ...result.detections[0], bbox: { x: i * 10, y: 0, width: 10, height: 10 } }] }, i);
    expect(t.get(4)).toHaveLength(3);
    expect(t.get(4)[2]).toEqual([45, 5]);
    t.update({ ...result, detections: [] }, 5000);
    expect(t.size).toBe(0);
  });

  it('adds one point per frame: previews and tentative faces (track 0) are left out', () => {
    const t = new TrailStore(10, 1000);
    const at = (x: number, track_id: number) => ({ ...result.detections[0], track_id, bbox: { x, y: 0, width: 10, height: 10 } });
    t.update({ ...result, provisional: true, detections: [at(0, 4), at(100, 0)] }, 0);
    expect(t.size).toBe(0);
    t.update({ ...result, detections: [at(2, 4), at(100, 0)] }, 1);
    expect(t.get(4)).toEqual([[7, 5]]);
    expect(t.get(0)).toEqual([]);
    expect(t.size).toBe(1);
  });
});

describe('labelFor', () => {
  it('falls back to detection confidence', () => {
    expect(labelFor({ bbox: { x: 0, y: 0, width: 1, height: 1 }, person: { id: 2, name: 'Bo' }, confidence: 0.5 })).toBe('Bo 50%');
    expect(labelFor({ bbox: { x: 0, y: 0, width: 1, height: 1 } })).toBe('Unknown');
  });
});
