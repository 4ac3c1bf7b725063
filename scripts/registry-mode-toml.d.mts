// Types of scripts/registry-mode-toml.mjs for the tests that import it.
export function registryModeToml(
  base: string,
  options?: { name?: string; main?: string; service?: string; keepD1?: boolean; migrationsDir?: string },
): string;
