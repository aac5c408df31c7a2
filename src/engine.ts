/** The engine moved to src/engine/; this keeps `./engine.js` importers (the publisher) compiling until they follow. */
export * from './engine/index.js';
