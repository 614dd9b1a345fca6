/**
 * The portal's script and style, served from /assets/ as files: the Content-Security-Policy allows
 * scripts and styles only from the portal itself, never inline. Read once at start-up.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

const TYPES: Record<string, string> = {
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.svg': 'image/svg+xml',
};

export interface Asset {
  body: Buffer;
  type: string;
}

export function loadAssets(dir = path.join(__dirname, 'assets')): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  for (const name of ['portal.css', 'live.js', 'customer.js', 'favicon.svg']) {
    assets.set(`/assets/${name}`, { body: readFileSync(path.join(dir, name)), type: TYPES[path.extname(name)]! });
  }
  return assets;
}
