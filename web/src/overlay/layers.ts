import { useCallback, useEffect, useState } from 'react';

export type LayerKey = 'boxes' | 'labels' | 'tracks' | 'landmarks' | 'pose' | 'debug';

export type Layers = Record<LayerKey, boolean>;

export const LAYER_LABELS: Record<LayerKey, string> = {
  boxes: 'Boxes',
  labels: 'Labels',
  tracks: 'Tracks',
  landmarks: 'Landmarks',
  pose: 'Head pose',
  debug: 'Debug',
};

export const DEFAULT_LAYERS: Layers = {
  boxes: true,
  labels: true,
  tracks: true,
  landmarks: false,
  pose: false,
  debug: false,
};

export function layersKey(cameraId: number | string): string {
  return `argus.overlay.${cameraId}`;
}

export function loadLayers(cameraId: number | string): Layers {
  try {
    const raw = localStorage.getItem(layersKey(cameraId));
    if (!raw) return { ...DEFAULT_LAYERS };
    const parsed = JSON.parse(raw);
    const out = { ...DEFAULT_LAYERS };
    for (const k of Object.keys(DEFAULT_LAYERS) as LayerKey[]) {
      if (typeof parsed?.[k] === 'boolean') out[k] = parsed[k];
    }
    return out;
  } catch {
    return { ...DEFAULT_LAYERS };
  }
}

export function saveLayers(cameraId: number | string, layers: Layers): void {
  try {
    localStorage.setItem(layersKey(cameraId), JSON.stringify(layers));
  } catch {
    /* storage full or disabled: toggles still work for this session */
  }
}

/** Per-camera overlay layer toggles, persisted in localStorage. */
export function useOverlayLayers(cameraId: number | string) {
  const [layers, setLayers] = useState<Layers>(() => loadLayers(cameraId));
  useEffect(() => setLayers(loadLayers(cameraId)), [cameraId]);
  const toggle = useCallback(
    (k: LayerKey) =>
      setLayers((prev) => {
        const next = { ...prev, [k]: !prev[k] };
        saveLayers(cameraId, next);
        return next;
      }),
    [cameraId],
  );
  return { layers, toggle };
}
