import { app, negotiateVersion } from "./app";
import { handleQueue } from "./queues/consumer";

export { ImageObject } from "./durable-objects/image-object";

export default {
  fetch: (request, env, ctx) => app.fetch(negotiateVersion(request), env, ctx),
  queue: handleQueue,
} satisfies ExportedHandler<Env>;
