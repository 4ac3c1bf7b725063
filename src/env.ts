import type { RequestContext } from "./domain/context";
import type { Services } from "./domain/services";

export type AppEnv = {
  Bindings: Env & { STATIC_TOKENS?: string; POLICY?: string };
  Variables: { requestId: string; ctx: RequestContext; services: Services };
};
