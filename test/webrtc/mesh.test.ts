/**
 * The N = 8 WebRTC mesh (mesh-scenario.ts) in a room without a secret.
 *
 * Runs only inside a private network namespace: `bash scripts/with-netns.sh pnpm vitest run test/webrtc`.
 */
import { meshScenario } from './mesh-scenario.js'

meshScenario()
