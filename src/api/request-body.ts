import type { Context } from "hono";
import { badRequest } from "../domain/errors";

/** Reads a JSON request body the way Glance's JSONRequestDeserializer does. */
export async function readJson(c: Context): Promise<unknown> {
  const text = new TextDecoder().decode(await c.req.arrayBuffer());
  if (text.trim() === "") return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw badRequest("Malformed JSON in request body.");
  }
  if (typeof value !== "object" || value === null) throw badRequest("Unexpected body type. Expected list/dict.");
  return value;
}
