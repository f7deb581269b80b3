import * as z from 'zod/mini';
import en from 'zod/v4/locales/en.js';

/**
 * zod's tree-shakable API (`zod/mini`) for the schemas the functions check at run time (the envelope,
 * Onpipeline's answers and the Leadsin body): the classic `zod` API costs ~20 ms of every cold start
 * to load, whatever a function uses of it (docs/architecture.md, "Cold start"). The classic API stays
 * for the source config schema, which the functions never load (sources are validated at synth).
 *
 * The English messages are the classic API's defaults; `zod/mini` has none until a locale is set, so
 * they are set here, once, the same way the classic API does it (a locale set elsewhere wins).
 *
 * @example
 * import { z } from '#shared/zod-mini.ts';
 * const id = z.string().check(z.minLength(1));
 */
z.config(en());

export { z };
