/**
 * What the real-HA suite needs to run the repository's two blueprints: the blueprint files in
 * HA's config dir, notify services and a light that need no network (command_line notify
 * services that append to a file, and a template light over an input_boolean, both in HA 2024.1
 * and 2025.4), one automation per blueprint, and readers for their effects (the notify files and
 * the light's state changes).
 */
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import type { AutomationTrace, StateChanged } from '../../helpers/home-assistant.js';

const SOURCE = fileURLToPath(new URL('../../../blueprints/automation/media_tracker/', import.meta.url));
/** Where HA looks for automation blueprints, and the path automations name them by. */
const BLUEPRINT_DIR = 'blueprints/automation/media_tracker';
export const NOTIFY_BLUEPRINT = 'media_tracker/notify_when_available.yaml';
export const FLASH_BLUEPRINT = 'media_tracker/flash_light_anime_available.yaml';

export const LAMP = 'light.lamp';

/** The file each test notify service appends its messages to (in HA's config dir). */
const notifyFile = (name: string) => `notify-${name}.txt`;
const NOTIFY_TARGETS = ['alice', 'bob', 'household'] as const;
export type NotifyTarget = (typeof NOTIFY_TARGETS)[number];

/** Appended to the suite's configuration.yaml. */
const CONFIGURATION = `
automation: !include automations.yaml
# scene.create / scene.turn_on keep and restore the lamp around a flash.
scene:
# Legacy notify services (notify.<name>, what the blueprint calls): the file platform gives one in
# 2024.1, but in 2025.4 it is a config-entry notify entity only; command_line gives one on both.
# HA runs in its config dir, so the files land there; one message per line.
command_line:
${NOTIFY_TARGETS.map((n) => `  - notify:\n      name: ${n}\n      command: "cat >> ${notifyFile(n)} && echo >> ${notifyFile(n)}"\n`).join('')}
input_boolean:
  lamp_power:
    name: Lamp power
# A light whose switching is visible in its state changes; the colour is kept optimistically.
light:
  - platform: template
    lights:
      lamp:
        friendly_name: Lamp
        value_template: "{{ is_state('input_boolean.lamp_power', 'on') }}"
        turn_on:
          service: input_boolean.turn_on
          target:
            entity_id: input_boolean.lamp_power
        set_rgb:
          service: input_boolean.turn_on
          target:
            entity_id: input_boolean.lamp_power
        turn_off:
          service: input_boolean.turn_off
          target:
            entity_id: input_boolean.lamp_power
`;

/** `HomeAssistant.create` arguments: the configuration above, both blueprints and an empty automations.yaml. */
export function blueprintSetup(): { configuration: string; files: Record<string, string> } {
  const files: Record<string, string> = { 'automations.yaml': '[]\n' };
  for (const file of ['notify_when_available.yaml', 'flash_light_anime_available.yaml']) {
    files[`${BLUEPRINT_DIR}/${file}`] = readFileSync(join(SOURCE, file), 'utf8');
  }
  return { configuration: CONFIGURATION, files };
}

/** The tracker's `notify` option: alice and bob have their own service, carol gets the fallback. */
export const NOTIFY_OPTION = [
  { requester: 'alice', person: 'person.alice', service: 'notify.alice' },
  { requester: 'bob', service: 'notify.bob' },
];

/** Keeps every run of an automation, so a run that was left out (failed conditions) can be found. */
const TRACES = { stored_traces: 100 };

export const NOTIFY_AUTOMATION = {
  id: 'media_tracker_notify',
  entityId: 'automation.tell_the_requester',
  config: {
    alias: 'Tell the requester',
    use_blueprint: { path: NOTIFY_BLUEPRINT, input: { per_episode: true, fallback_service: 'notify.household' } },
    trace: TRACES,
  },
};

export const FLASH_AUTOMATION = {
  id: 'media_tracker_flash',
  entityId: 'automation.flash_the_lamp_for_anime',
  flashes: 2,
  colour: [255, 0, 128],
  config: {
    alias: 'Flash the lamp for anime',
    use_blueprint: { path: FLASH_BLUEPRINT, input: { lights: [LAMP], flashes: 2 } },
    trace: TRACES,
  },
};

/** The messages a notify service wrote, in order (one a line); a file not written yet means no message. */
export async function notifications(configDir: string, target: NotifyTarget): Promise<string[]> {
  let text: string;
  try {
    text = await readFile(join(configDir, notifyFile(target)), 'utf8');
  } catch {
    return [];
  }
  return text.split('\n').filter((l) => l !== '');
}

/** The lamp as a user sees it: on in a colour, or off. */
export function lampLook(state: { state: string; attributes: Record<string, unknown> } | null | undefined): string {
  if (!state) return 'missing';
  if (state.state !== 'on') return state.state;
  const rgb = state.attributes.rgb_color;
  return `on ${Array.isArray(rgb) ? rgb.join(',') : 'without colour'}`;
}

/** The looks the lamp went through, in order, repeats folded (its `state_changed` events). */
export function lampHistory(changes: readonly StateChanged[]): string[] {
  const out: string[] = [];
  for (const c of changes) {
    if (c.entity_id !== LAMP) continue;
    const look = lampLook(c.new_state);
    if (out.at(-1) !== look) out.push(look);
  }
  return out;
}

const triggeredBy = z.object({
  trigger: z.object({
    topic: z.string(),
    payload_json: z.object({ event_type: z.string(), id: z.string(), is_anime: z.boolean() }).passthrough(),
  }),
});

/** The tracker event a run of a blueprint automation was triggered by (its `trigger/0` step). */
export function runEvent(run: AutomationTrace): z.infer<typeof triggeredBy>['trigger']['payload_json'] {
  const step = run.trace['trigger/0']?.[0];
  return triggeredBy.parse(step?.changed_variables).trigger.payload_json;
}

const serviceCall = z.object({
  params: z.object({ domain: z.string(), service: z.string(), service_data: z.record(z.string(), z.unknown()) }),
});

/** The services a run called, grouped by step (a repeated step lists every run of it). */
export function serviceCalls(run: AutomationTrace): Array<{ service: string; data: Record<string, unknown> }> {
  const calls: Array<{ service: string; data: Record<string, unknown> }> = [];
  for (const steps of Object.values(run.trace)) {
    for (const step of steps) {
      const call = serviceCall.safeParse(step.result);
      if (call.success) calls.push({ service: `${call.data.params.domain}.${call.data.params.service}`, data: call.data.params.service_data });
    }
  }
  return calls;
}
