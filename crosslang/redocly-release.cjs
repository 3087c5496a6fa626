// Redocly plugin with one decorator, `release/info`, used by `make specs`
// (redocly bundle): stamps the bundle version and changelog from
// crosslang/release.json into the info object of every bundled spec.
//
//   info.version         <- release.json "version" (the bundle's version)
//   info.x-api-version   <- the spec's own info.version (the upstream API version)
//   info.x-changelog     <- release.json "changelog" (newest first)
//   info.description     <- gets a last line naming the bundle version and its newest note
//
// Decorators run only when bundling, so `redocly lint` sees the specs as written.
'use strict';

const fs = require('node:fs');
const path = require('node:path');

function loadRelease() {
  const file = path.join(__dirname, 'release.json');
  const release = JSON.parse(fs.readFileSync(file, 'utf8'));
  if (typeof release.version !== 'string' || !/^\d+\.\d+\.\d+/.test(release.version)) {
    throw new Error(`${file}: "version" must be a semantic version string`);
  }
  if (!Array.isArray(release.changelog) || release.changelog.length === 0) {
    throw new Error(`${file}: "changelog" must list at least one entry`);
  }
  if (release.changelog[0].version !== release.version) {
    throw new Error(`${file}: the newest changelog entry must be for version ${release.version}`);
  }
  return release;
}

function releaseInfo() {
  const release = loadRelease();
  return {
    Info: {
      leave(info) {
        if (info.version !== undefined && info['x-api-version'] === undefined) {
          info['x-api-version'] = String(info.version);
        }
        info.version = release.version;
        info['x-changelog'] = release.changelog.map(({ version, date, note }) => ({ version, date, note }));
        const newest = release.changelog[0];
        const line = `Bundle ${release.version} (${newest.date}): ${newest.note}`;
        const description = (info.description || '').replace(/\s+$/, '');
        info.description = description ? `${description}\n\n${line}\n` : `${line}\n`;
      },
    },
  };
}

module.exports = function releasePlugin() {
  return {
    id: 'release',
    decorators: {
      oas3: { info: releaseInfo },
    },
  };
};
