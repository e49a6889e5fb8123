/** The index page: its links keep the query string (room, name, signaling server). */
import './style.css'

for (const id of ['prosemirror', 'monaco']) {
  const link = document.getElementById(id)
  if (link instanceof HTMLAnchorElement) link.search = location.search
}
