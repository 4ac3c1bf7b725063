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
  if (!c || typeof c !== "object" || !ORIGINS.has(c.origin as string) || !(c.requestId === null || typeof c.requestId === "string")) {
    throw new Error("registry: refused a call without the caller's context");
  }
}

export class Registry extends WorkerEntrypoint<RegistryEnv> implements RegistryService {
  private repos?: DataRepositories;

  private get data(): DataRepositories {
    return (this.repos ??= d1Repositories(this.env.DB));
  }

  images(call: CallContext) {
    checkCall(call);
    return this.data.images;
  }

  imageState(call: CallContext) {
    checkCall(call);
    return this.data.imageState;
  }

  metadefs(call: CallContext) {
    checkCall(call);
    // Not an RpcTarget (one object composed of five entity repositories): sent as its functions.
    return { ...this.data.metadefs };
  }

  members(call: CallContext) {
    checkCall(call);
    return this.data.members;
  }

  tasks(call: CallContext) {
    checkCall(call);
    return this.data.tasks;
  }

  quotaUsage(call: CallContext) {
    checkCall(call);
    return this.data.quotaUsage;
  }

  notificationSink(call: CallContext) {
    checkCall(call);
    return this.data.notificationSink;
  }

  webhooks(call: CallContext) {
    checkCall(call);
    return this.data.webhooks;
  }

  /** No public route: anything reaching fetch() is answered 404. */
  override async fetch(): Promise<Response> {
    return new Response("Not Found", { status: 404 });
  }
}

export default Registry;
