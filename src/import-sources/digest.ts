// A pass-through that checks what goes through it against a digest (location-import's
// validation_data): at the end of the data it closes when the digest matches and fails otherwise,
// so the store it feeds never completes an object with the wrong data.
import type { ExpectedDigest } from "../domain/imports/sources";
import { chunkReader, toHex } from "../platform/streams";

const ALGOS = { md5: "MD5", sha1: "SHA-1", sha256: "SHA-256", sha512: "SHA-512" } as const;

export function verifiedStream(source: ReadableStream<Uint8Array>, expected: ExpectedDigest): ReadableStream<Uint8Array> {
  const hash = new crypto.DigestStream(ALGOS[expected.algo]);
  const writer = hash.getWriter();
  hash.digest.catch(() => {});
  const reader = chunkReader(source);
  return new ReadableStream<Uint8Array>(
    {
      async pull(c) {
        try {
          const r = await reader.read();
          if (r.value && r.value.byteLength > 0) {
            await writer.write(r.value);
            c.enqueue(r.value);
          }
          if (!r.done) return;
          await writer.close();
          const actual = toHex(await hash.digest);
          if (actual === expected.value.toLowerCase()) c.close();
          else c.error(new Error(`os_hash_value: (${expected.value}) not matched with actual os_hash_value: (${actual})`));
        } catch (e) {
          writer.abort(e).catch(() => {});
          c.error(e);
        }
      },
      async cancel(reason) {
        writer.abort(reason).catch(() => {});
        await reader.cancel(reason);
      },
    },
    { highWaterMark: 0 },
  );
}
