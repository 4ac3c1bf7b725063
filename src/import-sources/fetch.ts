// Remote reads for imports (web-download, glance-download). Redirects are followed by hand, so
// every hop passes the URL filter (Glance's SafeRedirectHandler re-validates each hop the same
// way), and a token is only sent to the origin it was meant for.
import { checkImportUri } from "../domain/imports/url-filter";
import { type RemoteImage, type Source, SourceError, tokenHeader } from "../domain/imports/sources";
import type { ImportFilter } from "../domain/settings";

const MAX_REDIRECTS = 10;
/** Time allowed until the response headers arrive. */
const HEADERS_TIMEOUT_MS = 60_000;

/**
 * GET `uri`, following up to 10 redirects, each target checked with the import filter. A token
 * in `headers` is dropped as soon as a redirect leaves the first URL's origin.
 */
export async function fetchFiltered(uri: string, filter: ImportFilter, what: string, headers: Record<string, string> = {}, signal?: AbortSignal): Promise<Response> {
  let url = uri;
  let sent = { ...headers };
  const origin = safeOrigin(uri);
  for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
    const check = checkImportUri(url, filter);
    if (!check.ok) throw new SourceError(`URI for ${what} does not pass filtering: ${check.reason}`);
    if (check.url.origin !== origin) sent = {};
    let res: Response;
    try {
      const timeout = AbortSignal.timeout(HEADERS_TIMEOUT_MS);
      res = await fetch(check.url.href, { headers: sent, redirect: "manual", signal: signal ? AbortSignal.any([signal, timeout]) : timeout });
    } catch (e) {
      if (signal?.aborted) throw signal.reason;
      throw new SourceError(`Failed to reach ${check.url.href} for ${what}: ${String((e as Error).message ?? e)}`);
    }
    const location = res.headers.get("Location");
    if (res.status >= 300 && res.status < 400 && location) {
      await res.body?.cancel().catch(() => {});
      try {
        url = new URL(location, check.url).href;
      } catch {
        throw new SourceError(`${what}: bad redirect from ${check.url.href} to ${location}`);
      }
      continue;
    }
    if (!res.ok) {
      await res.body?.cancel().catch(() => {});
      throw new SourceError(`${what}: ${check.url.href} answered ${res.status} ${res.statusText}`.trim());
    }
    return res;
  }
  throw new SourceError(`${what}: more than ${MAX_REDIRECTS} redirects from ${uri}`);
}

function safeOrigin(uri: string): string | null {
  try {
    return new URL(uri).origin;
  } catch {
    return null;
  }
}

/** A response's body as a source (Content-Length only when the body is not re-encoded). */
export function responseSource(res: Response): Source {
  const raw = res.headers.get("Content-Length");
  const encoded = (res.headers.get("Content-Encoding") ?? "identity") !== "identity";
  const length = raw !== null && /^\d{1,16}$/.test(raw) && !encoded ? Number(raw) : null;
  return { body: res.body ?? new Blob([]).stream(), length };
}

export async function fetchRemoteImage(endpoint: string, imageId: string, token: string | null, filter: ImportFilter, signal?: AbortSignal): Promise<RemoteImage> {
  const res = await fetchFiltered(`${endpoint}/v2/images/${imageId}`, filter, "glance-download", tokenHeader(token), signal);
  let data: Record<string, unknown>;
  try {
    data = (await res.json()) as Record<string, unknown>;
  } catch {
    throw new SourceError(`glance-download: the remote image ${imageId} metadata is not JSON`);
  }
  const size = Number(data.size);
  return {
    status: String(data.status),
    diskFormat: String(data.disk_format),
    containerFormat: String(data.container_format),
    size: data.size === null || data.size === undefined || !Number.isSafeInteger(size) ? null : size,
    osHashAlgo: typeof data.os_hash_algo === "string" ? data.os_hash_algo : null,
    osHashValue: typeof data.os_hash_value === "string" ? data.os_hash_value : null,
    raw: data,
  };
}
