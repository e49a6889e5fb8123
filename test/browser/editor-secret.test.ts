/**
 * The collaborative editor in real Chromium (editor-scenario.ts), in a room with a secret:
 * pages and a Node peer authenticate and seal every frame over real WebRTC, and a page with
 * another secret never joins.
 *
 * Runs only inside a private network namespace: `bash scripts/with-netns.sh pnpm vitest run test/browser`.
 */
import { generateRoomSecret } from '@gossamer/core'
import { editorScenario } from './editor-scenario.js'

editorScenario({ secret: generateRoomSecret() })
