/**
 * The console's configuration (`console` in the config file) and the page's Content-Security-Policy:
 * its own origin only, plus a configured tile server's images.
 */
import { z } from 'zod';

export const consoleSchema = z
  .object({
    enabled: z.boolean().default(true).describe('Serve the dispatcher console under / (the API stays under /api)'),
    tiles: z
      .object({
        url: z
          .string()
          .regex(/^https?:\/\/[^/]+\//, 'an http(s) URL')
          .refine((url) => ['{z}', '{x}', '{y}'].every((part) => url.includes(part)), 'a tile URL template with {z}, {x} and {y}')
          .describe('XYZ tile URL template of a tile server, e.g. https://t{s}.tiles.example.cn/{z}/{x}/{y}.png ({s}: one of `subdomains`)'),
        subdomains: z.string().default('').describe('Letters to put in {s}, e.g. "1234"'),
        attribution: z.string().max(200).default('').describe('Credit shown on the map, as the tile provider requires'),
        maxZoom: z.number().int().min(1).max(22).default(18).describe('Highest zoom level the tile server has'),
      })
      .optional()
      .describe('A tile layer under the map; absent: the offline plain view of the catalog coordinates'),
  })
  .prefault({})
  .describe('The dispatcher console in the browser');
export type ConsoleConfig = z.infer<typeof consoleSchema>;

/** The page's policy: its own origin only, plus the tile server's images when one is configured. Pure. */
export function contentSecurityPolicy(tiles: ConsoleConfig['tiles']): string {
  const tileOrigin = tiles ? ` ${tileOrigins(tiles.url, tiles.subdomains).join(' ')}` : '';
  return [
    "default-src 'self'",
    "script-src 'self'",
    // uPlot, Leaflet and Preact set styles through the CSSOM, which the policy allows without 'unsafe-inline'.
    "style-src 'self'",
    "connect-src 'self'",
    `img-src 'self' data:${tileOrigin}`,
    "font-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/** The origins of a tile template, one per subdomain letter. Pure. */
export function tileOrigins(url: string, subdomains: string): string[] {
  const origin = new URL(url.replace(/\{[^}]+\}/g, '0')).origin;
  if (!url.includes('{s}')) return [origin];
  return [...new Set([...(subdomains || 'a')].map((letter) => new URL(url.replace('{s}', letter).replace(/\{[^}]+\}/g, '0')).origin))];
}

