/**
 * Debian's Chromium for the browser tests, with the launch flags of shared/TOOLCHAIN.md
 * (headless, no network beyond the test's own namespace, mDNS host candidates off).
 */
export const CHROMIUM = '/usr/bin/chromium'

/** The launch flags of shared/TOOLCHAIN.md. */
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
