// Moved to src/ranges/float32.ts (the range analysis the optimizer shares); kept for importers
// outside this folder until they import it from there.
export * from '../ranges/float32.js';
