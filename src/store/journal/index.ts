/** The append-only journal: segment files, record lines, the startup scan and the group-commit writer. */
export { journalFileName, nodeJournalFs, parseJournalFileName, type JournalFs, type JournalHandle } from './files.js';
export { scanJournals, type JournalScan, type ScannedFile, type ScannedRecord } from './scan.js';
export { Journal, type JournalOptions, type JournalStats } from './writer.js';
