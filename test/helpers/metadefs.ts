import { ADMIN, call, json } from "./api";

// Shared by the metadefs-namespaces-*.test.ts and metadefs-contents-*.test.ts files.
export const uniq = (p = "ns") => `${p}-${crypto.randomUUID().slice(0, 8)}`;
export const md = (method: string, path: string, o: Parameters<typeof call>[2] = {}) => call(method, `/v2/metadefs${path}`, { token: ADMIN, ...o });
export const create = async (body: Record<string, unknown>, token = ADMIN) => {
  const r = await md("POST", "/namespaces", { body, token });
  if (r.status !== 201) throw new Error(`create ${r.status}: ${await r.text()}`);
  return r.json() as Promise<any>;
};
export const message = async (r: Response) => (await json(r)).message as string;

export const FULL = {
  display_name: "Full",
  description: "everything",
  resource_type_associations: [
    { name: "OS::Glance::Image", prefix: "hw_" },
    { name: "OS::Nova::Flavor", prefix: "hw:", properties_target: "flavor" },
  ],
  properties: {
    cpu_policy: { title: "CPU policy", type: "string", enum: ["dedicated", "shared"], default: "shared" },
    threads: { title: "Threads", type: "integer", minimum: 1, maximum: 8, default: 2 },
  },
  objects: [{ name: "Obj", description: "o", required: ["x"], properties: { x: { title: "X", type: "boolean" } } }],
  tags: [{ name: "t1" }, { name: "t2" }],
};

/** A private namespace of projA, a public one of projA and a protected one; returns their paths. */
export async function fixtures() {
  const priv = uniq("priv");
  const pub = uniq("pub");
  const prot = uniq("prot");
  const content = {
    objects: [{ name: "o" }],
    properties: { p: { title: "P", type: "string" } },
    tags: [{ name: "x" }],
    resource_type_associations: [{ name: "OS::Glance::Image", prefix: "img_" }],
  };
  for (const body of [
    { namespace: priv, owner: "projA", ...content },
    { namespace: pub, owner: "projA", visibility: "public", ...content },
    { namespace: prot, owner: "projA", protected: true, ...content },
  ]) {
    const r = await md("POST", "/namespaces", { body });
    if (r.status !== 201) throw new Error(await r.text());
  }
  return { priv: `/namespaces/${priv}`, pub: `/namespaces/${pub}`, prot: `/namespaces/${prot}`, names: { priv, pub, prot } };
}
