import type { Context } from "hono";

// Upstream Glance without the cache API and with multiple stores: CURRENT v2.17; 2.8 and
// 2.10-2.13 come with multistore; 2.14/2.16/2.18 need the cache API, which is not offered.
const VERSIONS = ["2.17", "2.15", "2.13", "2.12", "2.11", "2.10", "2.9", "2.8", "2.7", "2.6", "2.5", "2.4", "2.3", "2.2", "2.1", "2.0"];
export const ACCEPTED_VERSION_PREFIXES = new Set(["v2", ...VERSIONS.map((v) => `v${v}`)]);

export function versionsDocument(c: Context, publicEndpoint: string | null) {
  const base = publicEndpoint ?? new URL(c.req.url).origin;
  return {
    versions: VERSIONS.map((v, i) => ({
      id: `v${v}`,
      status: i === 0 ? "CURRENT" : "SUPPORTED",
      links: [{ rel: "self", href: `${base}/v2/` }],
    })),
  };
}
