// The registry Worker (README "The registry layer"): the data access layer as its own Worker,
// holding the D1 binding, reached only through a Service Binding (no route, workers_dev off). Its
// RPC methods hand the caller a repository (an RpcTarget, or for metadefs an object of functions)
// for the call; a call without the caller's context is refused. Glance's glance-registry, as RPC.
import { WorkerEntrypoint } from "cloudflare:workers";
import { d1Repositories } from "../db";
import type { DataRepositories } from "../domain/services";
import type { CallContext, RegistryService } from "../registry-client";

export interface RegistryEnv {
  DB: D1Database;
}

const ORIGINS = new Set(["api", "queue", "object"]);

/** Refuses a call that does not say who is calling (the API passes its context along). */
export function checkCall(call: unknown): asserts call is CallContext {
  const c = call as Partial<CallContext> | null;
  const constraintOk = c?.constraint === undefined || typeof c.constraint === "string";
  if (!c || typeof c !== "object" || !ORIGINS.has(c.origin as string) || !(c.requestId === null || typeof c.requestId === "string") || !constraintOk) {
    throw new Error("registry: refused a call without the caller's context");
  }
}

export class Registry extends WorkerEntrypoint<RegistryEnv> implements RegistryService {
  private primary?: DataRepositories;

  /** The repositories for a call: on the primary, or through a D1 session with the caller's constraint (read replicas). */
  private data(call: CallContext): DataRepositories {
    const c = call.constraint;
    if (!c || c === "first-primary") return (this.primary ??= d1Repositories(this.env.DB));
    return d1Repositories(this.env.DB.withSession(c) as unknown as D1Database);
  }

  async bookmark(call: CallContext): Promise<string | null> {
    checkCall(call);
    const primary = this.env.DB.withSession("first-primary");
    await primary.prepare("SELECT 1").first();
    return primary.getBookmark();
  }

  images(call: CallContext) {
    checkCall(call);
    return this.data(call).images;
  }

  imageState(call: CallContext) {
    checkCall(call);
    return this.data(call).imageState;
  }

  metadefs(call: CallContext) {
    checkCall(call);
    // Not an RpcTarget (one object composed of five entity repositories): sent as its functions.
    return { ...this.data(call).metadefs };
  }

  members(call: CallContext) {
    checkCall(call);
    return this.data(call).members;
  }

  tasks(call: CallContext) {
    checkCall(call);
    return this.data(call).tasks;
  }

  quotaUsage(call: CallContext) {
    checkCall(call);
    return this.data(call).quotaUsage;
  }

  notificationSink(call: CallContext) {
    checkCall(call);
    return this.data(call).notificationSink;
  }

  imageCache(call: CallContext) {
    checkCall(call);
    return this.data(call).imageCache;
  }

  webhooks(call: CallContext) {
    checkCall(call);
    return this.data(call).webhooks;
  }

  /** No public route: anything reaching fetch() is answered 404. */
  override async fetch(): Promise<Response> {
    return new Response("Not Found", { status: 404 });
  }
}

export default Registry;
