import type { RequestContext } from "./domain/context";
import type { Services } from "./domain/services";

export type AppEnv = {
  Bindings: Env & {
    STATIC_TOKENS?: string;
    POLICY?: string;
    /** Data access: "direct" (D1, the default) or "registry" (the registry Worker over REGISTRY). */
    GLANCE_DATA_API?: string;
    /** Registry mode: the Service Binding to the registry Worker (src/registry). */
    REGISTRY?: unknown;
  };
  Variables: { requestId: string; ctx: RequestContext; services: Services };
};
