import { badRequest } from "../errors";

// Query parameters of the metadef list routes (glance/api/v2/metadef_*.py RequestDeserializer).
// Where Glance answers a bad sort key or a non-numeric limit with a 500, we answer 400.

export type Params = ReadonlyMap<string, string>;

export function sortDir(params: Params): "asc" | "desc" {
  const dir = params.get("sort_dir") ?? "desc";
  if (dir !== "asc" && dir !== "desc") throw badRequest(`Invalid sort direction: ${dir}`);
  return dir;
}

export function sortKey<K extends string>(params: Params, allowed: readonly K[]): K {
  const key = params.get("sort_key") ?? "created_at";
  if (!(allowed as readonly string[]).includes(key)) throw badRequest(`Invalid sort key: ${key}`);
  return key as K;
}

/** An integer limit (>= 0) or undefined when absent. */
export function limitParam(params: Params, cap: number): number | undefined {
  const raw = params.get("limit");
  if (raw === undefined || raw === "") return undefined;
  if (!/^\s*[-+]?\d+\s*$/.test(raw)) throw badRequest("limit param must be an integer");
  const n = Math.min(cap, Number.parseInt(raw, 10));
  if (n < 0) throw badRequest("limit param must be positive");
  return n;
}

export function visibilityParam(params: Params, allowed: readonly string[]): string | undefined {
  const v = params.get("visibility");
  if (!v) return undefined;
  if (!allowed.includes(v)) throw badRequest(`Invalid visibility value: ${v}`);
  return v;
}

/** strutils.bool_from_string, as Glance reads X-Openstack-Append. */
export const isTrue = (v: string | undefined | null) => !!v && ["1", "t", "true", "on", "y", "yes"].includes(v.trim().toLowerCase());

export const stamp = (d: Date) => d.toISOString();
