// The camera page's live filters (minimum confidence, chosen people), kept per camera in
// localStorage so a reload keeps them (like the overlay layers, src/overlay/layers.ts).

export interface LiveFilterPrefs {
  /** 0..1; 0 = no minimum */
  minConfidence: number;
  /** person ids (positive integers); empty = everybody */
  personIds: number[];
}

export const NO_LIVE_FILTERS: LiveFilterPrefs = { minConfidence: 0, personIds: [] };

export function liveFiltersKey(cameraId: number | string): string {
  return `argus.liveFilters.${cameraId}`;
}

/** Stored filters, validated: confidence clamped to 0..1, only positive integer ids (no repeats);
 * anything unreadable counts as no filters. */
export function parseLiveFilters(raw: string | null): LiveFilterPrefs {
  if (!raw) return { ...NO_LIVE_FILTERS, personIds: [] };
  let j: any;
  try {
    j = JSON.parse(raw);
  } catch {
    return { ...NO_LIVE_FILTERS, personIds: [] };
  }
  const c = typeof j?.minConfidence === 'number' && isFinite(j.minConfidence) ? j.minConfidence : 0;
  const ids = Array.isArray(j?.personIds) ? j.personIds : [];
  return {
    minConfidence: Math.min(1, Math.max(0, c)),
    personIds: [...new Set<number>(ids.filter((v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v > 0))],
  };
}

export function loadLiveFilters(cameraId: number | string): LiveFilterPrefs {
  try {
    return parseLiveFilters(localStorage.getItem(liveFiltersKey(cameraId)));
  } catch {
    return { ...NO_LIVE_FILTERS, personIds: [] };  // storage disabled
  }
}

/** Store the filters of a camera (none set: the key is removed). */
export function saveLiveFilters(cameraId: number | string, f: LiveFilterPrefs): void {
  try {
    if (f.minConfidence <= 0 && !f.personIds.length) localStorage.removeItem(liveFiltersKey(cameraId));
    else localStorage.setItem(liveFiltersKey(cameraId), JSON.stringify({ minConfidence: f.minConfidence, personIds: f.personIds }));
  } catch {
    /* storage full or disabled: the filters still work for this visit */
  }
}
