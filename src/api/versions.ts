import type { Context } from "hono";
import type { Settings } from "../domain/settings";

// Glance's version document (glance/api/versions.py) and the /v2.N/ prefixes its negotiation takes
// (glance/api/middleware/version_negotiation.py), for a Glance with multiple stores (always here:
// STORES): 2.8 and 2.10-2.13 come with them. 2.14, 2.16 and 2.18 come with the cache API
// (glance: image_cache_dir set; here image_cache_enabled), and 2.18 is CURRENT then, else 2.17.
const WITHOUT_CACHE = ["2.17", "2.15"];
const WITH_CACHE = ["2.18", "2.17", "2.16", "2.15", "2.14"];
const OLDER = ["2.13", "2.12", "2.11", "2.10", "2.9", "2.8", "2.7", "2.6", "2.5", "2.4", "2.3", "2.2", "2.1", "2.0"];

/** The versions offered, CURRENT first. */
export function apiVersions(cacheEnabled: boolean): string[] {
  return [...(cacheEnabled ? WITH_CACHE : WITHOUT_CACHE), ...OLDER];
}

/** The path prefixes version negotiation accepts (`v2` and `v2.N` for each version offered). */
export function acceptedVersionPrefixes(cacheEnabled: boolean): Set<string> {
  return new Set(["v2", ...apiVersions(cacheEnabled).map((v) => `v${v}`)]);
}

export function versionsDocument(c: Context, settings: Pick<Settings, "publicEndpoint" | "imageCache">) {
  const base = settings.publicEndpoint ?? new URL(c.req.url).origin;
  return {
    versions: apiVersions(settings.imageCache.enabled).map((v, i) => ({
      id: `v${v}`,
      status: i === 0 ? "CURRENT" : "SUPPORTED",
      links: [{ rel: "self", href: `${base}/v2/` }],
    })),
  };
}
