import { z } from "zod";
import { ConfigError } from "./domain/errors";
import { importFilterOf } from "./domain/imports/url-filter";
import { PropertyProtectionError, parsePropertyProtections } from "./domain/property-protections";
import type { KeystoneSettings, Settings } from "./domain/settings";

// Every knob with Glance's default. GLANCE_CONFIG is a JSON object with these keys.
const SIZE_UNITS: Record<string, number> = { B: 1, KB: 1024, MB: 1024 ** 2, GB: 1024 ** 3, TB: 1024 ** 4 };
const storageSize = z.union([
  z.number().int().nonnegative(),
  z.string().regex(/^\d+\s*(B|KB|MB|GB|TB)?$/i, "expected a size such as 500MB"),
]);
function toBytes(v: number | string): number {
  if (typeof v === "number") return v;
  const m = /^(\d+)\s*([A-Za-z]*)$/.exec(v.trim())!;
  return Number(m[1]) * (SIZE_UNITS[(m[2] || "B").toUpperCase()] ?? 1);
}

const quota = z.number().int();
// Unified limits (Glance use_keystone_limits; Keystone's registered and project limits as config):
// sizes in MiB, counts in images; a missing or negative limit is unlimited.
const projectLimits = z
  .object({ image_size_total: quota, image_stage_total: quota, image_count_total: quota, image_count_uploading: quota })
  .partial()
  .strict();
const unifiedLimits = projectLimits.extend({ projects: z.record(z.string().min(1), projectLimits).default({}) }).strict();
// glance [import_filtering_opts] (web-download and glance-download sources).
const port = z.number().int().min(1).max(65535);
const importFilter = z
  .object({
    allowed_schemes: z.array(z.string().min(1)).default(["http", "https"]),
    disallowed_schemes: z.array(z.string().min(1)).default([]),
    allowed_hosts: z.array(z.string().min(1)).default([]),
    disallowed_hosts: z.array(z.string().min(1)).default([]),
    allowed_ports: z.array(port).default([80, 443]),
    disallowed_ports: z.array(port).default([]),
  })
  .strict();
