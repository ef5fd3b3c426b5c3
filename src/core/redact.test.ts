import { describe, expect, it } from 'vitest';
import { isCredentialName, redactCredentials, redactUrls } from './redact.ts';

describe('redactCredentials', () => {
  it('shows credential headers of hooks and providers as *** and keeps the others', () => {
    const config = {
      hooks: { afterPromote: [{ http: { url: 'https://ci.example/notify', method: 'POST', headers: { Authorization: 'Bearer prod-secret', 'X-Api-Key': 'k', 'X-Auth-Token': 't', 'content-type': 'application/json' } } }] },
      analysis: { metrics: [{ provider: { http: { url: 'https://m.example/q?token=abc&window=5m', headers: { cookie: 'session=1' } } } }] },
      instances: { min: 2 },
    };
    expect(redactCredentials(config)).toEqual({
      hooks: { afterPromote: [{ http: { url: 'https://ci.example/notify', method: 'POST', headers: { Authorization: '***', 'X-Api-Key': '***', 'X-Auth-Token': '***', 'content-type': 'application/json' } } }] },
      analysis: { metrics: [{ provider: { http: { url: 'https://m.example/q?token=***&window=5m', headers: { cookie: '***' } } } }] },
      instances: { min: 2 },
    });
    expect(config.hooks.afterPromote[0]!.http.headers.Authorization).toBe('Bearer prod-secret');
  });

  it('hides a URL password and credential query parameters wherever a URL appears in text', () => {
    expect(redactUrls('afterPromote hook `POST https://bot:hunter2@ci.example/x?api_key=1&q=2` failed')).toBe('afterPromote hook `POST https://bot:***@ci.example/x?api_key=***&q=2` failed');
    expect(redactUrls('no url here')).toBe('no url here');
  });

  it('names credentials by the whole word, not any substring', () => {
    expect(['authorization', 'x-auth-token', 'client_secret', 'apiKey', 'private-key', 'Cookie'].map(isCredentialName)).toEqual([true, true, true, true, true, true]);
    expect(['content-type', 'author', 'tokenizer', 'keyboard', 'monkey'].map(isCredentialName)).toEqual([false, false, false, false, false]);
  });
});
