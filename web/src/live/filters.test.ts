import { describe, expect, it } from 'vitest';
import { liveFiltersKey, loadLiveFilters, parseLiveFilters, saveLiveFilters } from './filters';

describe('stored live filters', () => {
  it('reads them back validated: confidence clamped to 0..1, only positive integer ids', () => {
    expect(parseLiveFilters('{"minConfidence":0.6,"personIds":[4,9]}')).toEqual({ minConfidence: 0.6, personIds: [4, 9] });
    expect(parseLiveFilters('{"minConfidence":7,"personIds":[4,4,0,-2,1.5,"9",null,12]}')).toEqual({ minConfidence: 1, personIds: [4, 12] });
    expect(parseLiveFilters('{"minConfidence":-1,"personIds":"4"}')).toEqual({ minConfidence: 0, personIds: [] });
    expect(parseLiveFilters('{"minConfidence":"0.5"}')).toEqual({ minConfidence: 0, personIds: [] });
    expect(parseLiveFilters('{not json')).toEqual({ minConfidence: 0, personIds: [] });
    expect(parseLiveFilters('null')).toEqual({ minConfidence: 0, personIds: [] });
    expect(parseLiveFilters(null)).toEqual({ minConfidence: 0, personIds: [] });
  });

  it('keeps them per camera, and removes the key when no filter is set', () => {
    expect(liveFiltersKey(5)).toBe('argus.liveFilters.5');
    saveLiveFilters(5, { minConfidence: 0.7, personIds: [3] });
    expect(JSON.parse(localStorage.getItem('argus.liveFilters.5')!)).toEqual({ minConfidence: 0.7, personIds: [3] });
    expect(loadLiveFilters(5)).toEqual({ minConfidence: 0.7, personIds: [3] });
    expect(loadLiveFilters(6)).toEqual({ minConfidence: 0, personIds: [] });
    saveLiveFilters(5, { minConfidence: 0, personIds: [] });
    expect(localStorage.getItem('argus.liveFilters.5')).toBeNull();
  });
});
