import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { mulberry32 } from '#local/sandbox/faults.ts';
import {
  defaultCustomFields,
  SANDBOX_TOKEN,
  type Sandbox,
  type SandboxOptions,
  startSandbox,
} from '#local/sandbox/server.ts';
import { describeIssues, formatPath } from '#local/sandbox/validation.ts';
import { leadsinBodySchema, leadsinCreatedSchema, onpipelineErrorSchema } from '#shared/onpipeline/schema.ts';

/** The `Leadsin` example body of the Onpipeline REST API reference, verbatim. */
const referenceExample = {
  FirstName: 'Mike',
  LastName: 'Smith',
  OrgName: 'Company Inc.',
  Email: [{ Address: 'mike@company.com', Type: 'work' }],
  Phone: [{ Number: '111111111111', Type: 'work' }],
  Extra: [{ ID: '1111111', Value: 'Managing Director' }],
};

const onpipelineTime = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/;

const running: Sandbox[] = [];
const tempDirs: string[] = [];

afterEach(async () => {
  await Promise.all(running.splice(0).map((sandbox) => sandbox.stop()));
  await Promise.all(tempDirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

async function start(options: SandboxOptions = {}): Promise<Sandbox> {
  const sandbox = await startSandbox({ port: 0, ...options });
  running.push(sandbox);
  return sandbox;
}

async function tempFile(name: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'leadgate-sandbox-'));
  tempDirs.push(dir);
  return join(dir, name);
}

interface PostOptions {
  token?: string | null;
  signal?: AbortSignal;
}

function post(sandbox: Sandbox, path: string, body: unknown, options: PostOptions = {}): Promise<Response> {
  const headers: Record<string, string> = {};
  const token = options.token === undefined ? SANDBOX_TOKEN : options.token;
  if (token !== null) headers.Authorization = token;
  return fetch(`${sandbox.url}${path}`, {
    method: 'POST',
    headers,
    body: typeof body === 'string' ? body : JSON.stringify(body),
    ...(options.signal ? { signal: options.signal } : {}),
  });
}

async function expectError(response: Response, status: number, message?: string | RegExp): Promise<void> {
  expect(response.status).toBe(status);
  expect(response.headers.get('content-type')).toBe('application/json');
  const body = onpipelineErrorSchema.parse(await response.json());
  expect(Object.keys(body)).toEqual(['Error']);
  expect(body.Error.Code).toBe(String(status));
  expect(body.Error.Time).toMatch(onpipelineTime);
  expect(body.Error.IP).toBe('127.0.0.1');
  if (typeof message === 'string') expect(body.Error.Message).toBe(message);
  else if (message) expect(body.Error.Message).toMatch(message);
}

describe('POST /Leadsin', () => {
  it("accepts the reference's own example with 201 and a LeadID, and lists the lead", async () => {
    // Prepare
    const sandbox = await start();

    // Act
    const response = await post(sandbox, '/Leadsin', referenceExample);

    // Assess
    expect(response.status).toBe(201);
    expect(response.headers.get('content-type')).toBe('application/json');
    const answer = leadsinCreatedSchema.parse(await response.json());
    expect(answer.Header).toEqual({
      Status: 'Created',
      Code: '201',
      Time: expect.stringMatching(onpipelineTime),
      Endpoint: 'Leadsin',
    });
    expect(answer.Data.LeadID).not.toBe('');
    const listed = await (await fetch(`${sandbox.url}/_sandbox/leads`)).json();
    expect(listed).toEqual([
      { leadId: answer.Data.LeadID, receivedAt: expect.any(String), body: referenceExample },
    ]);
    expect(sandbox.leads()).toEqual(listed);
  });

  it('gives every lead its own LeadID and lists them oldest first', async () => {
    // Prepare
    const sandbox = await start();

    // Act
    const first = await (await post(sandbox, '/Leadsin', { FirstName: 'Ada', LastName: 'One' })).json();
    const second = await (await post(sandbox, '/Leadsin', { FirstName: 'Bob', LastName: 'Two' })).json();

    // Assess
    expect(first.Data.LeadID).not.toBe(second.Data.LeadID);
    expect(sandbox.leads().map((lead) => lead.leadId)).toEqual([first.Data.LeadID, second.Data.LeadID]);
  });

  it('answers 406 naming a missing mandatory field', async () => {
    // Prepare
    const sandbox = await start();
    const { LastName: _, ...withoutLastName } = referenceExample;

    // Act
    const response = await post(sandbox, '/Leadsin', withoutLastName);

    // Assess
    await expectError(response, 406, 'LastName is mandatory');
    expect(sandbox.leads()).toEqual([]);
  });

  it('answers 406 naming a bad e-mail type', async () => {
    // Prepare
    const sandbox = await start();
    const body = { ...referenceExample, Email: [{ Address: 'mike@company.com', Type: 'mobile' }] };

    // Act
    const response = await post(sandbox, '/Leadsin', body);

    // Assess
    await expectError(response, 406, 'Email[0].Type must be one of work, home, other');
  });

  it('answers 406 for an unknown custom field ID', async () => {
    // Prepare
    const sandbox = await start();
    const body = { ...referenceExample, Extra: [{ ID: '123', Value: 'x' }] };

    // Act
    const response = await post(sandbox, '/Leadsin', body);

    // Assess
    await expectError(response, 406, 'Unknown custom field ID 123');
    expect(sandbox.leads()).toEqual([]);
  });

  it('accepts a custom field ID of any table', async () => {
    // Prepare
    const sandbox = await start();
    const body = { FirstName: 'A', LastName: 'B', Extra: [{ ID: '3411084401', Value: '10000' }] };

    // Act
    const response = await post(sandbox, '/Leadsin', body);

    // Assess
    expect(response.status).toBe(201);
  });

  it.each([
    ['not JSON', '{"FirstName":'],
    ['an array', '[]'],
    ['null', 'null'],
    ['empty', ''],
  ])('answers 406 Invalid JSON for a body that is %s', async (_name, body) => {
    // Prepare
    const sandbox = await start();

    // Act
    const response = await post(sandbox, '/Leadsin', body);

    // Assess
    await expectError(response, 406, 'Invalid JSON');
  });

  it('answers 406 for a body over 1 MB', async () => {
    // Prepare
    const sandbox = await start();
    const body = { FirstName: 'A', LastName: 'B', City: 'x'.repeat(1024 * 1024) };

    // Act
    const response = await post(sandbox, '/Leadsin', body);

    // Assess
    await expectError(response, 406, /too large/);
    expect(sandbox.leads()).toEqual([]);
  });

  it('answers 400 Missing Token without an Authorization header', async () => {
    // Prepare
    const sandbox = await start();

    // Act
    const response = await post(sandbox, '/Leadsin', referenceExample, { token: null });

    // Assess
    await expectError(response, 400, 'Missing Token');
  });

  it('answers 401 Invalid Token for a wrong token, even with a Bearer scheme', async () => {
    // Prepare
    const sandbox = await start();

    // Act
    const wrong = await post(sandbox, '/Leadsin', referenceExample, { token: 'nope' });
    const bearer = await post(sandbox, '/Leadsin', referenceExample, { token: `Bearer ${SANDBOX_TOKEN}` });

    // Assess
    await expectError(wrong, 401, 'Invalid Token');
    await expectError(bearer, 401, 'Invalid Token');
    expect(sandbox.leads()).toEqual([]);
  });

  it('accepts a configured token', async () => {
    // Prepare
    const sandbox = await start({ token: 'other-token' });

    // Act
    const response = await post(sandbox, '/Leadsin', referenceExample, { token: 'other-token' });

    // Assess
    expect(response.status).toBe(201);
  });

  it('answers 403 Invalid IP for a client outside the whitelist', async () => {
    // Prepare
    const refusing = await start({ allowedIps: ['203.0.113.7'] });
    const allowing = await start({ allowedIps: ['127.0.0.1'] });

    // Act
    const refused = await post(refusing, '/Leadsin', referenceExample);
    const allowed = await post(allowing, '/Leadsin', referenceExample);

    // Assess
    await expectError(refused, 403, 'Invalid IP');
    expect(allowed.status).toBe(201);
  });
});

describe('POST /ListCustomFields', () => {
  it.each(['Persons', 'Organizations', 'Deals'] as const)('lists the %s custom fields', async (table) => {
    // Prepare
    const sandbox = await start();

    // Act
    const response = await post(sandbox, '/ListCustomFields', { Table: table });

    // Assess
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(await response.json()).toEqual({
      Header: {
        Status: 'Accepted',
        Code: '200',
        Time: expect.stringMatching(onpipelineTime),
        Endpoint: 'ListCustomFields',
        Table: table,
      },
      Data: defaultCustomFields[table],
    });
  });

  it('lists configured custom fields, keeping the defaults of tables not given', async () => {
    // Prepare
    const sandbox = await start({ customFields: { Deals: [{ Name: 'Source deal', ID: '42' }] } });

    // Act
    const deals = await (await post(sandbox, '/ListCustomFields', { Table: 'Deals' })).json();
    const persons = await (await post(sandbox, '/ListCustomFields', { Table: 'Persons' })).json();

    // Assess
    expect(deals.Data).toEqual([{ Name: 'Source deal', ID: '42' }]);
    expect(persons.Data).toEqual(defaultCustomFields.Persons);
  });

  it.each([{}, { Table: 'persons' }, { Table: 'Leads' }])('answers 406 for the table in %j', async (body) => {
    // Prepare
    const sandbox = await start();

    // Act
    const response = await post(sandbox, '/ListCustomFields', body);

    // Assess
    await expectError(response, 406, 'Table must be one of Persons, Organizations, Deals');
  });

  it('checks the token too', async () => {
    // Prepare
    const sandbox = await start();

    // Act
    const response = await post(sandbox, '/ListCustomFields', { Table: 'Persons' }, { token: 'nope' });

    // Assess
    await expectError(response, 401, 'Invalid Token');
  });
});

async function listed(sandbox: Sandbox, table: string): Promise<{ Name: string; ID: string }[]> {
  return (await (await post(sandbox, '/ListCustomFields', { Table: table })).json()).Data;
}

describe('POST /FieldAdd', () => {
  it.each([
    ['persons', 'Persons'],
    ['organizations', 'Organizations'],
    ['deals', 'Deals'],
  ])(
    'creates a text field in %s with a fresh numeric ID that ListCustomFields then lists',
    async (table, listedAs) => {
      // Prepare
      const sandbox = await start();
      const before = await listed(sandbox, listedAs);

      // Act
      const response = await post(sandbox, '/FieldAdd', { Table: table, Name: 'BillingID' });

      // Assess
      expect(response.status).toBe(201);
      expect(response.headers.get('content-type')).toBe('application/json');
      const answer = await response.json();
      expect(answer).toEqual({
        Header: {
          Status: 'Created',
          Code: '201',
          Time: expect.stringMatching(onpipelineTime),
          Endpoint: 'FieldAdd',
        },
        Data: { ID: expect.stringMatching(/^\d+$/) },
      });
      const allIds = (await Promise.all(['Persons', 'Organizations', 'Deals'].map((t) => listed(sandbox, t))))
        .flat()
        .map((field) => field.ID);
      expect(allIds.filter((id) => id === answer.Data.ID)).toHaveLength(1);
      expect(await listed(sandbox, listedAs)).toEqual([...before, { Name: 'BillingID', ID: answer.Data.ID }]);
    },
  );

  it('gives every new field its own ID, and a new Persons field is a valid Leadsin Extra ID', async () => {
    // Prepare
    const sandbox = await start();

    // Act
    const first = await (await post(sandbox, '/FieldAdd', { Table: 'persons', Name: 'Webinar' })).json();
    const second = await (
      await post(sandbox, '/FieldAdd', { Table: 'persons', Name: 'Budget range' })
    ).json();
    const lead = await post(sandbox, '/Leadsin', {
      FirstName: 'Mike',
      LastName: 'Smith',
      Extra: [{ ID: first.Data.ID, Value: 'Spring' }],
    });

    // Assess
    expect(first.Data.ID).not.toBe(second.Data.ID);
    expect(lead.status).toBe(201);
  });

  it.each([
    [{ Name: 'X' }, 406, 'Table must be one of persons, organizations, deals'],
    [{ Table: 'Persons', Name: 'X' }, 406, 'Table must be one of persons, organizations, deals'],
    [{ Table: 'leads', Name: 'X' }, 406, 'Table must be one of persons, organizations, deals'],
    [{ Table: 'constructor', Name: 'X' }, 406, 'Table must be one of persons, organizations, deals'],
    [{ Table: 'persons' }, 406, 'Name is required'],
    [{ Table: 'persons', Name: '   ' }, 406, 'Name is required'],
    [{ Table: 'persons', Name: 7 }, 406, 'Name is required'],
    [{ Table: 'persons', Name: 'X', Type: 'number' }, 406, 'The API creates only text fields'],
    [
      { Table: 'persons', Name: 'lead SOURCE' },
      409,
      'Duplicate: Persons already has a field named lead SOURCE',
    ],
  ])('refuses %j with %i', async (body, status, message) => {
    // Prepare
    const sandbox = await start();

    // Act
    const response = await post(sandbox, '/FieldAdd', body);

    // Assess
    await expectError(response, status, message);
  });

  it.each([
    ['not JSON', '{"Table":', 406, 'Invalid JSON'],
    ['a JSON array', '[]', 406, 'Invalid JSON'],
  ])('answers %s with %i', async (_case, body, status, message) => {
    // Prepare
    const sandbox = await start();

    // Act
    const response = await post(sandbox, '/FieldAdd', body);

    // Assess
    await expectError(response, status, message);
  });

  it.each([
    [null, 400, 'Missing Token'],
    ['nope', 401, 'Invalid Token'],
  ])('checks the token (%s → %i) and creates nothing', async (token, status, message) => {
    // Prepare
    const sandbox = await start();

    // Act
    const response = await post(sandbox, '/FieldAdd', { Table: 'persons', Name: 'X' }, { token });

    // Assess
    await expectError(response, status, message);
    expect(await listed(sandbox, 'Persons')).toEqual(defaultCustomFields.Persons);
  });

  it('answers 403 Invalid IP for a client not whitelisted', async () => {
    // Prepare
    const sandbox = await start({ allowedIps: ['10.0.0.1'] });

    // Act
    const response = await post(sandbox, '/FieldAdd', { Table: 'persons', Name: 'X' });

    // Assess
    await expectError(response, 403, 'Invalid IP');
  });
});

describe('POST /FieldDelete', () => {
  it('deletes a field of any table with 202; it leaves ListCustomFields and Leadsin refuses its ID', async () => {
    // Prepare
    const sandbox = await start();

    // Act
    const response = await post(sandbox, '/FieldDelete', { ID: '2411084401' });
    const lead = await post(sandbox, '/Leadsin', {
      FirstName: 'Mike',
      LastName: 'Smith',
      Extra: [{ ID: '2411084401', Value: '50' }],
    });

    // Assess
    expect(response.status).toBe(202);
    expect(await response.json()).toEqual({
      Header: {
        Status: 'Accepted',
        Code: '202',
        Time: expect.stringMatching(onpipelineTime),
        Endpoint: 'FieldDelete',
      },
      Data: { ID: '2411084401' },
    });
    expect(await listed(sandbox, 'Organizations')).toEqual([]);
    await expectError(lead, 406, 'Unknown custom field ID 2411084401');
  });

  it('deletes a field FieldAdd created', async () => {
    // Prepare
    const sandbox = await start();
    const added = await (await post(sandbox, '/FieldAdd', { Table: 'deals', Name: 'Stage note' })).json();

    // Act
    const response = await post(sandbox, '/FieldDelete', { ID: added.Data.ID });

    // Assess
    expect(response.status).toBe(202);
    expect(await listed(sandbox, 'Deals')).toEqual(defaultCustomFields.Deals);
  });

  it.each([
    [{}, 406, 'ID must be the numeric ID of a field'],
    [{ ID: 'Lead source' }, 406, 'ID must be the numeric ID of a field'],
    [{ ID: '999' }, 404, 'Custom field 999 not found'],
  ])('refuses %j with %i', async (body, status, message) => {
    // Prepare
    const sandbox = await start();

    // Act
    const response = await post(sandbox, '/FieldDelete', body);

    // Assess
    await expectError(response, status, message);
  });

  it('checks the token and deletes nothing without it', async () => {
    // Prepare
    const sandbox = await start();

    // Act
    const response = await post(sandbox, '/FieldDelete', { ID: '1411084437' }, { token: 'nope' });

    // Assess
    await expectError(response, 401, 'Invalid Token');
    expect(await listed(sandbox, 'Persons')).toEqual(defaultCustomFields.Persons);
  });
});

describe('other API paths', () => {
  it('answers 404 Resource not found for an unknown resource or a wrong method', async () => {
    // Prepare
    const sandbox = await start();

    // Act
    const unknown = await post(sandbox, '/PersonAdd', {});
    const wrongMethod = await fetch(`${sandbox.url}/Leadsin`, { headers: { Authorization: SANDBOX_TOKEN } });

    // Assess
    await expectError(unknown, 404, 'Resource not found');
    await expectError(wrongMethod, 404, 'Resource not found');
    expect(sandbox.stats()).toMatchObject({ requests: 2, byEndpoint: { '/PersonAdd': 1, '/Leadsin': 1 } });
  });
});

describe('control API', () => {
  it('clears the leads on DELETE /_sandbox/leads', async () => {
    // Prepare
    const sandbox = await start();
    await post(sandbox, '/Leadsin', referenceExample);

    // Act
    const response = await fetch(`${sandbox.url}/_sandbox/leads`, { method: 'DELETE' });

    // Assess
    expect(response.status).toBe(204);
    expect(await (await fetch(`${sandbox.url}/_sandbox/leads`)).json()).toEqual([]);
    expect(sandbox.leads()).toEqual([]);
  });

  it('reads and replaces the faults over HTTP, refusing invalid ones', async () => {
    // Prepare
    const sandbox = await start({ faults: { error500: 0.5, seed: 7 } });
    const url = `${sandbox.url}/_sandbox/faults`;

    // Act
    const before = await (await fetch(url)).json();
    const put = await fetch(url, { method: 'PUT', body: JSON.stringify({ error500: 1 }) });
    const invalid = await fetch(url, { method: 'PUT', body: JSON.stringify({ error500: 2, typo: 1 }) });
    const after = await (await fetch(url)).json();
    const lead = await post(sandbox, '/Leadsin', referenceExample);

    // Assess
    expect(before).toEqual({ error500: 0.5, seed: 7 });
    expect(put.status).toBe(200);
    expect(invalid.status).toBe(400);
    expect(after).toEqual({ error500: 1 });
    expect(lead.status).toBe(500);
  });

  it('refuses invalid faults from code with a TypeError', async () => {
    // Prepare
    const sandbox = await start();

    // Act
    const act = () => sandbox.setFaults({ slow: -1 });

    // Assess
    expect(act).toThrow(TypeError);
  });
});

describe('data file', () => {
  it('keeps the leads across a stop and start, and clear() truncates it', async () => {
    // Prepare
    const dataFile = await tempFile('leads.jsonl');
    const first = await start({ dataFile });
    await post(first, '/Leadsin', referenceExample);
    await post(first, '/Leadsin', { FirstName: 'Ada', LastName: 'Lovelace' });
    const before = first.leads();
    await first.stop();

    // Act
    const second = await start({ dataFile });

    // Assess
    expect(second.leads()).toEqual(before);
    await second.clear();
    expect(await readFile(dataFile, 'utf8')).toBe('');
    await second.stop();
    const third = await start({ dataFile });
    expect(third.leads()).toEqual([]);
  });
});

describe('faults', () => {
  it('answers 500 and stores nothing with error500', async () => {
    // Prepare
    const sandbox = await start({ faults: { error500: 1 } });

    // Act
    const response = await post(sandbox, '/Leadsin', referenceExample);

    // Assess
    await expectError(response, 500, 'Internal Server Error');
    expect(sandbox.leads()).toEqual([]);
    expect(sandbox.stats().faultsInjected).toEqual({ error500: 1 });
  });

  it('answers 429 with Retry-After and stores nothing with rateLimit429', async () => {
    // Prepare
    const sandbox = await start({ faults: { rateLimit429: 1, retryAfterSeconds: 7 } });

    // Act
    const response = await post(sandbox, '/Leadsin', referenceExample);

    // Assess
    expect(response.headers.get('retry-after')).toBe('7');
    await expectError(response, 429);
    expect(sandbox.leads()).toEqual([]);
  });

  it('sends Retry-After: 1 by default', async () => {
    // Prepare
    const sandbox = await start({ faults: { rateLimit429: 1 } });

    // Act
    const response = await post(sandbox, '/Leadsin', referenceExample);

    // Assess
    expect(response.headers.get('retry-after')).toBe('1');
  });

  it('answers 406 and stores nothing with reject406', async () => {
    // Prepare
    const sandbox = await start({ faults: { reject406: 1 } });

    // Act
    const response = await post(sandbox, '/Leadsin', referenceExample);

    // Assess
    await expectError(response, 406);
    expect(sandbox.leads()).toEqual([]);
  });

  it('drops the connection and stores nothing with resetBeforeAnswer', async () => {
    // Prepare
    const sandbox = await start({ faults: { resetBeforeAnswer: 1 } });

    // Act
    const act = post(sandbox, '/Leadsin', referenceExample);

    // Assess
    await expect(act).rejects.toThrow();
    expect(sandbox.leads()).toEqual([]);
    expect(sandbox.stats().faultsInjected).toEqual({ resetBeforeAnswer: 1 });
  });

  it('stores the lead but drops the connection with commitThenDrop', async () => {
    // Prepare
    const sandbox = await start({ faults: { commitThenDrop: 1 } });

    // Act
    const act = post(sandbox, '/Leadsin', referenceExample);

    // Assess
    await expect(act).rejects.toThrow();
    expect(sandbox.leads().map((lead) => lead.body)).toEqual([referenceExample]);
  });

  it('stores the lead at once but answers late with slow, so a shorter client timeout fires', async () => {
    // Prepare
    const sandbox = await start({ faults: { slow: 1, slowMs: 300 } });

    // Act
    const act = post(sandbox, '/Leadsin', referenceExample, { signal: AbortSignal.timeout(50) });

    // Assess
    await expect(act).rejects.toThrow(/timeout|aborted/i);
    expect(sandbox.leads()).toHaveLength(1);
  });

  it('answers normally after slowMs with slow', async () => {
    // Prepare: the sandbox's answer timer runs on a fake clock (sockets keep their own timers)
    const sandbox = await start({ faults: { slow: 1, slowMs: 60_000 } });
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    let answered = false;
    const pending = post(sandbox, '/Leadsin', referenceExample).then((response) => {
      answered = true;
      return response;
    });
    // (not vi.waitFor: under fake timers it advances the clock itself)
    while (sandbox.leads().length === 0) await new Promise((resolve) => setImmediate(resolve));

    // Act
    await vi.advanceTimersByTimeAsync(59_999);
    const answeredEarly = answered;
    await vi.advanceTimersByTimeAsync(1);
    vi.useRealTimers();
    const response = await pending;

    // Assess
    expect(answeredEarly).toBe(false);
    expect(response.status).toBe(201);
  });

  it('injects no fault before the token is checked', async () => {
    // Prepare
    const sandbox = await start({ faults: { error500: 1 } });

    // Act
    const response = await post(sandbox, '/Leadsin', referenceExample, { token: null });

    // Assess
    await expectError(response, 400, 'Missing Token');
    expect(sandbox.stats().faultsInjected).toEqual({});
  });

  it('decides the same faults for the same seed', async () => {
    // Prepare
    const faults = { error500: 0.3, rateLimit429: 0.3, seed: 1234 };
    const sandboxes = [await start({ faults }), await start({ faults })];

    // Act
    const statuses = await Promise.all(
      sandboxes.map(async (sandbox) => {
        const seen: number[] = [];
        for (let i = 0; i < 12; i += 1) seen.push((await post(sandbox, '/Leadsin', referenceExample)).status);
        return seen;
      }),
    );

    // Assess
    expect(statuses[0]).toEqual(statuses[1]);
    expect(new Set(statuses[0])).toEqual(new Set([201, 429, 500]));
  });

  it('stops promptly while a slow answer and keep-alive sockets are open', async () => {
    // Prepare
    const sandbox = await start({ faults: { slow: 1, slowMs: 600_000 } });
    const pending = post(sandbox, '/Leadsin', referenceExample).catch((error: unknown) => error);
    await vi.waitFor(() => expect(sandbox.leads()).toHaveLength(1));

    // Act
    await sandbox.stop();

    // Assess: stop did not wait for the answer due in ten minutes: it cut the request off
    expect(await pending).toBeInstanceOf(Error);
  });
});

describe('GET /', () => {
  it('lists the leads newest first, escaping HTML', async () => {
    // Prepare
    const sandbox = await start();
    await post(sandbox, '/Leadsin', { FirstName: 'Older', LastName: 'Lead' });
    await post(sandbox, '/Leadsin', { FirstName: '<script>alert(1)</script>', LastName: '"Smith" & co' });

    // Act
    const response = await fetch(`${sandbox.url}/`);
    const html = await response.text();

    // Assess
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    expect(response.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(html).not.toContain('<script>');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('&quot;Smith&quot; &amp; co');
    expect(html.indexOf('&lt;script&gt;')).toBeLessThan(html.indexOf('Older'));
  });
});

describe('validation messages', () => {
  it('names every field and its problem', () => {
    // Prepare
    const input = { FirstName: ' ', Phone: 'x', Extra: [{ ID: 'a1', Value: 'v' }], Foo: 1 };
    const { error } = leadsinBodySchema.safeParse(input);

    // Act
    const message = describeIssues(error?.issues ?? [], input);

    // Assess
    expect(message).toBe(
      [
        'FirstName must not be empty',
        'LastName is mandatory',
        'Phone must be an array',
        'Extra[0].ID is invalid (custom field IDs are numeric strings)',
        'Unknown field Foo',
      ].join('; '),
    );
  });

  it('formats paths the way the reference writes them', () => {
    expect(formatPath(['Email', 0, 'Type'])).toBe('Email[0].Type');
    expect(formatPath([])).toBe('');
  });
});

describe('mulberry32', () => {
  it('is deterministic and stays in [0, 1)', () => {
    // Prepare
    const a = mulberry32(99);
    const b = mulberry32(99);

    // Act
    const draws = Array.from({ length: 1000 }, () => a());

    // Assess
    expect(draws.slice(0, 5)).toEqual(Array.from({ length: 5 }, () => b()));
    expect(draws.every((value) => value >= 0 && value < 1)).toBe(true);
  });
});
