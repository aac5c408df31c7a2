/**
 * Request and episode states: one row per state, and every list, label, rank, colour and
 * Home Assistant event type derived from the rows. A new state is one row here (plus its
 * reducer rule).
 */

export interface StateRow {
  readonly id: string;
  /** Human label for timeline text, Home Assistant and the panel. */
  readonly label: string;
  /**
   * On the ordered pipeline (its rank is its position among the pipeline rows): evidence of
   * a later stage may skip earlier ones, and the state never moves back except on an explicit
   * event. Off-pipeline rows are outcomes.
   */
  readonly pipeline: boolean;
  /**
   * `false`: in progress. `'open'`: finished, yet pipeline events still correlate to it (a
   * re-grab after a failure finds it). `'closed'`: history; a re-request is a new record.
   */
  readonly terminal: false | 'open' | 'closed';
  /** CSS colour of the panel's badges; a theme may override it with `--mt-state-<id in lower case>`. */
  readonly colour: string;
  /** `event_type` of Home Assistant's event entity when a request enters the state. */
  readonly event: string;
}

export const STATE_TABLE = [
  { id: 'REQUESTED', label: 'Requested', pipeline: true, terminal: false, colour: '#9e9e9e', event: 'requested' },
  { id: 'APPROVED', label: 'Approved', pipeline: true, terminal: false, colour: '#26a69a', event: 'approved' },
  { id: 'SEARCHING', label: 'Searching', pipeline: true, terminal: false, colour: '#ff9800', event: 'searching' },
  { id: 'GRABBING', label: 'Grabbed', pipeline: true, terminal: false, colour: '#f9a825', event: 'grabbing' },
  { id: 'DOWNLOADING', label: 'Downloading', pipeline: true, terminal: false, colour: '#1e88e5', event: 'downloading' },
  { id: 'DOWNLOADED', label: 'Downloaded', pipeline: true, terminal: false, colour: '#3949ab', event: 'downloaded' },
  { id: 'IMPORTING', label: 'Importing', pipeline: true, terminal: false, colour: '#7e57c2', event: 'importing' },
  { id: 'ANIME_MATCHING', label: 'Matching in Shoko', pipeline: true, terminal: false, colour: '#ab47bc', event: 'anime_matching' },
  { id: 'PARTIALLY_AVAILABLE', label: 'Partially available', pipeline: true, terminal: false, colour: '#7cb342', event: 'partially_available' },
  { id: 'AVAILABLE', label: 'Available', pipeline: true, terminal: 'closed', colour: 'var(--success-color, #43a047)', event: 'available' },
  { id: 'FAILED', label: 'Failed', pipeline: false, terminal: 'open', colour: 'var(--error-color, #db4437)', event: 'failed' },
  { id: 'DECLINED', label: 'Declined', pipeline: false, terminal: 'closed', colour: '#d81b60', event: 'declined' },
  { id: 'DELETED', label: 'Deleted', pipeline: false, terminal: 'closed', colour: '#757575', event: 'deleted' },
] as const satisfies readonly StateRow[];

type Row = (typeof STATE_TABLE)[number];

export type State = Row['id'];
export type PipelineState = Extract<Row, { pipeline: true }>['id'];
/** Off-pipeline outcomes. */
export type OutcomeState = Extract<Row, { pipeline: false }>['id'];

const ROWS: ReadonlyMap<string, Row> = new Map(STATE_TABLE.map((r) => [r.id, r]));
const row = (s: State): Row => ROWS.get(s)!;

export const STATES: readonly State[] = STATE_TABLE.map((r) => r.id);

/** Pipeline states in rank order. */
export const PIPELINE_STATES: readonly PipelineState[] = STATE_TABLE.flatMap((r) => (r.pipeline ? [r.id] : []));

export const OUTCOME_STATES: readonly OutcomeState[] = STATE_TABLE.flatMap((r) => (r.pipeline ? [] : [r.id]));

export const STATE_LABELS = Object.fromEntries(STATE_TABLE.map((r) => [r.id, r.label])) as Record<State, string>;

export const STATE_COLOURS = Object.fromEntries(STATE_TABLE.map((r) => [r.id, r.colour])) as Record<State, string>;

const RANK: ReadonlyMap<string, number> = new Map(PIPELINE_STATES.map((s, i) => [s, i]));

export function isState(value: unknown): value is State {
  return typeof value === 'string' && ROWS.has(value);
}

export function isPipeline(state: State): state is PipelineState {
  return RANK.has(state);
}

export function rank(state: PipelineState): number {
  return RANK.get(state)!;
}

/** Closed requests are history: pipeline events never correlate to them. */
export function isClosed(state: State): boolean {
  return row(state).terminal === 'closed';
}

/** Finished requests (closed or failed) count towards Home Assistant retention and are not active. */
export function isFinished(state: State): boolean {
  return row(state).terminal !== false;
}

/** Announcements of Home Assistant's event entity that are not a state being entered. */
export const EXTRA_EVENT_TYPES = ['episodes_available', 'upgraded'] as const;

export type EventType = Row['event'] | (typeof EXTRA_EVENT_TYPES)[number];

/** Every `event_type` of `<base>/<id>/event`: one per state, in table order, then the others. */
export const EVENT_TYPES: readonly EventType[] = [...STATE_TABLE.map((r) => r.event), ...EXTRA_EVENT_TYPES];

/** The `event_type` announcing that a request entered `state`. */
export function stateEvent(state: State): EventType {
  return row(state).event;
}
