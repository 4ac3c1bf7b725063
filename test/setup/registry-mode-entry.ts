// The test Worker of the registry-mode project (test/wrangler.registry-mode.toml): the API Worker
// plus the registry's entrypoint in one script, so that the REGISTRY Service Binding can point at
// itself (the two deployed Workers are src/index.ts and src/registry/index.ts).
export { default, ImageObject, ProjectBookmarks } from "../../src/index";
export { Registry } from "../../src/registry";