const ConfigSchema = z
  .object({
    allow_anonymous_access: z.boolean().default(false),
    // keystone mode (keystonemiddleware's names): seconds a validated token stays cached, and
    // seconds to wait for Keystone before answering 503.
    token_cache_time: z.number().int().min(0).max(86400).default(300),
    http_connect_timeout: z.number().positive().max(60).default(5),
    // a valid X-Service-Token with one of these roles lets an expired user token through
    service_token_roles: z.array(z.string().min(1)).default(["service"]),
    // how PROPERTY_PROTECTIONS names who may do what: role lists or policy rule names
    property_protection_rule_format: z.enum(["roles", "policies"]).default("roles"),
    public_endpoint: z.string().url().nullable().default(null),
    container_formats: z.array(z.string().min(1)).default(["ami", "ari", "aki", "bare", "ovf", "ova", "docker", "compressed"]),
    disk_formats: z
      .array(z.string().min(1))
      .default(["ami", "ari", "aki", "vhd", "vhdx", "vmdk", "raw", "qcow2", "vdi", "iso", "ploop"]),
    limit_param_default: z.number().int().positive().default(25),
    api_limit_max: z.number().int().positive().default(1000),
    image_member_quota: quota.default(128),
    image_property_quota: quota.default(128),
    image_tag_quota: quota.default(128),
    image_location_quota: quota.default(10),
    // images per project; with unified_limits, the same as unified_limits.image_count_total
    image_count_total: quota.optional(),
    unified_limits: unifiedLimits.nullable().default(null),
    // hours a finished task is kept (glance [task] task_time_to_live)
    task_time_to_live: z.number().int().positive().default(48),
    image_size_cap: z.number().int().positive().max(Number.MAX_SAFE_INTEGER).default(1099511627776),
    // glance [image_format] require_image_format_match: bare-container data must be its disk_format
    require_image_format_match: z.boolean().default(true),
    user_storage_quota: storageSize.default(0),
    disabled_notifications: z.array(z.string()).default([]),
    notification_sink: z.boolean().default(false),
    default_publisher_id: z.string().default("image.localhost"),
    delayed_delete: z.boolean().default(false),
    hashing_algorithm: z.literal("sha512").default("sha512"),
    enabled_import_methods: z.array(z.enum(["glance-direct", "web-download", "copy-image", "glance-download"])).default([
      "glance-direct",
      "web-download",
      "copy-image",
    ]),
    import_filtering_opts: importFilter.prefault({}),
    // webhook target URLs (README "Webhooks"); absent: the import filter's rules
    webhook_filtering_opts: importFilter.optional(),
    // glance [image_import_opts] image_import_plugins, in order (image_conversion needs qemu-img: not here)
    image_import_plugins: z.array(z.enum(["no_op", "image_decompression", "inject_image_metadata"])).default([]),
    // glance [inject_metadata_properties]: what inject_image_metadata sets, unless the importer has one of these roles
    inject_metadata_properties: z
      .object({
        ignore_user_roles: z.array(z.string()).default(["admin"]),
        inject: z.record(z.string().min(1).max(255), z.string()).default({}),
      })
      .strict()
      .prefault({}),
    // glance-download: region → Glance endpoint, and the property prefixes copied from the remote image
    glance_download_endpoints: z.record(z.string().min(1), z.string().url()).default({}),
    glance_download_properties: z.array(z.string().min(1)).default(["hw_", "trait:", "os_distro", "os_secure_boot", "os_type"]),
    // seconds an import holds the image's lock without a sign of life before its alarm undoes it
    import_lock_ttl: z.number().int().min(30).max(86400).default(600),
    image_cache_enabled: z.boolean().default(false), // the cache API over the edge cache (glance: image_cache_dir set)
    image_cache_max_size: storageSize.default(10737418240), // POST /v2/cache/prune goes down to this
    image_cache_stall_time: z.number().int().positive().default(86400), // POST /v2/cache/clean drops older queued prefetches
    http_store_enabled: z.boolean().default(false), // glance's http store: owner-project members may add http(s) locations
    read_your_writes: z.enum(["primary", "project"]).default("primary"), // bookmark-less reads: README "Read replicas" (src/wiring/read-your-writes.ts)
  })
  .strict()
  .refine((c) => c.limit_param_default <= c.api_limit_max, "limit_param_default must not exceed api_limit_max");

const StoresSchema = z
  .array(
    z.object({
      id: z.string().regex(/^[A-Za-z0-9_-]+$/),
      binding: z.string().min(1),
      description: z.string().optional(),
      default: z.boolean().optional(),
      // glance [<store>] weight: the preference among stores holding an image (higher first)
      weight: z.number().int().optional(),
    }),
  )
  .min(1);

const TokensSchema = z.record(z.string(), z.string().regex(/^[^:]+:[^:]*(:[^:]*)?$/, "expected project:roles[:user]"));

export { ConfigError };

function parseJson(name: string, raw: string | undefined, fallback: string): unknown {
  try {
    return JSON.parse(raw && raw.trim() ? raw : fallback);
  } catch {
    throw new ConfigError(`${name} is not valid JSON`);
  }
}

function check<T>(name: string, schema: z.ZodType<T>, value: unknown): T {
  const r = schema.safeParse(value);
  if (!r.success) {
    const why = r.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ");
    throw new ConfigError(`invalid ${name}: ${why}`);
  }
  return r.data;
}

export interface RawConfig {
  AUTH_MODE?: string;
  GLANCE_CONFIG?: string;
  STORES?: string;
  STATIC_TOKENS?: string;
  /** Keystone mode: identity endpoint (with or without /v3). */
  KEYSTONE_URL?: string;
  /** Keystone mode secrets: a service token, or credentials to obtain one (JSON). */
  KEYSTONE_SERVICE_TOKEN?: string;
  KEYSTONE_SERVICE_CREDENTIALS?: string;
  /** Property protection rules (the property_protection_file INI document). */
  PROPERTY_PROTECTIONS?: string;
}

