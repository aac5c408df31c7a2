/**
 * The contract between the tracker and its readers (the panel, Home Assistant): states,
 * topics, payloads, commands, the doctor's report and how integrations are named. It imports
 * nothing outside this folder, so the server and the panel compile the same file.
 */
export * from './commands.js';
export * from './doctor.js';
export * from './integrations.js';
export * from './payloads.js';
export * from './states.js';
export * from './topics.js';
