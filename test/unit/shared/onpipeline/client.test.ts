import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { isLoopbackUrl } from '#shared/http/outbound.ts';
import { createOnpipelineClient, OnpipelineRequestError } from '#shared/onpipeline/client.ts';
import type { LeadsinBody } from '#shared/onpipeline/schema.ts';
import { MissingSecretError } from '#shared/security/secrets.ts';

interface Received {
  method: string | undefined;
  url: string | undefined;
  headers: IncomingHttpHeaders;
  body: string;
}

type Handler = (request: Received, response: ServerResponse, raw: IncomingMessage) => void;

interface FakeOnpipeline {
  url: string;
  received: Received[];
  close: () => Promise<void>;
}

const servers: FakeOnpipeline[] = [];

/** A tiny stand-in for Onpipeline on 127.0.0.1, port 0: records every request, answers via `handler`. */
async function fakeOnpipeline(handler: Handler): Promise<FakeOnpipeline> {
  const received: Received[] = [];
  const server = createServer((raw, response) => {
    const chunks: Buffer[] = [];
    raw.on('data', (chunk: Buffer) => chunks.push(chunk));
    raw.on('end', () => {
      const request = {
        method: raw.method,
        url: raw.url,
        headers: raw.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      received.push(request);
      handler(request, response, raw);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const fake: FakeOnpipeline = {
    url: `http://127.0.0.1:${port}`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  servers.push(fake);
  return fake;
}

function answer(status: number, body: unknown, headers: Record<string, string> = {}): Handler {
  return (_request, response) => {
    response.writeHead(status, { 'content-type': 'application/json', ...headers });
    response.end(typeof body === 'string' ? body : JSON.stringify(body));
  };
}

const createdAnswer = {
  Header: { Status: 'Created', Code: '201', Time: '2025-03-01 10:00:00', Endpoint: 'Leadsin' },
  Data: { LeadID: '4711' },
};

const lead: LeadsinBody = {
  FirstName: 'Zoë',
  LastName: 'Müller',
  Email: [{ Address: 'zoe@example.com', Type: 'work' }],
};

const token = async () => 'tok-3f9a';

afterEach(async () => {
  vi.restoreAllMocks();
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

describe('createOnpipelineClient: sendLead', () => {
  describe.each(['', '/', '/api', '/api/'])('with the base path %j', (path) => {
    it('posts the lead as JSON to <base>/Leadsin with the raw token', async () => {
      // Prepare
      const server = await fakeOnpipeline(answer(201, createdAnswer));
      const client = createOnpipelineClient({ baseUrl: `${server.url}${path}`, token });
      const prefix = path.replace(/\/$/, '');

      // Act
      const outcome = await client.sendLead(lead);

      // Assess
      expect(outcome).toEqual({ kind: 'delivered', status: 201, leadId: '4711' });
      expect(server.received).toHaveLength(1);
      const [request] = server.received;
      expect(request?.method).toBe('POST');
      expect(request?.url).toBe(`${prefix}/Leadsin`);
      expect(request?.headers.authorization).toBe('tok-3f9a');
      expect(request?.headers['content-type']).toBe('application/json');
      expect(JSON.parse(request?.body ?? '')).toEqual(lead);
    });
  });

  it('classifies an error answer with its Retry-After', async () => {
    // Prepare
    const server = await fakeOnpipeline(
      answer(503, { Error: { Code: '503', Message: 'Try again later' } }, { 'retry-after': '42' }),
    );
    const client = createOnpipelineClient({ baseUrl: server.url, token });

    // Act
    const outcome = await client.sendLead(lead);

    // Assess
    expect(outcome).toEqual({
      kind: 'transient',
      status: 503,
      message: 'Try again later',
      ambiguous: false,
      retryAfterSeconds: 42,
    });
  });

  it('classifies a server that never answers within timeoutMs as transient and ambiguous', async () => {
    // Prepare
    const server = await fakeOnpipeline(() => {
      /* never answers */
    });
    const client = createOnpipelineClient({ baseUrl: server.url, token, timeoutMs: 100 });

    // Act
    const outcome = await client.sendLead(lead);

    // Assess
    expect(outcome).toMatchObject({ kind: 'transient', ambiguous: true });
  });

  it.each([307, 308, 302])(
    'never follows a %s redirect: the lead is not resent elsewhere (configuration)',
    async (status) => {
      // Prepare
      const elsewhere = await fakeOnpipeline(answer(201, createdAnswer));
      const server = await fakeOnpipeline(answer(status, '', { location: `${elsewhere.url}/Leadsin` }));
      const client = createOnpipelineClient({ baseUrl: server.url, token, timeoutMs: 2000 });

      // Act
      const outcome = await client.sendLead(lead);

      // Assess
      expect(outcome).toMatchObject({ kind: 'configuration', message: expect.stringContaining('redirect') });
      expect(elsewhere.received).toHaveLength(0);
    },
  );

  it('classifies a refused connection as transient and not ambiguous', async () => {
    // Prepare: a port that was just free'd
    const server = await fakeOnpipeline(answer(201, createdAnswer));
    await server.close();
    const client = createOnpipelineClient({ baseUrl: server.url, token, timeoutMs: 2000 });

    // Act
    const outcome = await client.sendLead(lead);

    // Assess
    expect(outcome).toMatchObject({ kind: 'transient', ambiguous: false });
    expect(outcome).toHaveProperty('message', expect.stringContaining('ECONNREFUSED'));
  });

  it('classifies a connection destroyed after the request as transient and ambiguous', async () => {
    // Prepare
    const server = await fakeOnpipeline((_request, _response, raw) => raw.socket.destroy());
    const client = createOnpipelineClient({ baseUrl: server.url, token, timeoutMs: 2000 });

    // Act
    const outcome = await client.sendLead(lead);

    // Assess
    expect(outcome).toMatchObject({ kind: 'transient', ambiguous: true });
    expect(server.received).toHaveLength(1);
  });

  it.each([
    ['throws an Error', async (): Promise<string> => Promise.reject(new Error('vault sealed'))],
    [
      'throws MissingSecretError',
      async (): Promise<string> => Promise.reject(new MissingSecretError('ONPIPELINE_TOKEN')),
    ],
  ])(
    'classifies a token function that %s as configuration, without calling Onpipeline',
    async (_what, failing) => {
      // Prepare
      const server = await fakeOnpipeline(answer(201, createdAnswer));
      const client = createOnpipelineClient({ baseUrl: server.url, token: failing });

      // Act
      const outcome = await client.sendLead(lead);

      // Assess
      expect(outcome.kind).toBe('configuration');
      expect(server.received).toHaveLength(0);
    },
  );
});

describe('createOnpipelineClient: an unusable token', () => {
  it('classifies a token that is not a valid header value as configuration, not ambiguous', async () => {
    // Prepare: e.g. a secret pasted with a line break in the middle
    const server = await fakeOnpipeline(answer(201, createdAnswer));
    const client = createOnpipelineClient({
      baseUrl: server.url,
      token: async () => 'tok-3f9a\nsecond-line',
    });

    // Act
    const outcome = await client.sendLead(lead);

    // Assess
    expect(server.received).toHaveLength(0);
    expect(outcome.kind).toBe('configuration');
  });
});

describe('createOnpipelineClient: base URL', () => {
  it.each([
    'http://api.example.com',
    'http://api.onpipeline.com/',
    'http://10.0.0.5:3001',
    'ftp://127.0.0.1',
  ])('refuses %j at construction, without any request', (baseUrl) => {
    // Prepare
    const fetchSpy = vi.spyOn(globalThis, 'fetch');

    // Act
    const construct = () => createOnpipelineClient({ baseUrl, token });

    // Assess
    expect(construct).toThrow(/https/);
    expect(fetchSpy).not.toHaveBeenCalled();
  });

  it.each([
    'https://api.onpipeline.com',
    'https://api.example.com/v1/',
    'http://127.0.0.1:3001',
    'http://localhost:3001',
    'http://[::1]:3001',
  ])('accepts %j', (baseUrl) => {
    // Prepare
    const fetchSpy = vi.spyOn(globalThis, 'fetch');

    // Act
    const client = createOnpipelineClient({ baseUrl, token });

    // Assess
    expect(client).toBeDefined();
    expect(fetchSpy).not.toHaveBeenCalled();
  });
});

describe('isLoopbackUrl', () => {
  it.each([
    ['http://127.0.0.1:3001', true],
    ['http://127.1.2.3', true],
    ['http://localhost:3001/x', true],
    ['http://[::1]:3001', true],
    ['http://10.0.0.1', false],
    ['http://api.example.com', false],
    ['http://localhost.evil.test', false],
    ['http://127.0.0.1.evil.test', false],
    ['http://evil.test/127.0.0.1', false],
  ])('says %s → %s', (url, expected) => {
    // Act
    const result = isLoopbackUrl(new URL(url));

    // Assess
    expect(result).toBe(expected);
  });
});

describe('createOnpipelineClient: listCustomFields', () => {
  it('posts {"Table":"Persons"} to <base>/ListCustomFields and returns Data', async () => {
    // Prepare
    const data = [
      { Name: 'Lead source', ID: '1411084500' },
      { Name: 'Budget', ID: '1411084501' },
    ];
    const server = await fakeOnpipeline(answer(200, { Header: { Code: '200' }, Data: data }));
    const client = createOnpipelineClient({ baseUrl: server.url, token });

    // Act
    const fields = await client.listCustomFields('Persons');

    // Assess
    expect(fields).toEqual(data);
    expect(server.received).toHaveLength(1);
    expect(server.received[0]).toMatchObject({ method: 'POST', url: '/ListCustomFields' });
    expect(server.received[0]?.headers.authorization).toBe('tok-3f9a');
    expect(JSON.parse(server.received[0]?.body ?? '')).toEqual({ Table: 'Persons' });
  });

  it.each([
    [401, 'configuration'],
    [406, 'permanent'],
    [500, 'transient'],
  ])('throws OnpipelineRequestError with the classified outcome for a %i', async (status, kind) => {
    // Prepare
    const server = await fakeOnpipeline(answer(status, { Error: { Code: String(status), Message: 'nope' } }));
    const client = createOnpipelineClient({ baseUrl: server.url, token });

    // Act
    const result = client.listCustomFields('Deals');

    // Assess
    await expect(result).rejects.toBeInstanceOf(OnpipelineRequestError);
    await expect(result).rejects.toMatchObject({ outcome: { kind, status, message: 'nope' } });
  });

  it('throws OnpipelineRequestError for a success answer of the wrong shape', async () => {
    // Prepare
    const server = await fakeOnpipeline(answer(200, { Data: 'not a list' }));
    const client = createOnpipelineClient({ baseUrl: server.url, token });

    // Act
    const result = client.listCustomFields('Persons');

    // Assess
    await expect(result).rejects.toBeInstanceOf(OnpipelineRequestError);
  });

  it('throws OnpipelineRequestError (not a SyntaxError) for a success answer that is not JSON', async () => {
    // Prepare
    const server = await fakeOnpipeline(answer(200, '<html>Maintenance</html>'));
    const client = createOnpipelineClient({ baseUrl: server.url, token });

    // Act
    const result = client.listCustomFields('Persons');

    // Assess
    await expect(result).rejects.toBeInstanceOf(OnpipelineRequestError);
  });

  it('throws OnpipelineRequestError with a transient outcome when the connection is refused', async () => {
    // Prepare
    const server = await fakeOnpipeline(answer(200, { Data: [] }));
    await server.close();
    const client = createOnpipelineClient({ baseUrl: server.url, token });

    // Act
    const result = client.listCustomFields('Organizations');

    // Assess
    await expect(result).rejects.toMatchObject({ outcome: { kind: 'transient', ambiguous: false } });
  });
});

describe('createOnpipelineClient: addCustomField', () => {
  it.each([
    ['an ID', { Data: { ID: '1411084437' } }, { id: '1411084437', existed: false }],
    ['a numeric FieldID', { Data: { FieldID: 1411084438 } }, { id: '1411084438', existed: false }],
    ['no id at all', { Data: {} }, { existed: false }],
    ['a body that is not JSON', 'Created', { existed: false }],
  ])('creates the field with the table in lower case, answering %s', async (_case, created, expected) => {
    // Prepare
    const server = await fakeOnpipeline(answer(201, created));
    const client = createOnpipelineClient({ baseUrl: server.url, token });

    // Act
    const result = await client.addCustomField('Persons', 'Lead source');

    // Assess
    expect(result).toEqual(expected);
    expect(server.received[0]).toMatchObject({ url: '/FieldAdd' });
    expect(JSON.parse(server.received[0]?.body ?? '')).toEqual({ Table: 'persons', Name: 'Lead source' });
  });

  it('answers existed for a field Onpipeline already has (409)', async () => {
    // Prepare
    const server = await fakeOnpipeline(answer(409, { Header: { Code: '409', Message: 'exists' } }));
    const client = createOnpipelineClient({ baseUrl: server.url, token });

    // Act
    const result = await client.addCustomField('Deals', 'Budget');

    // Assess
    expect(result).toEqual({ existed: true });
  });

  it('throws OnpipelineRequestError with the outcome of a refused creation', async () => {
    // Prepare
    const server = await fakeOnpipeline(answer(403, { Header: { Code: '403', Message: 'not allowed' } }));
    const client = createOnpipelineClient({ baseUrl: server.url, token });

    // Act
    const result = client.addCustomField('Organizations', 'Size');

    // Assess
    await expect(result).rejects.toBeInstanceOf(OnpipelineRequestError);
    await expect(result).rejects.toMatchObject({
      message: 'FieldAdd failed: configuration 403',
      outcome: { kind: 'configuration', status: 403 },
    });
  });
});

describe('createOnpipelineClient: odd failures', () => {
  it('names a token function that throws a value that is not an Error', async () => {
    // Prepare
    const server = await fakeOnpipeline(answer(201, createdAnswer));
    const client = createOnpipelineClient({ baseUrl: server.url, token: () => Promise.reject('sealed') });

    // Act
    const outcome = await client.sendLead(lead);

    // Assess
    expect(outcome).toEqual({ kind: 'configuration', message: 'Onpipeline token unavailable: sealed' });
    expect(server.received).toHaveLength(0);
  });
});