const ServiceCredentialsSchema = z.union([
  z
    .object({
      username: z.string().min(1),
      password: z.string().min(1),
      project_name: z.string().min(1),
      user_domain_name: z.string().min(1).default("Default"),
      project_domain_name: z.string().min(1).default("Default"),
    })
    .strict(),
  z.object({ application_credential_id: z.string().min(1), application_credential_secret: z.string().min(1) }).strict(),
]);

function keystoneSettings(raw: RawConfig, tokenCacheTime: number, timeout: number, serviceTokenRoles: string[]): KeystoneSettings {
  const url = (raw.KEYSTONE_URL ?? "").trim().replace(/\/+$/, "").replace(/\/v3$/, "");
  if (!/^https?:\/\/[^/]+/.test(url)) throw new ConfigError("AUTH_MODE keystone needs KEYSTONE_URL, e.g. https://keystone.example.com/v3");
  let serviceAuth: KeystoneSettings["serviceAuth"];
  if (raw.KEYSTONE_SERVICE_TOKEN?.trim()) {
    serviceAuth = { kind: "token", token: raw.KEYSTONE_SERVICE_TOKEN.trim() };
  } else if (raw.KEYSTONE_SERVICE_CREDENTIALS?.trim()) {
    const c = check("KEYSTONE_SERVICE_CREDENTIALS", ServiceCredentialsSchema, parseJson("KEYSTONE_SERVICE_CREDENTIALS", raw.KEYSTONE_SERVICE_CREDENTIALS, "{}"));
    serviceAuth =
      "application_credential_id" in c
        ? { kind: "application_credential", id: c.application_credential_id, secret: c.application_credential_secret }
        : {
            kind: "password",
            user: c.username,
            password: c.password,
            userDomain: c.user_domain_name,
            project: c.project_name,
            projectDomain: c.project_domain_name,
          };
  } else {
    throw new ConfigError("AUTH_MODE keystone needs the KEYSTONE_SERVICE_TOKEN or KEYSTONE_SERVICE_CREDENTIALS secret");
  }
  return { url, tokenCacheTime, timeout, serviceAuth, serviceTokenRoles };
}

