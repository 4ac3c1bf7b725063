// Where an import reads its data from (another Glance, an HTTP(S) URL) and the byte work done on
// the way (metering, image_decompression). The port; the adapter is src/import-sources/, which
// does the fetching (every redirect hop through the URL filter) and the stream reading.

/** The data source failed (unreachable, refused, not 2xx, broke mid-stream): the import fails. */
export class SourceError extends Error {}

export interface Source {
  body: ReadableStream<Uint8Array>;
  /** Bytes announced by the source (Content-Length), or null. */
  length: number | null;
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

/** A source passed on in large reads, counted; `failure()` tells a broken source from a failing store. */
export interface MeteredSource {
  stream: ReadableStream<Uint8Array>;
  failure(): SourceError | null;
}

export interface ImportSources {
  /**
   * GET `uri`, following up to 10 redirects, each hop checked with the import filter; a token in
   * `headers` is dropped as soon as a redirect leaves the first URL's origin. SourceError on failure.
   */
  open(uri: string, what: string, headers?: Record<string, string>): Promise<Source>;
  /** `GET {endpoint}/v2/images/{id}` of another Glance, with the caller's token. */
  remoteImage(endpoint: string, imageId: string, token: string | null): Promise<RemoteImage>;
  /** Counts bytes as they pass (`onBytes(total)`), in reads of about 1 MiB. */
  meter(body: ReadableStream<Uint8Array>, onBytes: (total: number) => void): MeteredSource;
  /** glance image_decompression: gzip or single-file zip data decompressed; other data as it is. */
  decompress(source: Source, containerFormat: string | null): Promise<Source>;
  /**
   * Passes `body` on unchanged while hashing it (location-import's validation_data); at its end the
   * stream fails instead of closing when the digest is not `expected.value`, so what it was
   * written to is never completed.
   */
  verify(body: ReadableStream<Uint8Array>, expected: ExpectedDigest): ReadableStream<Uint8Array>;
}

export const DIGEST_ALGOS = ["md5", "sha1", "sha256", "sha512"] as const;
export type DigestAlgo = (typeof DIGEST_ALGOS)[number];

/** glance validation_data: the digest the data must have (lower-case hex). */
export interface ExpectedDigest {
  algo: DigestAlgo;
  value: string;
}

export const tokenHeader = (token: string | null): Record<string, string> => (token ? { "X-Auth-Token": token } : {});
