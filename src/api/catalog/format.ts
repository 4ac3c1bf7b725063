// Text the catalog pages show: sizes, dates, file names, the command lines, the paging links.
import type { Image } from "../../domain/images/image";
import type { CatalogQuery } from "../../domain/catalog/browse";
import { DEFAULT_LIMIT } from "../../domain/catalog/browse";

const UNITS = ["bytes", "KiB", "MiB", "GiB", "TiB", "PiB"];

/** 1536 → "1.5 KiB"; null → "—". */
export function humanSize(bytes: number | null): string {
  if (bytes === null) return "—";
  if (bytes < 1024) return `${bytes} ${bytes === 1 ? "byte" : "bytes"}`;
  let v = bytes;
  let u = 0;
  while (v >= 1024 && u < UNITS.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v >= 100 ? v.toFixed(0) : v.toFixed(1)} ${UNITS[u]}`;
}

/** "2024-03-01T10:00:00Z" → "2024-03-01 10:00 UTC". */
export function shortDate(iso: string): string {
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})/.exec(iso);
  return m ? `${m[1]} ${m[2]} UTC` : iso;
}

const EXTENSIONS: Record<string, string> = { raw: "img", qcow2: "qcow2", vmdk: "vmdk", vdi: "vdi", vhd: "vhd", vhdx: "vhdx", iso: "iso", ploop: "hds" };

/** A safe local file name for the download: the image's name (or id) and its format's extension. */
export function fileName(image: Pick<Image, "id" | "name" | "diskFormat">): string {
  const base = (image.name ?? "").replace(/[^A-Za-z0-9._-]+/g, "-").replace(/^[-.]+|[-.]+$/g, "").slice(0, 80) || image.id;
  const ext = EXTENSIONS[image.diskFormat ?? ""] ?? image.diskFormat ?? "img";
  return base.toLowerCase().endsWith(`.${ext}`) ? base : `${base}.${ext}`;
}

/** POSIX shell quoting, only when needed. */
export function shellQuote(s: string): string {
  return /^[A-Za-z0-9._\/:=@%+-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** The command lines the image page offers to copy. */
export function commandsFor(image: Pick<Image, "id" | "name" | "diskFormat">, downloadUrl: string): { label: string; command: string }[] {
  const file = shellQuote(fileName(image));
  return [
    { label: "openstack (download)", command: `openstack image save --file ${file} ${image.id}` },
    { label: "glance (download)", command: `glance image-download --file ${file} ${image.id}` },
    { label: "openstack (details)", command: `openstack image show ${image.id}` },
    { label: "glance (details)", command: `glance image-show ${image.id}` },
    { label: "curl (the download link)", command: `curl -fL -o ${file} ${shellQuote(downloadUrl)}` },
  ];
}

/** The list page's query string for `q` with some fields changed (defaults left out, so links stay short). */
export function catalogHref(q: CatalogQuery, change: Partial<CatalogQuery>): string {
  const v = { ...q, ...change };
  const p = new URLSearchParams();
  if (v.q) p.set("q", v.q);
  if (v.tag) p.set("tag", v.tag);
  if (v.diskFormat) p.set("disk_format", v.diskFormat);
  if (v.containerFormat) p.set("container_format", v.containerFormat);
  for (const [k, val] of Object.entries(v.properties)) if (val) p.set(k, val);
  if (v.visibility !== "all") p.set("visibility", v.visibility);
  if (v.sort !== "newest") p.set("sort", v.sort);
  if (v.limit !== DEFAULT_LIMIT) p.set("limit", String(v.limit));
  if (v.after) p.set("after", v.after);
  if (v.before) p.set("before", v.before);
  const s = p.toString();
  return s ? `/catalog?${s}` : "/catalog";
}

/** What the visitor filtered on, in words ("name contains “ubuntu”, tag lts"). */
export function describeFilters(q: CatalogQuery): string {
  const parts: string[] = [];
  if (q.q) parts.push(`name contains “${q.q}”`);
  if (q.tag) parts.push(`tag ${q.tag}`);
  if (q.diskFormat) parts.push(`disk format ${q.diskFormat}`);
  if (q.containerFormat) parts.push(`container format ${q.containerFormat}`);
  for (const [k, v] of Object.entries(q.properties)) parts.push(`${k} ${v}`);
  if (q.visibility !== "all") parts.push(`${q.visibility} only`);
  return parts.join(", ");
}
