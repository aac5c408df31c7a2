/**
 * Source health, published retained on `<base>/bridge/sources` (docs/mqtt.md): per integration
 * the tracker is configured with (and its core subjects, MQTT and the store), whether something
 * is wrong with it and why, in plain words. Home Assistant's per-integration problem and
 * "last event" sensors on the bridge device read it.
 */

/** A health check a Sonarr/Radarr instance reported through its `Health` webhook and has not restored. */
export interface SourceHealthMessage {
  /** The instance that sent it (null: a single-instance service whose route named none). */
  instance: string | null;
  /** The *arr's level: `warning` or `error` (`notice` and `ok` are kept but are not a problem). */
  level: string;
  /** The *arr's check class, e.g. `DownloadClientCheck`: `HealthRestored` names it again. */
  check: string;
  /** The *arr's own text. */
  message: string;
  /** The *arr's wiki page for it, when it sent one. */
  wiki_url: string | null;
  /** When the tracker received it. */
  since: string;
}

export interface SourceStatus {
  /** The integration id (`sonarr`) or a core subject (`mqtt`, `store`). */
  integration: string;
  label: string;
  /** Something is wrong: any of `reasons`. */
  problem: boolean;
  /** Why, in plain words, each naming the instance when there are several. */
  reasons: string[];
  /** When its last valid webhook arrived (any instance); null when none has, or it sends none. */
  last_event: string | null;
  /** Health messages its instances reported and have not restored. */
  health: SourceHealthMessage[];
  /** The doctor's last run (null before the first). */
  checked_at: string | null;
}

export interface SourcesReport {
  /** When this report was made; a new report is published only when something in it changed. */
  updated_at: string;
  /** No source has a problem. */
  ok: boolean;
  sources: SourceStatus[];
}
