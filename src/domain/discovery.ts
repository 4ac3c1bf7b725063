// GET /v2/info/{import,stores,stores/detail} (glance/api/v2/discovery.py InfoController).
import type { RequestContext } from "./context";
import { forbidden } from "./errors";
import type { Services } from "./services";
import type { Settings } from "./settings";

export function importMethods(settings: Settings) {
  return { "import-methods": { description: "Import methods available.", type: "array", value: [...settings.enabledImportMethods] } };
}

export interface StoreInfo {
  id: string;
  description?: string;
  /** The string "true", as Glance writes it. */
  default?: "true";
  type?: "r2";
  weight?: number;
  properties?: Record<string, unknown>;
}

/** The configured stores (os_glance_* internal ones hidden); `detail` needs stores_info_detail. */
export function listStores(services: Services, ctx: RequestContext, detail: boolean): StoreInfo[] {
  if (detail && !services.policy.check("stores_info_detail", ctx, {})) {
    throw forbidden("You are not authorized to complete stores_info_detail action.");
  }
  const { stores, defaultStore } = services.settings;
  return stores
    .filter((s) => !s.id.startsWith("os_glance_"))
    .map((s) => {
      const info: StoreInfo = { id: s.id };
      if (s.description) info.description = s.description;
      if (s.id === defaultStore) info.default = "true";
      if (detail) Object.assign(info, { type: "r2", weight: s.weight ?? 0, properties: { bucket_binding: s.binding } });
      return info;
    });
}
