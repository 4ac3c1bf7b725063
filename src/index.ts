// The Worker's entry: HTTP (the Hono app), the queue consumer and the image's Durable Object,
// all built by src/wiring.ts.
import { negotiateVersion } from "./api/app";
import { errorResponse } from "./api/errors";
import { app, handleQueue } from "./wiring";

export { ImageObject, ProjectBookmarks } from "./wiring";

export default {
  fetch: (request, env, ctx) =>
    // A request target that is not a path (`OPTIONS *`) reaches a Worker listening on its own
    // socket (npm start) as "http://host:port*", which is no URL: 400, not a 500 from new URL().
    URL.canParse(request.url)
      ? app.fetch(negotiateVersion(request, env), env, ctx)
      : errorResponse(request.headers.get("Accept") ?? undefined, 400, "The request target is not a path."),
  // An HTTP CONNECT to a Worker's own socket (npm start): workerd has already answered 200 and
  // hands over the tunnel; without this handler it logs an uncaught error. Nothing is tunnelled:
  // the tunnel is closed at once. (Deployed, Cloudflare's edge answers CONNECT itself.)
  connect: (socket) => socket.close(),
  queue: handleQueue,
} satisfies ExportedHandler<Env>;
