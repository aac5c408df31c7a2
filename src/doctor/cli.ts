/**
 * `npm run doctor`: the running tracker's doctor when one answers on this machine, else the
 * same checks run here (without what only the running tracker knows). Prints a readable
 * report; exit code 1 when any check is an error, 2 for invalid options.
 */
import { publicBase } from '../autoconfig/urls.js';
import { loadOptionsOrExit } from '../config/load.js';
import { optionSecrets, type Options } from '../config/schema.js';
import { errorMessage, registerSecret, setLogLevel } from '../log.js';
import { LocalSettings } from '../secrets.js';
import { bridgeCommand, TrackerNotRunning } from './command.js';
import { formatReport } from './format.js';
import { runDoctor } from './run.js';
import { makeCheck, type DoctorReport } from './types.js';
import { z } from 'zod';

const ReportSchema = z.looseObject({ checked_at: z.string(), ok: z.boolean(), checks: z.array(z.looseObject({})) });

async function fromTracker(options: Options): Promise<DoctorReport> {
  const answer = await bridgeCommand(options, 'doctor', {}, 120_000);
  if (answer.status !== 'ok') throw new Error(answer.error ?? 'the tracker answered with an error');
  return ReportSchema.parse(answer.result) as unknown as DoctorReport;
}

async function standalone(options: Options, why: string): Promise<DoctorReport> {
  const settings = await LocalSettings.open(options.data_dir);
  const secret = options.webhook_secret || settings.storedSecret || '';
  registerSecret(secret);
  return runDoctor({
    options,
    base: publicBase(options.public_url, { host: '0.0.0.0', port: options.webhook_port }),
    secret,
    events: () => ({ lastEvents: settings.lastEvents, startedAt: null, warnAfterHours: options.no_event_warning_hours, now: new Date() }),
    forward: () => settings.jellyseerrForward,
    broker: async () => [makeCheck({ integration: 'mqtt', instance: null }, 'broker', 'warning', 'The tracker is not running on this machine', `${why}. These checks ran from here instead.`)],
    clock: () => new Date(),
  });
}

async function main(): Promise<void> {
  const { options } = loadOptionsOrExit();
  setLogLevel('error');
  for (const s of optionSecrets(options)) registerSecret(s);
  let report: DoctorReport;
  try {
    report = await fromTracker(options);
  } catch (err) {
    if (!(err instanceof TrackerNotRunning)) throw err;
    report = await standalone(options, err.message);
  }
  process.stdout.write(formatReport(report));
  process.exit(report.ok ? 0 : 1);
}

main().catch((err: unknown) => {
  process.stderr.write(`doctor failed: ${errorMessage(err)}\n`);
  process.exit(1);
});
