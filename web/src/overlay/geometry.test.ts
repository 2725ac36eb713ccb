import { describe, expect, it } from 'vitest';
import { detectionBox, fitContain, mapBox, poseVector, resultView } from './geometry';

describe('fitContain', () => {
  it('letterboxes a 16:9 frame in a square box', () => {
    const v = fitContain(1920, 1080, 960, 960);
    expect(v.scale).toBeCloseTo(0.5);
    expect(v.offsetX).toBe(0);
    expect(v.offsetY).toBeCloseTo((960 - 540) / 2);
  });
  it('pillarboxes a 4:3 frame in a wide box', () => {
    const v = fitContain(640, 480, 1600, 600);
    expect(v.scale).toBeCloseTo(1.25);
    expect(v.width).toBeCloseTo(800);
    expect(v.offsetX).toBeCloseTo(400);
    expect(v.offsetY).toBe(0);
  });
  it('is safe before the frame size is known', () => {
    expect(fitContain(0, 0, 100, 100)).toMatchObject({ scale: 1, width: 0 });
  });
});

describe('resultView', () => {
  it('maps detector coordinates onto a downscaled stream shown in a resized element', () => {
    // detector ran on 1920x1080, stream is 960x540 (?width=960), element is 480x270
    const v = resultView(1920, 1080, 960, 540, 480, 270);
    const b = mapBox({ x: 960, y: 540, width: 192, height: 108 }, v);
    expect(b.x).toBeCloseTo(240);
    expect(b.y).toBeCloseTo(135);
    expect(b.width).toBeCloseTo(48);
    expect(b.height).toBeCloseTo(27);
  });
  it('stays aligned after a resize (same relative position)', () => {
    const box = { x: 100, y: 200, width: 50, height: 60 };
    const small = mapBox(box, resultView(1280, 720, 1280, 720, 640, 360));
    const big = mapBox(box, resultView(1280, 720, 1280, 720, 1280, 720));
    expect(big.x / 1280).toBeCloseTo(small.x / 640);
    expect(big.height / 720).toBeCloseTo(small.height / 360);
  });
  it('accounts for letterboxing offsets', () => {
    const v = resultView(1280, 720, 1280, 720, 1000, 1000);
    const b = mapBox({ x: 0, y: 0, width: 1280, height: 720 }, v);
    expect(b.x).toBeCloseTo(0);
    expect(b.y).toBeCloseTo((1000 - 562.5) / 2);
    expect(b.width).toBeCloseTo(1000);
  });
  it('falls back to the result size when the frame size is unknown', () => {
    const v = resultView(640, 480, 0, 0, 320, 240);
    expect(v.scale).toBeCloseTo(0.5);
  });
});

describe('detectionBox', () => {
  it('uses normalized coordinates when bbox is missing', () => {
    const b = detectionBox({ bbox: undefined as never, normalized: { x: 0.5, y: 0.25, width: 0.1, height: 0.2 } }, 1000, 500);
    expect(b).toEqual({ x: 500, y: 125, width: 100, height: 100 });
  });
});

describe('poseVector', () => {
  it('points right for positive yaw and up for positive pitch', () => {
    const [x, y] = poseVector(100, 100, 90, 0, 50);
    expect(x).toBeCloseTo(150);
    expect(y).toBeCloseTo(100);
    const [, y2] = poseVector(100, 100, 0, 30, 50);
    expect(y2).toBeCloseTo(75);
  });
});
