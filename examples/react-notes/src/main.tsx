/**
 * Entry point: reads the query string and renders the app in StrictMode (which mounts
 * twice in development; useRoom still makes one room).
 */
import { StrictMode } from 'react'
import { createRoot } from 'react-dom/client'
import { App } from './App.js'
import { readParams } from './params.js'
import './style.css'

const root = document.getElementById('root')
if (root === null) throw new Error('index.html has no #root')
createRoot(root).render(
  <StrictMode>
    <App params={readParams(window.location.search)} />
  </StrictMode>,
)
