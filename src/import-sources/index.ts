// ImportSources over fetch() and the Workers stream APIs (the domain's port: src/domain/imports/sources.ts).
import type { ExpectedDigest, ImportSources, MeteredSource, RemoteImage, Source } from "../domain/imports/sources";
import { SourceError } from "../domain/imports/sources";
import type { ImportFilter } from "../domain/settings";
import { meteredStream } from "../platform/streams";
import { decompressed } from "./decompress";
import { verifiedStream } from "./digest";
import { fetchFiltered, fetchRemoteImage, responseSource } from "./fetch";

export class FetchImportSources implements ImportSources {
  constructor(private readonly filter: ImportFilter) {}

  async open(uri: string, what: string, headers: Record<string, string> = {}): Promise<Source> {
    return responseSource(await fetchFiltered(uri, this.filter, what, headers));
  }

  remoteImage(endpoint: string, imageId: string, token: string | null): Promise<RemoteImage> {
    return fetchRemoteImage(endpoint, imageId, token, this.filter);
  }

  meter(body: ReadableStream<Uint8Array>, onBytes: (total: number) => void): MeteredSource {
    return meteredStream(body, onBytes, (e) => new SourceError(`Reading the image data failed: ${String((e as Error)?.message ?? e)}`));
  }

  decompress(source: Source, containerFormat: string | null): Promise<Source> {
    return decompressed(source, containerFormat);
  }

  verify(body: ReadableStream<Uint8Array>, expected: ExpectedDigest): ReadableStream<Uint8Array> {
    return verifiedStream(body, expected);
  }
}
