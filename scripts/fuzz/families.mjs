// The route families with their weights, and generate(): request i as a function of (seed, i),
// the fixtures in F and the target service (host, port; used by raw requests).
import { Rng, hash32 } from "./rng.mjs";
import { gen_images, gen_patch, gen_list, gen_data } from "./gen-images.mjs";
import { gen_import, gen_members, gen_tasks, gen_metadefs } from "./gen-more.mjs";
import { gen_schemas, gen_info, gen_stores, gen_sessions, gen_versions, gen_odd } from "./gen-misc.mjs";

export const FAMILIES = {
  images: [10, gen_images],
  patch: [8, gen_patch],
  list: [8, gen_list],
  "image-data": [8, gen_data],
  import: [5, gen_import],
  members: [5, gen_members],
  tasks: [4, gen_tasks],
  metadefs: [10, gen_metadefs],
  schemas: [2, gen_schemas],
  info: [2, gen_info],
  stores: [2, gen_stores],
  "upload-sessions": [5, gen_sessions],
  versions: [3, gen_versions],
  odd: [6, gen_odd],
};

/** Request i of `seed`; `target` is { host, port } of the service. */
export function generate(seed, i, target) {
  const r = new Rng(hash32(seed, i));
  const family = r.weighted(Object.entries(FAMILIES).map(([name, [w]]) => [w, name]));
  const req = FAMILIES[family][1](r, target);
  return { index: i, family, ...req };
}
