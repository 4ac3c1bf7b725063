import type { KeystoneSettings } from "../domain/settings";
import { KeystoneClient } from "./client";
import { EdgeTokenCache, MemoryTokenCache, type TokenCache, TieredTokenCache } from "./token-cache";

export { KeystoneClient, KeystoneUnavailable } from "./client";
export type { KeystoneIdentity } from "./identity";

// One client (and its in-isolate cache) per configuration, for the life of the isolate.
const clients = new WeakMap<KeystoneSettings, KeystoneClient>();

export function keystoneClientFor(settings: KeystoneSettings): KeystoneClient {
  let client = clients.get(settings);
  if (!client) {
    const tiers: TokenCache[] = [new MemoryTokenCache()];
    if (typeof caches !== "undefined" && caches.default) tiers.push(new EdgeTokenCache(caches.default));
    client = new KeystoneClient(settings, new TieredTokenCache(tiers));
    clients.set(settings, client);
  }
  return client;
}
