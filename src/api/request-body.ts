import type { Context } from "hono";
import { badRequest } from "../domain/errors";
import { HttpError } from "./errors";

/**
 * The most bytes a JSON request body may have: oslo.middleware sizelimit's default
 * `max_request_body_size` (112 KiB), as in the OpenStack services that use it. Glance's own pipeline
 * has no sizelimit filter, but image data never comes through here: an image, a patch, a member or
 * a metadef document is far smaller, and a bigger body would only run into D1's limits (a 500).
 */
export const MAX_JSON_BODY_BYTES = 114688;

const tooLarge = () => new HttpError(413, `Request is too large. Larger than max_request_body_size (${MAX_JSON_BODY_BYTES}).`);

/** The body's bytes, refused with 413 as soon as it is over the limit (declared or counted). */
async function boundedBody(c: Context): Promise<Uint8Array> {
  const declared = c.req.header("Content-Length");
  if (declared !== undefined && Number(declared) > MAX_JSON_BODY_BYTES) throw tooLarge();
  const body = c.req.raw.body;
  if (!body) return new Uint8Array(0);
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > MAX_JSON_BODY_BYTES) {
      await reader.cancel().catch(() => {});
      throw tooLarge();
    }
    chunks.push(value);
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const ch of chunks) {
    out.set(ch, at);
    at += ch.byteLength;
  }
  return out;
}

/** Reads a JSON request body the way Glance's JSONRequestDeserializer does (bytes that are not UTF-8 are malformed). */
export async function readJson(c: Context): Promise<unknown> {
  let text: string;
  let value: unknown;
  try {
    text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(await boundedBody(c));
  } catch (e) {
    if (e instanceof HttpError) throw e;
    throw badRequest("Malformed JSON in request body.");
  }
  if (text.trim() === "") return undefined;
  try {
    value = JSON.parse(text);
  } catch {
    throw badRequest("Malformed JSON in request body.");
  }
  if (typeof value !== "object" || value === null) throw badRequest("Unexpected body type. Expected list/dict.");
  if (nestingDepth(text) > MAX_JSON_DEPTH) throw badRequest(`Malformed JSON in request body: nested deeper than ${MAX_JSON_DEPTH} levels.`);
  return value;
}

/**
 * The deepest nesting a JSON body may have. The deepest documents of the API (a metadef namespace
 * with objects, properties and their items) have about 8 levels; code that walks a value
 * recursively (validation, messages) overflowed the stack on thousands of levels (a 500).
 * Glance's Python json fails past its recursion limit too, with a 500.
 */
const MAX_JSON_DEPTH = 32;

/** How deep arrays and objects nest in valid JSON text (brackets inside strings do not count). */
function nestingDepth(text: string): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (inString) {
      if (ch === 0x5c) i++; // backslash: skip the escaped character
      else if (ch === 0x22) inString = false;
    } else if (ch === 0x22) inString = true;
    else if (ch === 0x5b || ch === 0x7b) max = Math.max(max, ++depth);
    else if (ch === 0x5d || ch === 0x7d) depth--;
  }
  return max;
}
