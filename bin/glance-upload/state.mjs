// glance-upload's resume state: one small JSON file per image + file identity, kept between runs.
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";

export async function statePath(opts, imageId, file, st) {
  const key = createHash("sha256").update([opts.url, imageId, file, st.size, Math.floor(st.mtimeMs)].join("\0")).digest("hex").slice(0, 32);
  return join(opts.stateDir, `${key}.json`);
}

export async function readState(path) {
  try {
    return JSON.parse(await readFile(path, "utf8"));
  } catch {
    return null;
  }
}
