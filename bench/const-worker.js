// The runtime's ceiling for bench/run.sh: a Worker that answers a constant, served the way
// `npm start` serves the service (scripts/serve.mjs), so req/s here is what workerd itself allows.
export default {
  fetch() {
    return new Response("ok");
  },
};
