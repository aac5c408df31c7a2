/**
 * How long a stop may take. The container runtime sends SIGKILL `timeout` seconds after SIGTERM
 * (config.yaml, 30 s), and in the image s6-overlay kills Node 26 s after SIGTERM (the service's
 * timeout-kill, docs/home-assistant.md "The stop budget"); the process ends itself before either
 * so the log says why, and the Supervisor gets its discovery message withdrawn within a bounded
 * share of the budget.
 */
export const STOP_DEADLINE_MS = 25_000;
export const WITHDRAW_TIMEOUT_MS = 3_000;
