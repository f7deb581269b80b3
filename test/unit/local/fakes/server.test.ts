import { afterEach, describe, expect, it } from 'vitest';
import { jsonSender, startFakeServer } from '#local/fakes/server.ts';
import { sendJson } from '#local/sandbox/answers.ts';

const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const stop of stops.splice(0)) await stop();
});

/** A fake whose API answers `/ok` and throws elsewhere, with one control route that parses its body. */
async function start() {
  const stored: unknown[] = [];
  const { url, stop } = await startFakeServer({
    base: 'http://test.fake',
    api: (_req, res, url) => {
      if (url.pathname !== '/ok') throw new Error('no such API path');
      sendJson(res, 200, { path: url.pathname, q: url.searchParams.get('q') });
    },
    control: {
      'POST /_fake/things': (body) => {
        stored.push(JSON.parse(body));
        return [201, { stored: stored.length }];
      },
    },
    sendJson: jsonSender({ 'x-vendor': 'test' }),
    serverError: (res) => sendJson(res, 500, { error: 'vendor server error' }),
    port: 0,
  });
  stops.push(stop);
  const call = async (path: string, init?: RequestInit) => {
    const response = await fetch(`${url}${path}`, init);
    return { status: response.status, vendor: response.headers.get('x-vendor'), body: await response.json() };
  };
  return { call, stored };
}

describe('startFakeServer', () => {
  it('serves the vendor API outside /_fake/ and its control routes inside', async () => {
    // Prepare
    const { call, stored } = await start();

    // Act
    const api = await call('/ok?q=1');
    const control = await call('/_fake/things', { method: 'POST', body: '{"id":"a"}' });

    // Assess
    expect(api).toEqual({ status: 200, vendor: null, body: { path: '/ok', q: '1' } });
    expect(control).toEqual({ status: 201, vendor: 'test', body: { stored: 1 } });
    expect(stored).toEqual([{ id: 'a' }]);
  });

  it.each([
    ['an unknown control route', '/_fake/nothing', { method: 'GET' }, 404, { error: 'not found' }],
    [
      'a control route given the wrong method',
      '/_fake/things',
      { method: 'GET' },
      404,
      { error: 'not found' },
    ],
    [
      'a control body that is not JSON',
      '/_fake/things',
      { method: 'POST', body: '{' },
      400,
      { error: expect.stringContaining('JSON') },
    ],
  ])('answers %s in the vendor style', async (_name, path, init, status, body) => {
    // Prepare
    const { call } = await start();

    // Act
    const answer = await call(path, init);

    // Assess
    expect(answer).toEqual({ status, vendor: 'test', body });
  });

  it("answers an API path that throws with the vendor's server error", async () => {
    // Prepare
    const { call } = await start();

    // Act
    const answer = await call('/broken');

    // Assess
    expect(answer).toEqual({ status: 500, vendor: null, body: { error: 'vendor server error' } });
  });
});

describe('jsonSender', () => {
  it("writes JSON with the vendor's headers, and per-answer headers on top", async () => {
    // Prepare
    const send = jsonSender({ 'Content-Type': 'application/json; charset=UTF-8', 'x-vendor': 'v' });
    const { url, stop } = await startFakeServer({
      base: 'http://test.fake',
      api: (_req, res) => send(res, 429, { slow: 'down' }, { 'retry-after': '1', 'x-vendor': 'w' }),
      control: {},
      sendJson: send,
      serverError: (res) => send(res, 500, {}),
      port: 0,
    });
    stops.push(stop);

    // Act
    const response = await fetch(`${url}/api`);

    // Assess
    expect(response.status).toBe(429);
    expect(response.headers.get('content-type')).toBe('application/json; charset=UTF-8');
    expect(response.headers.get('retry-after')).toBe('1');
    expect(response.headers.get('x-vendor')).toBe('w');
    expect(await response.json()).toEqual({ slow: 'down' });
  });
});
