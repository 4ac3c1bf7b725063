import type { Context } from "hono";

/** The absolute URL of `path` (public_endpoint when configured, else the request's origin). */
export function absoluteUrl(c: Context, publicEndpoint: string | null, path: string): string {
  const base = publicEndpoint ?? new URL(c.req.url).origin;
  return `${base}${path}`;
}
