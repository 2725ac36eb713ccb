import { act, renderHook } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { DEFAULT_LAYERS, layersKey, loadLayers, useOverlayLayers } from './layers';

describe('overlay layer persistence', () => {
  it('defaults when nothing is stored or storage is corrupt', () => {
    expect(loadLayers(1)).toEqual(DEFAULT_LAYERS);
    localStorage.setItem(layersKey(1), '{not json');
    expect(loadLayers(1)).toEqual(DEFAULT_LAYERS);
  });

  it('toggles are saved per camera and survive a reload', () => {
    const { result, unmount } = renderHook(() => useOverlayLayers(7));
    expect(result.current.layers.debug).toBe(false);
    act(() => result.current.toggle('debug'));
    act(() => result.current.toggle('boxes'));
    expect(result.current.layers.debug).toBe(true);
    expect(result.current.layers.boxes).toBe(false);
    unmount();
    // "reload": a fresh hook for the same camera reads the stored state
    const again = renderHook(() => useOverlayLayers(7));
    expect(again.result.current.layers.debug).toBe(true);
    expect(again.result.current.layers.boxes).toBe(false);
    // another camera is independent
    const other = renderHook(() => useOverlayLayers(8));
    expect(other.result.current.layers).toEqual(DEFAULT_LAYERS);
  });

  it('ignores unknown keys and non-boolean values', () => {
    localStorage.setItem(layersKey(3), JSON.stringify({ boxes: 'yes', debug: true, bogus: true }));
    expect(loadLayers(3)).toEqual({ ...DEFAULT_LAYERS, debug: true });
  });
});
