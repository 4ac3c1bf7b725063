// The fuzzer's fixtures: its own images (queued, active, empty, public, shared, community,
// deactivated, protected, victims), a metadefs namespace, an upload session and a task, put into F.
import { Rng, hash32 } from "./rng.mjs";
import { IDS, F } from "./identities.mjs";

/** Makes the fixtures through `send` (see transport.mjs); image bytes come from (seed, "fixtures"). */
export async function setup(send, seed) {
  async function api(method, path, { token = IDS.owner, body, type = "application/json", headers = {} } = {}) {
    const h = { ...token, Accept: "application/json", ...headers };
    let b;
    if (body !== undefined) {
      b = Buffer.isBuffer(body) ? body : Buffer.from(JSON.stringify(body));
      h["Content-Type"] = type;
    }
    const res = await send({ method, path, headers: h, body: b });
    let json = null;
    try {
      json = JSON.parse(res.snippet);
    } catch {}
    return { ...res, json };
  }
  const create = async (name, extra = {}, token = IDS.owner) => {
    const r = await api("POST", "/v2/images", { token, body: { name: `fz-${name}`, disk_format: "raw", container_format: "bare", ...extra } });
    if (r.status !== 201) throw new Error(`setup: creating ${name} answered ${r.status} ${r.error ?? ""} ${r.snippet?.slice(0, 200) ?? ""}`);
    return r.json.id;
  };
  const upload = (id, bytes, token = IDS.owner) => api("PUT", `/v2/images/${id}/file`, { token, body: bytes, type: "application/octet-stream" });
  const seedRng = new Rng(hash32(seed, "fixtures"));
  F.images.queued = await create("queued", { tags: ["a", "b"], fz_prop: "v" });
  F.images.active = await create("active", { os_distro: "debian" });
  await upload(F.images.active, seedRng.bytes(3000));
  F.images.empty = await create("empty");
  await upload(F.images.empty, Buffer.alloc(0));
  F.images.public = await create("public", { visibility: "public", owner: "fuzzA" }, IDS.admin);
  await upload(F.images.public, seedRng.bytes(2000), IDS.admin);
  F.images.shared = await create("shared", { visibility: "shared" });
  await api("POST", `/v2/images/${F.images.shared}/members`, { body: { member: "fuzzB" } });
  F.images.community = await create("community", { visibility: "community" });
  F.images.deactivated = await create("deactivated");
  await upload(F.images.deactivated, seedRng.bytes(100));
  await api("POST", `/v2/images/${F.images.deactivated}/actions/deactivate`);
  F.images.protected = await create("protected", { protected: true });
  for (let i = 0; i < 8; i++) F.victims.push(await create(`victim-${i}`));
  const ns = await api("POST", "/v2/metadefs/namespaces", { token: IDS.admin, body: { namespace: F.namespace, visibility: "public", objects: [{ name: "obj1", properties: { p: { title: "p", type: "string" } } }], properties: { prop1: { title: "p", type: "integer" } }, tags: [{ name: "tag1" }] } });
  if (ns.status !== 201 && ns.status !== 409) console.error(`setup: namespace answered ${ns.status}`);
  const sessImage = await create("session");
  const s = await api("POST", `/v2/images/${sessImage}/upload-sessions`, { body: { size: 1000 } });
  if (s.status === 201 && s.json) F.sessions.push({ image: sessImage, id: s.json.id });
  else console.error(`setup: upload session answered ${s.status}`);
  const t = await api("POST", "/v2/tasks", { token: IDS.admin, body: { type: "import", input: { import_from: "http://example.invalid/x.img", import_from_format: "raw", image_properties: { disk_format: "raw", container_format: "bare" } } } });
  if (t.status === 201 && t.json) F.tasks.push(t.json.id);
}
