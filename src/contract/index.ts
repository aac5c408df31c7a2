/**
 * The contract between the tracker and its readers (the panel, Home Assistant): states,
 * topics, payloads, commands, the doctor's report, how integrations are named and `panel.json`. It imports
 * nothing outside this folder, so the server and the panel compile the same file.
 */
export * from './commands.js';
export * from './doctor.js';
export * from './integrations.js';
export * from './panel.js';
export * from './payloads.js';
export * from './sources.js';
export * from './states.js';
export * from './topics.js';
