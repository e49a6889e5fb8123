/**
 * The N = 8 WebRTC mesh (mesh-scenario.ts) in a room with a secret: every session
 * authenticates and every frame is sealed, over real WebRTC; the same convergence, server
 * death and repair must hold, with no authentication failure between the members.
 *
 * Runs only inside a private network namespace: `bash scripts/with-netns.sh pnpm vitest run test/webrtc`.
 */
import { generateRoomSecret } from '@gossamer/core'
import { meshScenario } from './mesh-scenario.js'

meshScenario({ secret: generateRoomSecret() })
