import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.js';

describe('configuration from the environment', () => {
  it('accepts PUBLIC_URL’s origin, and the origins ALLOWED_ORIGINS lists, normalised', () => {
    const config = loadConfig({ PUBLIC_URL: 'https://Inbox.Example.test/', ALLOWED_ORIGINS: ' http://localhost:5173/ , https://admin.example.test:443' }, []);
    expect(config.allowedOrigins).toEqual(['https://inbox.example.test', 'http://localhost:5173', 'https://admin.example.test']);
  });

  it('accepts only PUBLIC_URL’s origin by default, which defaults to localhost on PORT', () => {
    expect(loadConfig({ PORT: '4000' }, []).allowedOrigins).toEqual(['http://localhost:4000']);
  });

  it('refuses to start with an ALLOWED_ORIGINS entry that is not an origin', () => {
    expect(() => loadConfig({ ALLOWED_ORIGINS: 'inbox.example.test' }, [])).toThrow(/ALLOWED_ORIGINS: inbox.example.test is not an origin/);
  });

  it('refuses a first owner’s password shorter than any other may be', () => {
    expect(() => loadConfig({ OWNER_EMAIL: 'boss@example.test', OWNER_PASSWORD: '12345678' }, [])).toThrow(/OWNER_PASSWORD: at least 12 characters/);
    expect(loadConfig({ OWNER_EMAIL: 'boss@example.test', OWNER_PASSWORD: 'twelve chars' }, []).bootstrap.ownerPassword).toBe('twelve chars');
  });

  it('trusts no proxy unless TRUSTED_PROXIES lists them', () => {
    expect(loadConfig({}, []).trustedProxies).toEqual([]);
    expect(loadConfig({ TRUSTED_PROXIES: '10.0.0.1, 192.168.0.0/16' }, []).trustedProxies).toEqual(['10.0.0.1', '192.168.0.0/16']);
  });
});
