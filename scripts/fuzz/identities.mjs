// Who the fuzzer claims to be (tokens, odd identity headers, common headers) and the fixtures its
// requests point at (F: its own images, victims, namespace, upload session, task), filled by setup.mjs.
import { ODD_IDS } from "./blocks.mjs";

export const IDS = {
  owner: { "X-Auth-Token": "fuzzA:member,reader" },
  other: { "X-Auth-Token": "fuzzB:member,reader" },
  admin: { "X-Auth-Token": "admin:admin,member,reader" },
};
export function identity(r) {
  return r.weighted([
    [6, IDS.owner],
    [2, IDS.other],
    [2, IDS.admin],
    [1, { "X-Auth-Token": "fuzzA:reader" }],
    [1, { "X-Project-Id": "fuzzA", "X-Roles": "member,reader", "X-User-Id": "u1" }],
    [1, {}],
    [1, () => ({ "X-Auth-Token": r.pick(["", ":", "::::", "%ZZ", "%3A%2C", "a".repeat(5000), "fuzzA:", ":member", "fuzzA:member:u:extra", "\u00ff\u00fe:member", "fuzzA%3Amember%2Creader"]) })],
    [0.5, () => ({ "X-Roles": r.pick(["admin", "", ",,,", "ADMIN", "member;admin"]), "X-Project-Id": r.pick(["", "fuzzA", "x".repeat(300)]) })],
  ]);
}

export function commonHeaders(r) {
  const h = { ...identity(r) };
  const accept = r.weighted([
    [6, "application/json"],
    [1, "text/html"],
    [1, "*/*"],
    [1, null],
    [1, () => r.pick(["application/json;q=0", "text/html;q=abc, application/json;q=0.5", "application/vnd.openstack.images-v2.9", "garbage", ";;;,,,", "x/y;q=1e400"])],
  ]);
  if (accept !== null) h.Accept = accept;
  if (r.chance(0.05)) h["X-Openstack-Request-ID"] = r.pick(["req-" + r.uuid(), "x".repeat(64), "x".repeat(65), "", "\u00e9"]);
  if (r.chance(0.03)) h["Accept-Language"] = r.pick(["fr", "zz-ZZ", "*", "en;q=abc"]);
  return h;
}

// ---------------------------------------------------------------- fixtures
export const F = {
  images: {}, // name -> id
  victims: [],
  namespace: "fz-ns",
  sessions: [], // { image, id }
  tasks: [],
};

export function imageId(r, { victim = false } = {}) {
  return r.weighted([
    [victim ? 1 : 8, () => r.pick(Object.values(F.images).length ? Object.values(F.images) : [r.uuid()])],
    [victim ? 8 : 0, () => (F.victims.length ? r.pick(F.victims) : r.uuid())],
    [2, () => r.uuid()],
    [2, () => r.pick(ODD_IDS)],
  ]);
}
