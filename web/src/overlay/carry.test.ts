import { describe, expect, it } from 'vitest';
import type { FrameResult } from '../api/types';
import { carryMarks } from './carry';

const complete: FrameResult = {
  camera_id: 1,
  frame_seq: 10,
  width: 1920,
  height: 1080,
  detections: [
    { track_id: 4, bbox: { x: 100, y: 100, width: 80, height: 100 }, landmarks: [[120, 130], [160, 130]], pose: { yaw: 10, pitch: 5, roll: 0 } },
    { track_id: 7, bbox: { x: 900, y: 400, width: 50, height: 60 }, landmarks: [[910, 420], [940, 420]] },
  ],
};

describe('carryMarks', () => {
  it('gives a preview face the landmarks and pose of the same track, moved and scaled with its box', () => {
    const preview: FrameResult = {
      camera_id: 1,
      frame_seq: 11,
      width: 1920,
      height: 1080,
      provisional: true,
      detections: [{ track_id: 4, bbox: { x: 110, y: 100, width: 160, height: 100 } }],
    };
    const out = carryMarks(preview, complete);
    expect(out.detections[0].landmarks).toEqual([
      [150, 130],
      [230, 130],
    ]);
    expect(out.detections[0].pose).toEqual({ yaw: 10, pitch: 5, roll: 0 });
    expect(preview.detections[0].landmarks).toBeUndefined(); // the input is not changed
  });

  it('matches an untracked preview face by overlap, and leaves a face with no match alone', () => {
    const preview: FrameResult = {
      camera_id: 1,
      width: 1920,
      height: 1080,
      provisional: true,
      detections: [
        { track_id: 0, bbox: { x: 905, y: 402, width: 50, height: 60 } },
        { track_id: 0, bbox: { x: 1500, y: 700, width: 50, height: 60 } },
      ],
    };
    const out = carryMarks(preview, complete);
    expect(out.detections[0].landmarks).toEqual([
      [915, 422],
      [945, 422],
    ]);
    expect(out.detections[0].pose).toBeUndefined();
    expect(out.detections[1].landmarks).toBeUndefined();
  });

  it('changes nothing for a complete result, without an earlier one, or across a size change', () => {
    const preview: FrameResult = { ...complete, provisional: true, detections: [{ track_id: 4, bbox: complete.detections[0].bbox }] };
    expect(carryMarks(complete, complete)).toBe(complete);
    expect(carryMarks(preview, undefined)).toBe(preview);
    expect(carryMarks({ ...preview, width: 1280, height: 720 }, complete).detections[0].landmarks).toBeUndefined();
  });
});
