/**
 * Writes `docs/openapi.json`, the OpenAPI 3.1 description of the partner API
 * (`POST /v1/partners/{sourceId}/leads`), generated from the zod schemas in
 * shared/channels/partner/api.ts so the document cannot drift from the code.
 * `npm run openapi` writes it; `npm run openapi -- --check` fails when the committed file is stale.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import {
  DEFAULT_MAX_BATCH,
  MAX_IDEMPOTENCY_KEY_LENGTH,
  partnerApiSchemas,
  partnerErrorCodes,
} from '#shared/channels/partner/api.ts';
import { limits } from '#shared/http/limits.ts';

const target = fileURLToPath(new URL('../docs/openapi.json', import.meta.url));
const packageJson = fileURLToPath(new URL('../package.json', import.meta.url));

const ref = (id: string) => ({ $ref: `#/components/schemas/${id}` });
const jsonContent = (schema: object) => ({ 'application/json': { schema } });

/** The documented error codes of one HTTP status, as a Markdown list for a response description. */
function codesOf(status: number): string {
  return Object.entries(partnerErrorCodes)
    .filter(([, error]) => error.status === status)
    .map(([code, error]) => `- \`${code}\`: ${error.meaning}`)
    .join('\n');
}

function errorResponse(summary: string, status: number, headers?: object) {
  return {
    description: `${summary}\n\n${codesOf(status)}`,
    ...(headers ? { headers } : {}),
    content: jsonContent(ref('ErrorAnswer')),
  };
}

const retryAfter = {
  'Retry-After': { description: 'Seconds to wait before retrying.', schema: { type: 'integer' } },
};

/**
 * The OpenAPI document of the partner API, as committed (stable key order, trailing newline).
 *
 * @example
 * const document = JSON.parse(partnerOpenApi());
 * document.paths['/v1/partners/{sourceId}/leads'].post.operationId; // 'submitLeads'
 */
export function partnerOpenApi(): string {
  const { schemas } = z.toJSONSchema(partnerApiSchemas, {
    io: 'input',
    unrepresentable: 'any',
    uri: (id) => `#/components/schemas/${id}`,
  });
  const components = Object.fromEntries(
    Object.entries(schemas).map(([id, schema]) => {
      const { $schema: _schema, $id: _id, ...rest } = schema as Record<string, unknown>;
      return [id, rest];
    }),
  );
  const version = (JSON.parse(readFileSync(packageJson, 'utf8')) as { version: string }).version;
  const document = {
    openapi: '3.1.0',
    info: {
      title: 'leadgate partner API',
      version,
      description:
        'Send leads to our Onpipeline CRM through leadgate. One lead per request, or a batch. ' +
        'Authenticate with an API key (`X-Api-Key`) or sign with the Standard Webhooks scheme. ' +
        'The guide with worked examples is docs/partners.md.',
    },
    servers: [
      {
        url: 'https://{gateway}',
        description: 'The gateway address we give you.',
        variables: { gateway: { default: 'leads.example.com' } },
      },
    ],
    paths: {
      '/v1/partners/{sourceId}/leads': {
        post: {
          operationId: 'submitLeads',
          summary: 'Submit one lead or a batch of leads',
          description:
            'A lead is accepted once it is stored durably; it is mapped onto an Onpipeline lead and ' +
            'delivered shortly after. Required fields are checked on arrival (422). In a batch, every ' +
            'lead is judged on its own: one bad lead never drops the good ones.',
          security: [{ apiKey: [] }, { standardWebhooks: [] }],
          parameters: [
            {
              name: 'sourceId',
              in: 'path',
              required: true,
              description: 'Your source id, as agreed with us.',
              schema: { type: 'string', pattern: '^[a-z0-9][a-z0-9-]{0,62}$' },
            },
            {
              name: 'Idempotency-Key',
              in: 'header',
              required: false,
              description:
                'Your id of this request. Resending it (for example after a timeout) never creates a ' +
                'second lead; in a batch each lead is keyed by `<key>:<index>`.',
              schema: { type: 'string', minLength: 1, maxLength: MAX_IDEMPOTENCY_KEY_LENGTH },
            },
            {
              name: 'webhook-id',
              in: 'header',
              required: false,
              description: 'Standard Webhooks: the message id (also used as an idempotency key).',
              schema: { type: 'string' },
            },
            {
              name: 'webhook-timestamp',
              in: 'header',
              required: false,
              description: 'Standard Webhooks: signing time in seconds since the Unix epoch (±5 minutes).',
              schema: { type: 'string', pattern: '^\\d+$' },
            },
          ],
          requestBody: {
            required: true,
            description:
              `JSON, at most ${limits.maxBodyBytes / 1024} KB; a batch holds at most ` +
              `${DEFAULT_MAX_BATCH} leads unless agreed otherwise.`,
            content: {
              'application/json': {
                schema: ref('PartnerRequest'),
                examples: {
                  one: {
                    summary: 'One lead',
                    value: { first_name: 'Jane', last_name: 'Doe', email: 'jane.doe@example.com' },
                  },
                  batch: {
                    summary: 'A batch',
                    value: [
                      { first_name: 'Jane', last_name: 'Doe', email: 'jane.doe@example.com' },
                      { first_name: 'John', last_name: 'Roe', phone: '+34 600 000 000' },
                    ],
                  },
                },
              },
            },
          },
          responses: {
            '202': {
              description:
                'Accepted. One lead: `{id, status}`. A batch: a result per lead (at least one queued).',
              content: jsonContent({ oneOf: [ref('Accepted'), ref('BatchAnswer')] }),
            },
            '400': errorResponse('Malformed request.', 400),
            '401': errorResponse('Not authenticated.', 401),
            '403': errorResponse('Authentication method not allowed for this source.', 403),
            '404': errorResponse('Unknown source.', 404),
            '413': errorResponse('Too large.', 413),
            '415': errorResponse('Not JSON.', 415),
            '422': {
              description:
                `One lead: required fields are missing (\`validation_failed\`, see \`error.fields\`). ` +
                'A batch: no lead was queued; see each result.',
              content: jsonContent({ oneOf: [ref('ErrorAnswer'), ref('BatchAnswer')] }),
            },
            '503': errorResponse('Temporarily unavailable: retry after the delay given.', 503, retryAfter),
          },
        },
      },
    },
    components: {
      schemas: components,
      securitySchemes: {
        apiKey: {
          type: 'apiKey',
          in: 'header',
          name: 'X-Api-Key',
          description: 'The API key we gave you. We can give you a second one to rotate without downtime.',
        },
        standardWebhooks: {
          type: 'apiKey',
          in: 'header',
          name: 'webhook-signature',
          description:
            'Standard Webhooks (standardwebhooks.com): `v1,<base64 HMAC-SHA256(secret, ' +
            '"<webhook-id>.<webhook-timestamp>.<raw body>")>`, several space-separated signatures ' +
            'allowed; a `whsec_` secret is base64 after the prefix. Send webhook-id and ' +
            'webhook-timestamp too.',
        },
      },
    },
  };
  return `${JSON.stringify(document, null, 2)}\n`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const text = partnerOpenApi();
  if (process.argv.includes('--check')) {
    let current = '';
    try {
      current = readFileSync(target, 'utf8');
    } catch {
      // a missing file is stale too
    }
    if (current !== text) {
      console.error('docs/openapi.json is out of date: run `npm run openapi` and commit it.');
      process.exit(1);
    }
    console.log('docs/openapi.json is current.');
  } else {
    writeFileSync(target, text);
    console.log(`wrote ${target}`);
  }
}
