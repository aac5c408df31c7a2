import { describe, expect, it } from 'vitest';
import { PvrKinds, serverKey, urlKey } from '../../../src/integrations/pvr-kinds.js';

const inst = (name: string, url: string, is_4k?: boolean) => ({ name, url, api_key: 'k', ...(is_4k === undefined ? {} : { is_4k }) });
/** A server as Jellyseerr stores it (`DVRSettings`). */
const server = (hostname: string, port: number, is4k: boolean, baseUrl?: string) => ({
  id: 0,
  name: hostname,
  hostname,
  port,
  apiKey: 'x',
  useSsl: false,
  is4k,
  isDefault: true,
  ...(baseUrl === undefined ? {} : { baseUrl }),
});

describe('4K instances: matching Jellyseerr servers by URL', () => {
  it('host, port (default from the scheme) and base path, case and trailing slashes aside', () => {
    expect(urlKey('http://Radarr4K:7878')).toBe('radarr4k:7878');
    expect(urlKey('https://media.example/radarr/')).toBe('media.example:443/radarr');
    expect(urlKey('http://192.168.1.5')).toBe('192.168.1.5:80');
    expect(urlKey('not a url')).toBeNull();
    expect(serverKey(server('radarr4k', 7878, true))).toBe('radarr4k:7878');
    expect(serverKey(server('media.example', 443, true, '/radarr'))).toBe('media.example:443/radarr');
    expect(serverKey(server('192.168.1.5', 80, false, 'radarr/'))).toBe('192.168.1.5:80/radarr');
  });

  it('learns each instance from the server with the same URL; an unmatched instance stays unknown', () => {
    const kinds = new PvrKinds({ radarr: [inst('radarr', 'http://radarr:7878'), inst('radarr4k', 'http://radarr4k:7878/')], sonarr: [inst('sonarr', 'http://10.0.0.2:8989')] });
    expect(kinds.wantsDetection).toBe(true);
    expect(kinds.of('radarr', 'radarr4k')).toBeUndefined();
    expect(kinds.learn('radarr', [server('radarr', 7878, false), server('radarr4k', 7878, true)])).toEqual(['radarr', 'radarr4k']);
    expect(kinds.of('radarr', 'radarr4k')).toBe(true);
    expect(kinds.of('radarr', 'radarr')).toBe(false);
    // The same answer again changes nothing.
    expect(kinds.learn('radarr', [server('radarr', 7878, false), server('radarr4k', 7878, true)])).toEqual([]);
    // Jellyseerr knows Sonarr by another name: no guess.
    kinds.learn('sonarr', [server('sonarr', 8989, false)]);
    expect(kinds.of('sonarr', 'sonarr')).toBeUndefined();
    // A name no instance has: unknown with two instances.
    expect(kinds.of('radarr', 'other')).toBeUndefined();
    expect(kinds.summary()).toEqual({ 'radarr/radarr': 'standard', 'radarr/radarr4k': '4k' });
  });

  it('the is_4k option wins; beside a 4K instance an unstated one is standard; a sole instance takes every name', () => {
    const kinds = new PvrKinds({ radarr: [inst('radarr', 'http://radarr:7878'), inst('uhd', 'http://radarr:7879', true)], sonarr: [inst('sonarr', 'http://sonarr:8989', false)] });
    expect(kinds.wantsDetection).toBe(true);
    kinds.learn('radarr', [server('radarr', 7879, false)]);
    expect(kinds.of('radarr', 'uhd')).toBe(true);
    expect(kinds.of('radarr', 'radarr')).toBe(false);
    expect(kinds.of('sonarr', 'whatever-the-payload-said')).toBe(false);
    expect(new PvrKinds({ radarr: [inst('a', 'http://a', true)], sonarr: [] }).wantsDetection).toBe(false);
  });
});
