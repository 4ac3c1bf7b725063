import { DomainError, badRequest, serviceUnavailable } from "../domain/errors";
import type { ChunkObserver, ObjectStore, ReadOptions, StoredData, WriteOptions, WrittenData } from "../domain/ports";
import { Hasher, countedStream, readChunks, toHex } from "../platform/streams";
import type { EdgeCache } from "./edge-cache";
import { R2MultipartUploads, hashObject, md5Of } from "./multipart";
import type { S3Presigner } from "./presign";

/** Parts of a multipart upload (R2: >= 5 MiB, equal except the last). At most two in memory. */
export const PART_SIZE = 16 << 20;
/** Above this a known-length body also goes multipart (R2's single put stops near 5 GiB). */
const SINGLE_PUT_MAX = 4 * 1024 ** 3;

/** Marks a failure of the request body (client gone, broken stream) apart from store failures. */
class BodyError extends Error {}

/** The body in 1 MiB chunks read into one buffer: each is hashed, inspected and written (or copied) before the next. */
async function* guarded(body: ReadableStream<Uint8Array>, signal?: AbortSignal): AsyncGenerator<Uint8Array> {
  const it = readChunks(body, signal, { reuse: true });
  for (;;) {
    let r: IteratorResult<Uint8Array>;
    try {
      r = await it.next();
    } catch (e) {
      if (signal?.aborted && e === signal.reason) throw e;
      throw new BodyError(String(e));
    }
    if (r.done) return;
    yield r.value;
  }
}

/** ObjectStore over one R2 bucket. */
export class R2ObjectStore implements ObjectStore {
  readonly multipart: R2MultipartUploads;

  constructor(
    readonly id: string,
    private readonly bucket: R2Bucket,
    private readonly cache: EdgeCache | null = null,
    presigner: S3Presigner | null = null,
  ) {
    this.multipart = new R2MultipartUploads(bucket, presigner);
  }

  digest(key: string, inspect?: ChunkObserver): Promise<WrittenData | null> {
    return hashObject(this.bucket, key, inspect);
  }

  async write(key: string, body: ReadableStream<Uint8Array>, o: WriteOptions): Promise<WrittenData> {
    const single = o.size !== null && o.size <= SINGLE_PUT_MAX;
    // R2 computes the MD5 of a single put itself (its checksums.md5, the etag): not a second time here.
    const hasher = new Hasher({ md5: !single });
    try {
      if (o.size !== null && single) {
        const { size, md5 } = await this.putKnownLength(key, body, o.size, o, hasher);
        const { sha512 } = await hasher.digests();
        return { size, sha512, md5: md5 ?? (await md5Of(this.bucket, key)) };
      }
      const size = await this.putInParts(key, body, o, hasher);
      const { md5, sha512 } = await hasher.digests();
      return { size, sha512, md5: md5 as string };
    } catch (e) {
      hasher.abort();
      await this.bucket.delete(key).catch(() => {});
      if (e instanceof BodyError) throw badRequest(`Error reading the image data from the request: ${e.message}`);
      if (e instanceof DomainError || (o.signal?.aborted && e === o.signal.reason)) throw e;
      throw this.storeError(e);
    }
  }

  private storeError(e: unknown): Error {
    console.error(`store ${this.id}: write failed: ${String(e)}`);
    return serviceUnavailable(`Error writing the image data to store ${this.id}.`);
  }

  /**
   * One put of a FixedLengthStream fed chunk by chunk: R2 needs the length up front. Returns the
   * MD5 R2 computed (null if it gave none: the caller then reads the object back for it).
   */
  private async putKnownLength(
    key: string,
    body: ReadableStream<Uint8Array>,
    size: number,
    o: WriteOptions,
    hasher: Hasher,
  ): Promise<{ size: number; md5: string | null }> {
    const fixed = new FixedLengthStream(size);
    const writer = fixed.writable.getWriter();
    const put = this.bucket.put(key, fixed.readable, { httpMetadata: { contentType: "application/octet-stream" } });
    // A failed put fails the pending write too, instead of leaving it waiting forever.
    const putFailed = put.then(
      () => new Promise<never>(() => {}),
      (e) => Promise.reject(e),
    );
    putFailed.catch(() => {});
    let total = 0;
    try {
      for await (const chunk of guarded(body, o.signal)) {
        total += chunk.byteLength;
        if (total > o.maxBytes) throw o.tooLarge();
        if (total > size) throw sizeMismatch(total, size);
        await hasher.update(chunk);
        o.inspect?.update(chunk);
        await Promise.race([quiet(writer.write(chunk)), putFailed]);
      }
      if (total !== size) throw sizeMismatch(total, size);
      await Promise.race([quiet(writer.close()), putFailed]);
      const md5 = (await put)?.checksums.md5;
      return { size: total, md5: md5 ? toHex(md5) : null };
    } catch (e) {
      writer.abort(e).catch(() => {});
      await put.catch(() => {});
      throw e;
    }
  }

