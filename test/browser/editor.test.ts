/**
 * The collaborative editor in real Chromium (editor-scenario.ts), in a room without a secret.
 *
 * Runs only inside a private network namespace: `bash scripts/with-netns.sh pnpm vitest run test/browser`.
 */
import { editorScenario } from './editor-scenario.js'

editorScenario()
