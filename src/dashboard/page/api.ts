/**
 * URLs of the dashboard's API. An admin token given to the page in its own
 * address (?admin_token=...) is passed on to every call: EventSource cannot
 * send an Authorization header.
 */
const token = new URLSearchParams(location.search).get('admin_token');

/** A dashboard API route: /dashboard/api/<path>. */
export function apiUrl(path: string, params: Record<string, string | number> = {}): string {
  return adminUrl(`/dashboard/api/${path}`, params);
}

/** Any admin route of the gateway (e.g. /cluster), with the page's token. */
export function adminUrl(path: string, params: Record<string, string | number> = {}): string {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) query.set(key, String(value));
  if (token !== null) query.set('admin_token', token);
  const qs = query.toString();
  return `${path}${qs === '' ? '' : `?${qs}`}`;
}
