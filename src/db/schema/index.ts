export * from "./images";
export * from "./metadefs";
export * from "./tasks";
export * from "./image-cache";
export * from "./webhooks";
