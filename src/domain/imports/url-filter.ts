// Which URLs an import may fetch (glance/common/utils.py get_validated_address, with
// [import_filtering_opts] as settings.importFilter). Glance resolves the host and pins the
// connection to an allowed address; a Worker cannot resolve names, so this checks what the URL
// itself says: the scheme, the port, the host against the allow/deny lists, and refuses every
// address literal (IPv4 in any spelling the URL parser accepts, IPv6, IPv4 inside IPv6) and
// every name that points into the machine or its private networks: loopback, private, CGNAT,
// link-local (cloud metadata), multicast, reserved. An operator's allowed_hosts entry is
// trusted as written (Glance does the same), which is how a local test server is let in.
import type { ImportFilter } from "../settings";

export type UriCheck = { ok: true; url: URL } | { ok: false; reason: string };

/** Names that always mean "this machine" or a cloud's metadata service. */
const INTERNAL_NAMES = new Set(["localhost", "metadata", "metadata.google.internal", "metadata.goog", "instance-data", "instance-data.ec2.internal"]);
const INTERNAL_SUFFIXES = [".localhost", ".local", ".localdomain", ".internal", ".home.arpa", ".intranet", ".lan"];

/** glance [import_filtering_opts] as configured (snake_case lists) → the filter; names lower-cased. */
export function importFilterOf(o: Record<`${"allowed" | "disallowed"}_${"schemes" | "hosts"}`, string[]> & Record<`${"allowed" | "disallowed"}_ports`, number[]>): ImportFilter {
  const lower = (xs: string[]) => xs.map((x) => x.toLowerCase());
  return {
    allowedSchemes: lower(o.allowed_schemes),
    disallowedSchemes: lower(o.disallowed_schemes),
    allowedHosts: lower(o.allowed_hosts),
    disallowedHosts: lower(o.disallowed_hosts),
    allowedPorts: o.allowed_ports,
    disallowedPorts: o.disallowed_ports,
  };
}

/** The host as Glance compares it: lower case, IPv6 without brackets, no trailing dot. */
export function normalizeHost(host: string): string {
  return host.toLowerCase().replace(/^\[(.*)\]$/, "$1").replace(/\.$/, "");
}

/** Checks `uri` against the filter; only http(s) can be fetched at all. */
export function checkImportUri(uri: unknown, filter: ImportFilter): UriCheck {
  if (typeof uri !== "string" || uri === "") return { ok: false, reason: "empty external URI" };
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return { ok: false, reason: `not a valid URI: ${uri}` };
  }
  const scheme = url.protocol.replace(/:$/, "");
  const schemeRefused =
    (filter.allowedSchemes.length > 0 && !filter.allowedSchemes.includes(scheme)) ||
    (filter.allowedSchemes.length === 0 && filter.disallowedSchemes.includes(scheme));
  if (schemeRefused || (scheme !== "http" && scheme !== "https")) return { ok: false, reason: `scheme not allowed for external URI: ${uri}` };
  const host = normalizeHost(url.hostname);
  const allowList = filter.allowedHosts.map(normalizeListedHost);
  const listed = allowList.includes(host);
  if (host === "" || (allowList.length > 0 && !listed) || (allowList.length === 0 && filter.disallowedHosts.map(normalizeListedHost).includes(host))) {
    return { ok: false, reason: `host not allowed for external URI: ${uri}` };
  }
  if (url.port !== "") {
    const p = Number(url.port);
    const portRefused = filter.allowedPorts.length > 0 ? !filter.allowedPorts.includes(p) : filter.disallowedPorts.includes(p);
    if (portRefused) return { ok: false, reason: `port not allowed for external URI: ${uri}` };
  }
  if (!listed && isInternalHost(host)) return { ok: false, reason: `no allowed addresses for external host: ${url.hostname}` };
  return { ok: true, url };
}

/** Allow/deny list entries in the same form the URL parser gives hosts ("127.1" → "127.0.0.1"). */
function normalizeListedHost(entry: string): string {
  const bare = normalizeHost(entry.trim());
  try {
    return normalizeHost(new URL(`http://${bare.includes(":") ? `[${bare}]` : bare}/`).hostname);
  } catch {
    return bare;
  }
}

/**
 * True for hosts that name the local machine, a private network or a metadata service. `host`
 * is normalized (see normalizeHost); IPv4 literals are already dotted-decimal (the URL parser
 * turns 2130706433, 0x7f.1 and 127.1 into 127.0.0.1).
 */
