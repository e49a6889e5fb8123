/**
 * storage-check.html: runs the IndexedDB adapter checks once on load, lists the results and
 * exposes them on `window.storageCheck` (for the browser tests).
 */
import { runStorageChecks } from './storage-check.js'

const list = document.getElementById('results')
const results = runStorageChecks((result) => {
  const item = document.createElement('li')
  item.textContent = `${result.ok ? '✓' : '✗'} ${result.name} (${result.ms.toFixed(0)} ms)${result.detail === undefined ? '' : `: ${result.detail}`}`
  item.style.color = result.ok ? '#2f9e66' : '#d9434b'
  list?.append(item)
})
window.storageCheck = { results }
