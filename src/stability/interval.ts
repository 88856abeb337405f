// Moved to src/ranges/interval.ts (the range analysis the optimizer shares); kept for importers
// outside this folder until they import it from there.
export * from '../ranges/interval.js';
