import type { PropertyProtections } from "./property-protections";

/** The validated configuration the domain reads (parsed once from vars/secrets in src/config.ts). */
export interface Settings {
  authMode: "development" | "strict" | "keystone";
  /** Strict mode: token -> identity, from the STATIC_TOKENS secret. */
  staticTokens: Record<string, { project: string; roles: string[]; user: string }>;
  allowAnonymousAccess: boolean;
  /** Keystone mode: where and how tokens are validated. */
  keystone: KeystoneSettings | null;
  /** PROPERTY_PROTECTIONS document (property_protection_file + _rule_format); null = off. */
  propertyProtections: PropertyProtections | null;
  publicEndpoint: string | null;
  containerFormats: string[];
  diskFormats: string[];
  limitParamDefault: number;
  apiLimitMax: number;
  imageMemberQuota: number;
  imagePropertyQuota: number;
  imageTagQuota: number;
  imageLocationQuota: number;
  /** Per-project count of images (negative = unlimited); the default of unifiedLimits' image_count_total. */
  imageCountTotal: number;
  /** Unified limits (glance use_keystone_limits); null = off. See src/domain/quotas.ts. */
  unifiedLimits: UnifiedLimits | null;
  /** Hours a finished task is kept (glance [task] task_time_to_live). */
  taskTimeToLive: number;
  imageSizeCap: number;
  /** Glance [image_format] require_image_format_match: data in a bare container must be its disk_format (else 415). */
  requireImageFormatMatch: boolean;
  /** Bytes per owner (0 = unlimited), Glance `user_storage_quota`. */
  userStorageQuota: number;
  disabledNotifications: string[];
  notificationSink: boolean;
  publisherId: string;
  delayedDelete: boolean;
  hashingAlgorithm: "sha512";
  enabledImportMethods: string[];
  /** glance image_import_plugins, run in this order on every import but copy-image. */
  importPlugins: ("no_op" | "image_decompression" | "inject_image_metadata")[];
  /** glance [inject_metadata_properties]. */
  injectMetadata: { ignoreUserRoles: string[]; inject: Record<string, string> };
  /** web-download (and glance-download) URL filter: glance [import_filtering_opts]. */
  importFilter: ImportFilter;
  /** Webhook target URLs, at creation and at each delivery: webhook_filtering_opts, else import_filtering_opts. */
  webhookFilter: ImportFilter;
  /** glance-download: region name → that region's Glance endpoint (Glance reads Keystone's catalog). */
  glanceDownloadEndpoints: Record<string, string>;
  /** glance-download: prefixes of the remote image's properties copied to the new one. */
  glanceDownloadProperties: string[];
  /** Seconds an import keeps the image's lock without a sign of life; then the image's alarm undoes it. */
  importLockTtl: number;
  stores: StoreSetting[];
  defaultStore: string;
  /**
   * The cache management API (/v2/cache) over the edge cache of downloads, as Glance offers it when
   * image_cache_dir is set: bookkeeping of fills and hits, prefetch, purge, clean, prune.
   */
  imageCache: ImageCacheSettings;
  /**
   * Glance's http store in enabled_backends: members of the owner project may then add http(s)
   * locations with POST /v2/images/{id}/locations (the service role always may).
   */
  httpStore: boolean;
}

export interface ImageCacheSettings {
  enabled: boolean;
  /** glance image_cache_max_size: POST /v2/cache/prune removes the least recently used above it (bytes). */
  maxSize: number;
  /** glance image_cache_stall_time: POST /v2/cache/clean drops prefetches queued longer than this (seconds). */
  stallTime: number;
}

/** glance [import_filtering_opts]: an allow list, when set, wins over its deny list. */
export interface ImportFilter {
  allowedSchemes: string[];
  disallowedSchemes: string[];
  allowedHosts: string[];
  disallowedHosts: string[];
  allowedPorts: number[];
  disallowedPorts: number[];
}

export interface StoreSetting {
  id: string;
  binding: string;
  description?: string;
  default?: boolean;
  weight?: number;
}

export type LimitName = "image_size_total" | "image_stage_total" | "image_count_total" | "image_count_uploading";

export interface UnifiedLimits {
  /** Limits every project has (Keystone registered limits); sizes in MiB; missing = unlimited. */
  defaults: Partial<Record<LimitName, number>>;
  /** Per-project overrides (Keystone project limits). */
  projects: Record<string, Partial<Record<LimitName, number>>>;
}

export interface KeystoneSettings {
  /** Identity endpoint without the /v3 suffix. */
  url: string;
  /** Seconds a validated token is trusted without asking Keystone again (keystonemiddleware token_cache_time). */
  tokenCacheTime: number;
  /** Seconds to wait for Keystone before answering 503. */
  timeout: number;
  /** keystonemiddleware service_token_roles: a valid X-Service-Token with one of these lets an expired user token through. */
  serviceTokenRoles: string[];
  /** How this service authenticates its validation calls (a secret). */
  serviceAuth:
    | { kind: "token"; token: string }
    | { kind: "password"; user: string; password: string; userDomain: string; project: string; projectDomain: string }
    | { kind: "application_credential"; id: string; secret: string };
}
