// The Worker's entry: HTTP (the Hono app), the queue consumer and the image's Durable Object,
// all built by src/wiring.ts.
import { negotiateVersion } from "./api/app";
import { app, handleQueue } from "./wiring";

export { ImageObject } from "./wiring";

export default {
  fetch: (request, env, ctx) => app.fetch(negotiateVersion(request, env), env, ctx),
  queue: handleQueue,
} satisfies ExportedHandler<Env>;
