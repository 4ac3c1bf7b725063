// Where a running import (src/domain/imports/run.ts) reads a store's data from: what it already
// wrote to another store, else its method's own source (glance's _ImportToStore and the
// image_decompression plugin).
import type { Image } from "../images/image";
import type { Services } from "../services";
import type { Task } from "../tasks/task";
import { openLocation } from "./location-source";
import type { ImportJob, ImportState } from "./ports";
import { type Source, SourceError, tokenHeader } from "./sources";

/** What the import knows when it opens a source. */
export interface SourceContext {
  services: Services;
  job: ImportJob;
  task: Task;
  state: ImportState;
  image: Image;
  /** Stores this import has written → object key. */
  done: Record<string, string>;
}

/** The method part of the task's import request (`import_req.method`). */
export function methodRequest(task: Task): Record<string, unknown> {
  const req = (task.input?.import_req ?? {}) as Record<string, unknown>;
  return (req.method ?? {}) as Record<string, unknown>;
}

/**
 * Data this import already wrote to another store, else the method's source through the
 * image_decompression plugin when it is on (not for copy-image; not for glance-download, whose
 * size and hash are the remote image's, compressed or not).
 */
export async function pluggedSource(c: SourceContext, store: string): Promise<Source> {
  for (const [s, key] of Object.entries(c.done)) {
    if (s === store) continue;
    const data = await c.services.stores.get(s)?.read(key);
    if (data) return { body: data.body, length: data.length };
  }
  const source = await openSource(c, store);
  const { method } = c.state;
  if (method === "copy-image" || method === "glance-download" || method === "location-import" || !c.services.settings.importPlugins.includes("image_decompression")) return source;
  return c.services.sources.decompress(source, c.image.containerFormat);
}

/** The method's own source. */
async function openSource(c: SourceContext, store: string): Promise<Source> {
  const { services, state } = c;
  const request = methodRequest(c.task);
  switch (state.method) {
    case "glance-direct": {
      const staged = state.staged;
      const data = staged ? await services.stores.get(staged.store)?.read(staged.key) : null;
      if (!data) throw new SourceError(`The staged data of image ${c.image.id} is gone.`);
      return { body: data.body, length: data.length };
    }
    case "copy-image": {
      for (const loc of await services.images.locations(c.image.id)) {
        if (loc.store === store) continue;
        const data = await services.stores.get(loc.store)?.read(loc.key);
        if (data) return { body: data.body, length: data.length };
      }
      throw new SourceError(`None of the stores of image ${c.image.id} could be read.`);
    }
    case "web-download":
      return services.sources.open(String(request.uri), "web-download");
    case "location-import":
      return openLocation(services, c.task);
    case "glance-download": {
      const endpoint = services.settings.glanceDownloadEndpoints[String(request.glance_region)];
      const url = `${endpoint}/v2/images/${String(request.glance_image_id)}/file`;
      return services.sources.open(url, "glance-download", tokenHeader(c.job.authToken));
    }
  }
}
