/**
 * How long a stop may take. The container runtime sends SIGKILL `timeout` seconds after SIGTERM
 * (config.yaml, 30 s); the process ends itself before that so the log says why, and the
 * Supervisor gets its discovery message withdrawn within a bounded share of the budget.
 */
export const STOP_DEADLINE_MS = 25_000;
export const WITHDRAW_TIMEOUT_MS = 3_000;
