/**
 * Object key of one write attempt of an image's data (an upload, a session, an import's store):
 * unique per attempt, so a late writer never overwrites the active data.
 */
export const objectKey = (imageId: string, attemptId: string) => `images/${imageId}/${attemptId}`;
