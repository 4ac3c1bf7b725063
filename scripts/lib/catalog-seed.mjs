// Images for the browser scenario (scripts/browser-scenario.mjs), made through the API in
// development auth mode: public and community images with data (the admin publishes), a private
// image that must never be listed, an image of project B shared with project A (pending), and
// one image owned by project A. Every image carries `tag` so the scenario can list just its own.
import { randomBytes } from "node:crypto";

const ADMIN = "admin:admin,member,reader";
const KiB = 1024;

const CATALOG = [
  { name: "Ubuntu 24.04 LTS (Noble Numbat)", visibility: "public", os_distro: "ubuntu", os_version: "24.04", architecture: "x86_64", tags: ["lts", "cloud"], size: 640 * KiB },
  { name: "Ubuntu 22.04 LTS arm64", visibility: "public", os_distro: "ubuntu", os_version: "22.04", architecture: "aarch64", tags: ["lts"], size: 512 * KiB },
  { name: "Debian 12 bookworm", visibility: "public", os_distro: "debian", os_version: "12", architecture: "x86_64", tags: ["stable"], size: 1536 * KiB, download: true },
  { name: "Fedora 41 Cloud Base", visibility: "public", os_distro: "fedora", os_version: "41", architecture: "x86_64", tags: ["cloud"], size: 768 * KiB },
  { name: "Alpine 3.20 virt", visibility: "public", os_distro: "alpine", os_version: "3.20", architecture: "x86_64", tags: [], size: 96 * KiB },
  { name: "CirrOS 0.6.2 test image", visibility: "community", os_distro: "cirros", os_version: "0.6.2", architecture: "x86_64", tags: ["test"], size: 64 * KiB },
  { name: "Rocky Linux 9 GenericCloud", visibility: "community", os_distro: "rocky", os_version: "9", architecture: "x86_64", tags: [], size: 1024 * KiB },
];

/** Creates an image, uploads `size` random bytes; returns the image and its bytes. */
async function imageWithData(api, token, tag, spec) {
  const { size, download: _, tags = [], ...fields } = spec;
  const image = await api("POST", "/v2/images", token, { disk_format: "raw", container_format: "bare", ...fields, tags: [tag, ...tags] });
  const bytes = new Uint8Array(randomBytes(size));
  await api("PUT", `/v2/images/${image.id}/file`, token, bytes, { "Content-Type": "application/octet-stream" });
  return { id: image.id, name: image.name, bytes };
}

/** `api(method, path, token, body?, headers?)` → parsed JSON (throws on an error status). */
export async function seedCatalog(api, { tag, projA, projB, tokenB }) {
  const tokenA = `${projA}:member,reader`;
  const listed = [];
  let download = null;
  for (const spec of CATALOG) {
    const img = await imageWithData(api, ADMIN, tag, spec);
    listed.push(img);
    if (spec.download) download = img;
  }
  const priv = await imageWithData(api, tokenB, tag, { name: `Private build ${tag}`, visibility: "private", size: 32 * KiB });
  const shared = await imageWithData(api, tokenB, tag, { name: `Nightly build shared by ${projB}`, visibility: "shared", size: 128 * KiB });
  await api("POST", `/v2/images/${shared.id}/members`, tokenB, { member: projA });
  const ownA = await imageWithData(api, tokenA, tag, { name: `Team base image ${projA}`, visibility: "private", size: 48 * KiB });
  return { listed, download, private: priv, shared, ownA };
}
