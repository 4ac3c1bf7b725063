export * from "./images";
