// Whole lists for filter dropdowns and id -> name lookups: the list routes page at most
// per_page=100, so follow the pages (pagination.has_next) until the last one.
import { api, type Query } from '../api/client';
import type { Camera, Person } from '../api/types';
import { useAsync } from '../hooks';

/** The API's largest page (page_request: per_page 1..100). */
export const MAX_PER_PAGE = 100;
/** Safety stop: 200 pages of 100 (20,000 items). */
const MAX_PAGES = 200;

/** GET `path` page by page (per_page=100) and concatenate `data[key]` of every page. */
export async function fetchAllPages<T>(path: string, key: string, signal?: AbortSignal, query: Query = {}): Promise<T[]> {
  const out: T[] = [];
  for (let page = 1; page <= MAX_PAGES; page++) {
    const r = await api.get<Record<string, T[] | undefined>>(path, { ...query, page, per_page: MAX_PER_PAGE }, signal);
    const items = r.data?.[key] ?? [];
    out.push(...items);
    const p = r.pagination;
    if (!p || items.length === 0) break;
    const more = p.has_next ?? p.page < p.pages;
    if (!more) break;
  }
  return out;
}

/** Every camera the user may see (GET /cameras, all pages), loaded once. */
export function useAllCameras() {
  return useAsync((s) => fetchAllPages<Camera>('/cameras', 'cameras', s), []);
}

/** Every enrolled person (GET /persons, all pages), loaded once. */
export function useAllPersons() {
  return useAsync((s) => fetchAllPages<Person>('/persons', 'persons', s), []);
}

/** id -> name of a loaded list (cameras), for cameraLabel. */
export function namesById(items: { id: number; name: string }[] | undefined): Record<number, string> {
  const m: Record<number, string> = {};
  items?.forEach((c) => (m[c.id] = c.name));
  return m;
}

/** Camera id -> name; unknown ids read "#id". */
export function cameraLabel(names: Record<number, string>, id: number): string {
  return names[id] ?? `#${id}`;
}
