import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CATEGORIES } from '@cityops/domain';
import { startTestServer, type TestServer } from '../support/test-server.ts';
import { User } from '../support/api-client.ts';
import { countRows, pointIn, storyGrid, uniqueText } from '../support/fixtures.ts';

let server: TestServer;
let field: User;
let dispatcher: User;
let huayuanlu: User;

beforeAll(async () => {
  server = await startTestServer();
  [field, dispatcher, huayuanlu] = await Promise.all([
    User.login(server.url, 'field'),
    User.login(server.url, 'dispatcher'),
    User.login(server.url, 'huayuanlu'),
  ]);
});
afterAll(async () => {
  await server?.close();
});

const form = (fields: Record<string, string>): [string, Record<string, string>] => [
  new URLSearchParams(fields).toString(),
  { 'content-type': 'application/x-www-form-urlencoded' },
];

describe('Open311 GeoReport v2', () => {
  it('lists every category as a service', async () => {
    const r = await field.get('/open311/v2/services.json');
    expect(r.status).toBe(200);
    expect(r.body.map((s: { service_code: string }) => s.service_code).sort()).toEqual(
      CATEGORIES.map((c) => c.code).sort(),
    );
    expect(r.body[0]).toMatchObject({ metadata: false, type: 'realtime' });
  });

  it('a form-encoded POST becomes an incident through the normal intake, readable as a request', async () => {
    const { lng, lat } = pointIn(storyGrid(server));
    const description = uniqueText('Open311 上报');
    const [body, headers] = form({
      service_code: 'municipal.sewer_blocked',
      lat: String(lat),
      long: String(lng),
      description,
      address_string: '世和街与和谐路交叉口',
    });
    const created = await field.call('POST', '/open311/v2/requests.json', body, headers);
    expect(created.status).toBe(201);
    const id = created.body[0].service_request_id as string;

    const read = await dispatcher.get(`/open311/v2/requests/${id}.json`);
    expect(read.status).toBe(200);
    expect(read.body[0]).toMatchObject({
      service_request_id: id,
      status: 'open',
      service_code: 'municipal.sewer_blocked',
      description,
      lat,
      long: lng,
    });
    const api = await dispatcher.get(`/api/incidents/${id}`);
    expect(api.body).toMatchObject({
      source: 'open311',
      gridCode: storyGrid(server).code,
      state: 'reported',
    });

    const open = await dispatcher.get(
      '/open311/v2/requests.json?status=open&service_code=municipal.sewer_blocked',
    );
    expect(open.body.map((x: { service_request_id: string }) => x.service_request_id)).toContain(
      id,
    );
    const closed = await dispatcher.get('/open311/v2/requests.json?status=closed');
    expect(
      closed.body.map((x: { service_request_id: string }) => x.service_request_id),
    ).not.toContain(id);
  });

  it('bad input is a 4xx in the spec’s error shape, naming the field, and writes nothing', async () => {
    const before = await countRows(server.database.db);
    const [body, headers] = form({
      service_code: 'municipal.sewer_blocked',
      lat: 'north',
      long: '113.6',
      description: 'x',
    });
    const r = await field.call('POST', '/open311/v2/requests.json', body, headers);
    expect(r.status).toBe(422);
    expect(r.body[0].code).toBe(422);
    expect(r.body[0].description).toMatch(/lat/);
    const unknown = await field.call(
      'POST',
      '/open311/v2/requests.json',
      ...form({ service_code: 'nope', lat: '34.75', long: '113.6', description: 'x' }),
    );
    expect(unknown.status).toBe(422);
    expect(await countRows(server.database.db)).toEqual(before);
  });

  it('needs a login, and a street account sees only its street', async () => {
    const anon = await fetch(`${server.url}/open311/v2/requests.json`);
    expect(anon.status).toBe(401);
    const { lng, lat } = pointIn(storyGrid(server));
    const created = await field.call(
      'POST',
      '/open311/v2/requests.json',
      ...form({
        service_code: 'sanitation.exposed_garbage',
        lat: String(lat),
        long: String(lng),
        description: uniqueText(),
      }),
    );
    expect(created.status).toBe(201);
    const id = created.body[0].service_request_id as string;
    expect((await huayuanlu.get(`/open311/v2/requests/${id}.json`)).status).toBe(404);
    const list = await huayuanlu.get('/open311/v2/requests.json');
    expect(list.status).toBe(200);
    expect(
      list.body.map((x: { service_request_id: string }) => x.service_request_id),
    ).not.toContain(id);
  });
});
