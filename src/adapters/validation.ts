/**
 * Helpers shared by the webhook adapters: zod error formatting with dotted paths, envelope
 * checks, and the small normalisations every *arr adapter needs (instance names, hashes,
 * posters, anime rules, episode refs). Pure functions only: no I/O, no clock.
 * Each part lives in src/adapters/validation/; this module keeps the one import path.
 */
export * from './validation/errors.js';
export * from './validation/envelope.js';
export * from './validation/fields.js';
export * from './validation/arr-schemas.js';
export * from './validation/normalise.js';
export * from './validation/episodes.js';
