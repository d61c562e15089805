/** A tiny cookie-keeping JSON client for the public API, as a phone or console would use it. */
export class ApiClient {
  #cookie = '';
  constructor(readonly baseUrl: string) {}

  async login(username: string, password: string): Promise<void> {
    const res = await fetch(`${this.baseUrl}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username, password }),
    });
    if (!res.ok) throw new Error(`login ${username} failed: ${res.status}`);
    this.#cookie = (res.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
  }

  get cookie(): string {
    return this.#cookie;
  }

  async request<T>(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<{ status: number; body: T }> {
    const res = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: {
        cookie: this.#cookie,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      body: body === undefined ? null : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : null) as T };
  }
}
