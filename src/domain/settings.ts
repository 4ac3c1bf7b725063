/** The validated configuration the domain reads (parsed once from vars/secrets in src/config.ts). */
export interface Settings {
  authMode: "development" | "strict" | "keystone";
  /** Strict mode: token -> identity, from the STATIC_TOKENS secret. */
  staticTokens: Record<string, { project: string; roles: string[]; user: string }>;
  allowAnonymousAccess: boolean;
  publicEndpoint: string | null;
  containerFormats: string[];
  diskFormats: string[];
  limitParamDefault: number;
  apiLimitMax: number;
  imageMemberQuota: number;
  imagePropertyQuota: number;
  imageTagQuota: number;
  imageLocationQuota: number;
  /** Unified-limit style per-project count of images (negative = unlimited). */
  imageCountTotal: number;
  imageSizeCap: number;
  /** Bytes per owner (0 = unlimited), Glance `user_storage_quota`. */
  userStorageQuota: number;
  disabledNotifications: string[];
  notificationSink: boolean;
  publisherId: string;
  delayedDelete: boolean;
  hashingAlgorithm: "sha512";
  enabledImportMethods: string[];
  stores: StoreSetting[];
  defaultStore: string;
}

export interface StoreSetting {
  id: string;
  binding: string;
  description?: string;
  default?: boolean;
}
