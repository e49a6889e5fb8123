/** The version of this package, sent as `serverVersion` in `welcome` (kept equal to package.json by a test). */
export const SERVER_VERSION = '0.1.0'
