// Where an import reads its data from: another Glance, an HTTP(S) URL, or an object in a store.
// Remote reads follow redirects by hand, so every hop passes the URL filter (Glance's
// SafeRedirectHandler re-validates each hop the same way), and a token is only sent to the origin
// it was meant for.
import type { ImportFilter } from "../settings";
import { checkImportUri } from "./url-filter";

/** The data source failed (unreachable, refused, not 2xx, broke mid-stream): the import fails. */
export class SourceError extends Error {}

export interface Source {
  body: ReadableStream<Uint8Array>;
  /** Bytes announced by the source (Content-Length), or null. */
  length: number | null;
}

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

/** Remote image metadata a glance-download needs (glance _ImportMetadata). */
export interface RemoteImage {
  status: string;
  diskFormat: string;
  containerFormat: string;
  /** null when the remote image does not say (the import fails then). */
  size: number | null;
  osHashAlgo: string | null;
  osHashValue: string | null;
  /** Every top-level key of the remote image (the caller picks the properties it copies). */
  raw: Record<string, unknown>;
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

export const tokenHeader = (token: string | null): Record<string, string> => (token ? { "X-Auth-Token": token } : {});

const READ_SIZE = 1 << 20;

/**
 * Passes `source` on in reads of up to 1 MiB (little JS per byte), counting bytes for `onBytes`.
 * `failure()` tells a failure of the source itself (then a SourceError) from one of the store the
 * stream is written to.
 */
export function metered(
  source: ReadableStream<Uint8Array>,
  onBytes: (total: number) => void,
): { stream: ReadableStream<Uint8Array>; failure: () => SourceError | null } {
  let byob: ReadableStreamBYOBReader | null = null;
  try {
    byob = source.getReader({ mode: "byob" });
  } catch {
    byob = null;
  }
  const reader = byob ?? source.getReader();
  let total = 0;
  let failed: SourceError | null = null;
  const stream = new ReadableStream<Uint8Array>(
    {
      async pull(c) {
        let r: ReadableStreamReadResult<Uint8Array>;
        try {
          r = byob ? await byob.readAtLeast(READ_SIZE, new Uint8Array(READ_SIZE)) : await (reader as ReadableStreamDefaultReader<Uint8Array>).read();
        } catch (e) {
          failed = new SourceError(`Reading the image data failed: ${String((e as Error).message ?? e)}`);
          c.error(failed);
          return;
        }
        if (r.value && r.value.byteLength > 0) {
          total += r.value.byteLength;
          c.enqueue(r.value);
          onBytes(total);
        }
        if (r.done) c.close();
      },
      cancel(reason) {
        return reader.cancel(reason);
      },
    },
    { highWaterMark: 0 },
  );
  return { stream, failure: () => failed };
}
