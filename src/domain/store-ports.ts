// Image data stores (one R2 bucket per store id; adapter: src/store/). Re-exported from ports.ts.

/** One store (an R2 bucket): streaming writes that hash on the way, ranged reads, deletes. */
export interface ObjectStore {
  readonly id: string;
  /**
   * Streams `body` into `key` (never buffering more than one part), computing size, MD5 and
   * SHA-512. Rejects on any failure, leaving no object behind.
   */
  write(key: string, body: ReadableStream<Uint8Array>, options: WriteOptions): Promise<WrittenData>;
  /** The object's bytes (a range of them), or null when there is no such object. */
  read(key: string, options?: ReadOptions): Promise<StoredData | null>;
  delete(keys: string[]): Promise<void>;
  /** Size, MD5 and SHA-512 of a stored object, read through once (null when there is none). */
  digest(key: string, inspect?: ChunkObserver): Promise<WrittenData | null>;
  /** Multipart uploads assembled across requests (upload sessions, imports that pull data). */
  readonly multipart: MultipartUploads;
}

export interface WriteOptions {
  /** Declared length (x-openstack-image-size / Content-Length); null for a chunked body. */
  size: number | null;
  /** More bytes than this fails the write with `tooLarge()`. */
  maxBytes: number;
  tooLarge: () => Error;
  /** Aborting cancels the body and fails the write with the signal's reason. */
  signal?: AbortSignal;
  /** Sees every chunk, in order (the disk format inspector). */
  inspect?: ChunkObserver;
}

export interface ChunkObserver {
  update(chunk: Uint8Array): void;
}

export interface WrittenData {
  size: number;
  md5: string;
  sha512: string;
}

export interface ReadOptions {
  range?: { offset: number; length: number };
  /** Set for data anyone may read (public/community): served through the edge cache under this key. */
  cacheKey?: string;
  /**
   * With `cacheKey`: told once what the edge cache did (a hit, or the fill that followed a miss:
   * the bytes stored, null when nothing was stored). The store keeps the returned promise alive.
   */
  onCache?: (event: CacheEvent) => Promise<void> | void;
}

export type CacheEvent = { hit: true } | { hit: false; stored: number | null };

export interface StoredData {
  body: ReadableStream<Uint8Array>;
  /** Bytes in `body`. */
  length: number;
  /** Bytes the consumer took; settles (never rejects) when the body ends, fails or is cancelled. */
  delivered: Promise<number>;
}

export interface ObjectStores {
  /** null for an unknown store id. */
  get(id: string): ObjectStore | null;
  readonly defaultId: string;
}

/** R2 multipart upload, driven part by part (each part possibly in another request or job). */
export interface MultipartUploads {
  /** Starts a multipart upload of `key`; returns its upload id. */
  create(key: string): Promise<string>;
  /** Streams exactly `length` bytes of `body` as part `partNumber`; returns the part's etag. */
  uploadPart(key: string, uploadId: string, partNumber: number, body: ReadableStream<Uint8Array>, length: number): Promise<string>;
  /** Assembles the parts (ascending part numbers); returns the object's size. */
  complete(key: string, uploadId: string, parts: { partNumber: number; etag: string }[]): Promise<number>;
  /** Drops the upload and every part uploaded so far. */
  abort(key: string, uploadId: string): Promise<void>;
  /** A presigned S3 request for one part (bytes straight to R2), or null when no S3 credentials are set. */
  presignPart(key: string, uploadId: string, partNumber: number, length: number, expiresSeconds: number): Promise<PresignedRequest | null>;
  /** True when presignPart can answer (S3-compatible credentials configured for this store). */
  readonly direct: boolean;
}

export interface PresignedRequest {
  method: "PUT";
  url: string;
  /** Headers the request must carry exactly (they are signed). */
  headers: Record<string, string>;
  expiresAt: string;
}