/** Parses and validates configuration; throws ConfigError with a clear message when it is wrong. */
export function parseSettings(raw: RawConfig): Settings {
  const mode = raw.AUTH_MODE ?? "strict";
  if (mode !== "development" && mode !== "strict" && mode !== "keystone") {
    throw new ConfigError(`invalid AUTH_MODE "${mode}": expected development, strict or keystone`);
  }
  const c = check("GLANCE_CONFIG", ConfigSchema, parseJson("GLANCE_CONFIG", raw.GLANCE_CONFIG, "{}"));
  const stores = check("STORES", StoresSchema, parseJson("STORES", raw.STORES, "[]"));
  const defaults = stores.filter((s) => s.default);
  if (defaults.length > 1) throw new ConfigError("invalid STORES: more than one default store");
  if (new Set(stores.map((s) => s.id)).size !== stores.length) throw new ConfigError("invalid STORES: duplicate store id");
  const tokens = check("STATIC_TOKENS", TokensSchema, parseJson("STATIC_TOKENS", raw.STATIC_TOKENS, "{}"));
  const staticTokens: Settings["staticTokens"] = {};
  for (const [token, spec] of Object.entries(tokens)) {
    const [project, roles, user] = spec.split(":");
    staticTokens[token] = { project, roles: splitRoles(roles ?? ""), user: user || `user-${project}` };
  }
  let propertyProtections: Settings["propertyProtections"] = null;
  if (raw.PROPERTY_PROTECTIONS?.trim()) {
    try {
      propertyProtections = parsePropertyProtections(raw.PROPERTY_PROTECTIONS, c.property_protection_rule_format);
    } catch (e) {
      if (e instanceof PropertyProtectionError) throw new ConfigError(`invalid PROPERTY_PROTECTIONS: ${e.message}`);
      throw e;
    }
  }
  return {
    authMode: mode,
    staticTokens,
    allowAnonymousAccess: c.allow_anonymous_access,
    keystone: mode === "keystone" ? keystoneSettings(raw, c.token_cache_time, c.http_connect_timeout, c.service_token_roles) : null,
    propertyProtections,
    publicEndpoint: c.public_endpoint?.replace(/\/+$/, "") ?? null,
    containerFormats: c.container_formats,
    diskFormats: c.disk_formats,
    limitParamDefault: c.limit_param_default,
    apiLimitMax: c.api_limit_max,
    imageMemberQuota: c.image_member_quota,
    imagePropertyQuota: c.image_property_quota,
    imageTagQuota: c.image_tag_quota,
    imageLocationQuota: c.image_location_quota,
    ...limitSettings(c.image_count_total, c.unified_limits, toBytes(c.user_storage_quota)),
    taskTimeToLive: c.task_time_to_live,
    imageSizeCap: c.image_size_cap,
    requireImageFormatMatch: c.require_image_format_match,
    disabledNotifications: c.disabled_notifications,
    notificationSink: c.notification_sink,
    publisherId: c.default_publisher_id,
    delayedDelete: c.delayed_delete,
    hashingAlgorithm: c.hashing_algorithm,
    enabledImportMethods: c.enabled_import_methods,
    importPlugins: c.image_import_plugins,
    injectMetadata: { ignoreUserRoles: c.inject_metadata_properties.ignore_user_roles, inject: c.inject_metadata_properties.inject },
    importFilter: importFilterOf(c.import_filtering_opts),
    webhookFilter: importFilterOf(c.webhook_filtering_opts ?? c.import_filtering_opts),
    glanceDownloadEndpoints: Object.fromEntries(Object.entries(c.glance_download_endpoints).map(([k, v]) => [k, v.replace(/\/+$/, "")])),
    glanceDownloadProperties: c.glance_download_properties,
    importLockTtl: c.import_lock_ttl,
    stores,
    defaultStore: (defaults[0] ?? stores[0]).id,
    imageCache: { enabled: c.image_cache_enabled, maxSize: toBytes(c.image_cache_max_size), stallTime: c.image_cache_stall_time },
    httpStore: c.http_store_enabled,
  };
}

/**
 * One source for the per-project limits: the top-level image_count_total is unified_limits'
 * default for it (setting both is an error), and user_storage_quota is ignored under unified
 * limits, as Glance does with use_keystone_limits.
 */
function limitSettings(
  countTotal: number | undefined,
  u: z.infer<typeof unifiedLimits> | null,
  storageQuota: number,
): Pick<Settings, "imageCountTotal" | "unifiedLimits" | "userStorageQuota"> {
  if (!u) return { imageCountTotal: countTotal ?? -1, unifiedLimits: null, userStorageQuota: storageQuota };
  if (countTotal !== undefined && u.image_count_total !== undefined) {
    throw new ConfigError("invalid GLANCE_CONFIG: image_count_total is set both at the top level and in unified_limits");
  }
  const { projects, ...defaults } = u;
  if (countTotal !== undefined) defaults.image_count_total = countTotal;
  return { imageCountTotal: defaults.image_count_total ?? -1, unifiedLimits: { defaults, projects }, userStorageQuota: 0 };
}

export function splitRoles(roles: string): string[] {
  // Glance lower-cases roles (glance/api/middleware/context.py).
  return roles
    .split(",")
    .map((r) => r.trim().toLowerCase())
    .filter(Boolean);
}

let cached: { key: string; settings: Settings } | null = null;
/** Parsed once per isolate (re-parsed only if the raw vars change, as they can between tests). */
export function settingsFor(env: RawConfig): Settings {
  const key = [
    env.AUTH_MODE,
    env.GLANCE_CONFIG,
    env.STORES,
    env.STATIC_TOKENS,
    env.KEYSTONE_URL,
    env.KEYSTONE_SERVICE_TOKEN,
    env.KEYSTONE_SERVICE_CREDENTIALS,
    env.PROPERTY_PROTECTIONS,
  ].join("\u0000");
  if (!cached || cached.key !== key) cached = { key, settings: parseSettings(env) };
  return cached.settings;
}
