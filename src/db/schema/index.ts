export * from "./images";
export * from "./metadefs";
