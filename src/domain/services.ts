import type { PolicyEngine } from "./policy/engine";
import type { ImageCoordinator, ImageRepository, MemberRepository, Notifier } from "./ports";
import type { Settings } from "./settings";

/** Everything a verb may touch, assembled per request by the API layer. */
export interface Services {
  settings: Settings;
  policy: PolicyEngine;
  images: ImageRepository;
  members: MemberRepository;
  notifier: Notifier;
  coordinator: ImageCoordinator;
  now(): Date;
  newId(): string;
}