  /**
   * Unknown length (chunked body) or a huge one: fixed-size parts, each filled in memory and sent
   * while the next fills. A body that fits in one part is a single put.
   */
  private async putInParts(key: string, body: ReadableStream<Uint8Array>, o: WriteOptions, hasher: Hasher): Promise<number> {
    let part = new Uint8Array(PART_SIZE);
    let fill = 0;
    let total = 0;
    let upload: R2MultipartUpload | null = null;
    const parts: R2UploadedPart[] = [];
    let inflight: Promise<void> = Promise.resolve();
    const send = async (bytes: Uint8Array) => {
      upload ??= await this.bucket.createMultipartUpload(key, { httpMetadata: { contentType: "application/octet-stream" } });
      await inflight;
      const mpu: R2MultipartUpload = upload;
      const n = parts.length + 1;
      parts.push({ partNumber: n, etag: "" });
      inflight = mpu.uploadPart(n, bytes).then((p) => {
        parts[n - 1] = p;
      });
      inflight.catch(() => {});
    };
    try {
      for await (const chunk of guarded(body, o.signal)) {
        total += chunk.byteLength;
        if (total > o.maxBytes) throw o.tooLarge();
        if (o.size !== null && total > o.size) throw sizeMismatch(total, o.size);
        await hasher.update(chunk);
        o.inspect?.update(chunk);
        let at = 0;
        while (at < chunk.byteLength) {
          const n = Math.min(chunk.byteLength - at, PART_SIZE - fill);
          part.set(chunk.subarray(at, at + n), fill);
          fill += n;
          at += n;
          if (fill === PART_SIZE) {
            await send(part);
            part = new Uint8Array(PART_SIZE);
            fill = 0;
          }
        }
      }
      if (o.size !== null && total !== o.size) throw sizeMismatch(total, o.size);
      if (!upload) {
        await this.bucket.put(key, part.subarray(0, fill), { httpMetadata: { contentType: "application/octet-stream" } });
        return total;
      }
      if (fill > 0) await send(part.subarray(0, fill));
      await inflight;
      await (upload as R2MultipartUpload).complete(parts);
      return total;
    } catch (e) {
      await inflight.catch(() => {});
      if (upload) await (upload as R2MultipartUpload).abort().catch(() => {});
      throw e;
    }
  }

  async read(key: string, options: ReadOptions = {}): Promise<StoredData | null> {
    const { range, cacheKey, onCache } = options;
    try {
      if (cacheKey && this.cache) return await this.cache.read(cacheKey, range, (r) => this.bucket.get(key, r ? { range: r } : undefined), onCache);
      // No edge cache here (the queue consumer without one, a runtime without the Cache API): nothing is stored.
      if (cacheKey && onCache) await Promise.resolve(onCache({ hit: false, stored: null })).catch(() => {});
      const obj = await this.bucket.get(key, range ? { range } : undefined);
      if (!obj) return null;
      const length = range ? range.length : obj.size;
      return { ...countedStream(obj.body, length), length };
    } catch (e) {
      throw this.readError(e, key);
    }
  }

  /** A failed get is never a 500: R2's "range not satisfiable" (10039) → 416, anything else → 503. */
  private readError(e: unknown, key: string): Error {
    if (e instanceof DomainError) return e;
    if (/range is not satisfiable|\(10039\)/i.test(String(e))) return new DomainError("RangeNotSatisfiable", "Requested range not satisfiable.");
    console.error(`store ${this.id}: read of ${key} failed: ${String(e)}`);
    return serviceUnavailable(`Error reading the image data from store ${this.id}.`);
  }

  async delete(keys: string[]): Promise<void> {
    if (keys.length > 0) await this.bucket.delete(keys);
  }
}

/** Lets a promise lose a race without its later rejection going unhandled. */
function quiet<T>(p: Promise<T>): Promise<T> {
  p.catch(() => {});
  return p;
}

const sizeMismatch = (got: number, declared: number) =>
  badRequest(`The image data is ${got > declared ? "longer" : "shorter"} than the declared size of ${declared} bytes.`);