export function isInternalHost(host: string): boolean {
  const h = normalizeHost(host);
  if (INTERNAL_NAMES.has(h) || INTERNAL_SUFFIXES.some((s) => h.endsWith(s))) return true;
  const v4 = parseIPv4(h);
  if (v4) return isInternalV4(v4);
  if (h.includes(":")) {
    const v6 = parseIPv6(h);
    return v6 === null || isInternalV6(v6);
  }
  // A single-label name is resolved through local search domains: an intranet name.
  if (!h.includes(".")) return true;
  // Anything else that looks numeric is an address spelling the URL parser did not canonicalize.
  return /^[0-9.]+$/.test(h) || /^0x/i.test(h);
}

function parseIPv4(h: string): number[] | null {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(h);
  if (!m) return null;
  const b = m.slice(1).map(Number);
  return b.every((x) => x <= 255) ? b : null;
}

function isInternalV4([a, b, c]: number[]): boolean {
  return (
    a === 0 || // "this network"
    a === 10 ||
    a === 127 ||
    (a === 100 && b >= 64 && b <= 127) || // CGNAT
    (a === 169 && b === 254) || // link-local, cloud metadata (169.254.169.254)
    (a === 172 && b >= 16 && b <= 31) ||
    (a === 192 && b === 168) ||
    (a === 192 && b === 0 && c === 0) || // IETF protocol assignments (192.0.0.192 metadata)
    (a === 198 && (b === 18 || b === 19)) || // benchmarking
    a >= 224 // multicast, reserved, broadcast
  );
}

/** Sixteen bytes of an IPv6 literal (an IPv4 tail such as ::ffff:1.2.3.4 allowed), or null. */
function parseIPv6(h: string): number[] | null {
  let text = h.split("%")[0];
  const lastColon = text.lastIndexOf(":");
  const last = text.slice(lastColon + 1);
  if (last.includes(".")) {
    const v4 = parseIPv4(last);
    if (!v4) return null;
    text = `${text.slice(0, lastColon + 1)}${((v4[0] << 8) | v4[1]).toString(16)}:${((v4[2] << 8) | v4[3]).toString(16)}`;
  }
  const halves = text.split("::");
  if (halves.length > 2) return null;
  const words = (s: string) => (s === "" ? [] : s.split(":").map((w) => (/^[0-9a-f]{1,4}$/.test(w) ? parseInt(w, 16) : NaN)));
  const head = words(halves[0]);
  const tail = halves.length === 2 ? words(halves[1]) : [];
  if ([...head, ...tail].some(Number.isNaN)) return null;
  const fill = 8 - head.length - tail.length;
  if (halves.length === 2 ? fill < 1 : fill !== 0) return null;
  return [...head, ...Array<number>(fill).fill(0), ...tail].flatMap((w) => [w >> 8, w & 255]);
}

function isInternalV6(b: number[]): boolean {
  const zeros = (from: number, to: number) => b.slice(from, to).every((x) => x === 0);
  if (zeros(0, 16)) return true; // ::
  if (zeros(0, 15) && b[15] === 1) return true; // ::1
  if (zeros(0, 10) && b[10] === 0xff && b[11] === 0xff) return isInternalV4(b.slice(12)); // ::ffff:a.b.c.d
  if (zeros(0, 12)) return isInternalV4(b.slice(12)); // ::a.b.c.d (IPv4-compatible)
  if (b[0] === 0x00 && b[1] === 0x64 && b[2] === 0xff && b[3] === 0x9b) return isInternalV4(b.slice(12)); // NAT64 64:ff9b::/96
  if (b[0] === 0x20 && b[1] === 0x02) return isInternalV4(b.slice(2, 6)); // 6to4 2002::/16
  if ((b[0] & 0xfe) === 0xfc) return true; // unique local fc00::/7 (AWS metadata fd00:ec2::254)
  if (b[0] === 0xfe && (b[1] & 0xc0) === 0x80) return true; // link-local fe80::/10
  if (b[0] === 0xfe && (b[1] & 0xc0) === 0xc0) return true; // site-local fec0::/10
  if (b[0] === 0xff) return true; // multicast
  if (b[0] === 0x20 && b[1] === 0x01 && b[2] === 0x0d && b[3] === 0xb8) return true; // documentation
  return false;
}
