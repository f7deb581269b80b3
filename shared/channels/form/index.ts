import type { Channel } from '#shared/channels/channel.ts';
import { formChannel } from '#shared/channels/form/channel.ts';
import { readForm, sampleForm } from '#shared/channels/form/read.ts';

/**
 * The website-form channel (`POST /v1/forms/{sourceId}` and its CORS preflight).
 *
 * @example
 * const capture = form.routes['POST /v1/forms/{sourceId}']?.(deps);
 */
export const form: Channel = {
  name: 'form',
  metric: 'form',
  routes: {
    'OPTIONS /v1/forms/{sourceId}': (deps) => formChannel(deps).preflight,
    'POST /v1/forms/{sourceId}': (deps) => formChannel(deps).capture,
  },
  read: readForm,
  sample: sampleForm,
};
