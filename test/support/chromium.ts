/**
 * Debian's Chromium for the browser tests. It runs headless, as root (hence no sandbox),
 * with every background service off: this machine's network is closed, and Chromium's own
 * connections (updates, sync, QUIC probes) would only fail. mDNS host candidates are off
 * so WebRTC gathers the namespace's real addresses. `npx playwright install` cannot
 * download a browser here, so playwright-core drives the apt package.
 */
export const CHROMIUM = '/usr/bin/chromium'

/** The launch flags of every test browser. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-features=WebRtcHideLocalIpsWithMdns',
]
