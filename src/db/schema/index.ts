export * from "./images";
export * from "./metadefs";
export * from "./tasks";
export * from "./webhooks";
