// R2 multipart uploads driven one part at a time, each part possibly in a different request or
// job: upload sessions (parts sent by a client) and imports that pull data in ranges. Nothing here
// holds more than one 1 MiB read in memory.
import { badRequest } from "../domain/errors";
import type { ChunkObserver, MultipartUploads, PresignedRequest, WrittenData } from "../domain/ports";
import { Hasher, readChunks, toHex } from "../platform/streams";
import type { S3Presigner } from "./presign";

const CONTENT_TYPE = { httpMetadata: { contentType: "application/octet-stream" } };

/** A request body that ended early, ran long or broke (the client's fault: a 400). */
export class PartBodyError extends Error {}

/**
 * Streams exactly `length` bytes of `body` into part `partNumber` of an R2 multipart upload, in
 * 1 MiB reads through a FixedLengthStream (R2 needs the length up front). Returns the part's etag.
 * A body of another length fails with PartBodyError (R2 keeps no new part then).
 */
export async function putPart(
  bucket: R2Bucket,
  key: string,
  uploadId: string,
  partNumber: number,
  body: ReadableStream<Uint8Array>,
  length: number,
): Promise<string> {
  const upload = bucket.resumeMultipartUpload(key, uploadId);
  const fixed = new FixedLengthStream(length);
  const writer = fixed.writable.getWriter();
  const sent = upload.uploadPart(partNumber, fixed.readable);
  // A failed uploadPart fails a pending write too, instead of leaving it waiting forever.
  const failed = sent.then(
    () => new Promise<never>(() => {}),
    (e) => Promise.reject(e),
  );
  failed.catch(() => {});
  let total = 0;
  // one buffer: each chunk is written (and taken by R2) before the next is read
  const chunks = readChunks(body, undefined, { reuse: true });
  try {
    for (;;) {
      let r: IteratorResult<Uint8Array>;
      try {
        r = await chunks.next();
      } catch (e) {
        throw new PartBodyError(String(e));
      }
      if (r.done) break;
      total += r.value.byteLength;
      if (total > length) throw new PartBodyError(`The part is longer than ${length} bytes.`);
      await Promise.race([quiet(writer.write(r.value)), failed]);
    }
    if (total !== length) throw new PartBodyError(`The part is ${total} bytes; it must be ${length} bytes.`);
    await Promise.race([quiet(writer.close()), failed]);
    return (await sent).etag;
  } catch (e) {
    writer.abort(e).catch(() => {});
    await sent.catch(() => {});
    await chunks.return(undefined).catch(() => {});
    throw e;
  }
}

/** Size, MD5 and SHA-512 of a stored object, in one pass of 1 MiB reads (null when it is missing). */
export async function hashObject(bucket: R2Bucket, key: string, inspect?: ChunkObserver): Promise<WrittenData | null> {
  const obj = await bucket.get(key);
  if (!obj) return null;
  const hasher = new Hasher();
  let size = 0;
  try {
    for await (const chunk of readChunks(obj.body, undefined, { reuse: true })) {
      size += chunk.byteLength;
      await hasher.update(chunk);
      inspect?.update(chunk);
    }
  } catch (e) {
    hasher.abort();
    throw e;
  }
  const { md5, sha512 } = await hasher.digests();
  return { size, sha512, md5: md5 as string };
}

/** The MD5 of a stored object, read through once (for a put whose R2 answer carried none). */
export async function md5Of(bucket: R2Bucket, key: string): Promise<string> {
  const obj = await bucket.get(key);
  if (!obj) throw new Error(`object ${key} is gone`);
  const md5 = new crypto.DigestStream("MD5");
  await obj.body.pipeTo(md5);
  return toHex(await md5.digest);
}

/** MultipartUploads over one R2 bucket; presigned part URLs when S3 credentials are configured. */
export class R2MultipartUploads implements MultipartUploads {
  constructor(
    private readonly bucket: R2Bucket,
    private readonly presigner: S3Presigner | null = null,
  ) {}

  get direct(): boolean {
    return this.presigner !== null;
  }

  async create(key: string): Promise<string> {
    return (await this.bucket.createMultipartUpload(key, CONTENT_TYPE)).uploadId;
  }

  async uploadPart(key: string, uploadId: string, partNumber: number, body: ReadableStream<Uint8Array>, length: number): Promise<string> {
    try {
      return await putPart(this.bucket, key, uploadId, partNumber, body, length);
    } catch (e) {
      if (e instanceof PartBodyError) throw badRequest(`Error reading the part from the request: ${e.message}`);
      throw e;
    }
  }

  async complete(key: string, uploadId: string, parts: { partNumber: number; etag: string }[]): Promise<number> {
    const obj = await this.bucket.resumeMultipartUpload(key, uploadId).complete(parts);
    return obj.size;
  }

  async abort(key: string, uploadId: string): Promise<void> {
    await this.bucket.resumeMultipartUpload(key, uploadId).abort();
  }

  async presignPart(key: string, uploadId: string, partNumber: number, length: number, expiresSeconds: number): Promise<PresignedRequest | null> {
    return this.presigner ? this.presigner.uploadPart(key, uploadId, partNumber, length, expiresSeconds) : null;
  }
}

/** Lets a promise lose a race without its later rejection going unhandled. */
function quiet<T>(p: Promise<T>): Promise<T> {
  p.catch(() => {});
  return p;
}
