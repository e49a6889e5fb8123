/**
 * Drives a `peer.ts` child process from a test: spawns it, reads its event lines, sends
 * commands, and waits on its state with deadlines (every wait is checked on each new line,
 * never by sleeping).
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const SCRIPT = fileURLToPath(new URL('peer.ts', import.meta.url))

/** How the child ended. */
export interface Exit {
  code: number | null
  signal: NodeJS.Signals | null
}

/** One peer process and what it said so far. */
export class PeerProcess {
  readonly child: ChildProcess
  /** Every stdout line. */
  readonly lines: string[] = []
  readonly stderr: string[] = []
  /** What `LOADED` showed: the document as read from disk. */
  loaded: string[] | undefined
  /** The document as of the last `LOADED` or `DOC` line. */
  doc: string[] = []
  peerId: string | undefined
  /** Texts whose `FLUSHED` line arrived. */
  readonly flushed: string[] = []
  /** `ERROR` lines. */
  readonly errors: string[] = []
  /** A last line a kill cut short (a DOC line that does not parse). */
  readonly truncated: string[] = []
  readonly exited: Promise<Exit>
  #exit: Exit | undefined
  readonly #listeners = new Set<(line: string) => void>()

  constructor(options: { dir: string; room: string; signalingUrl: string; secret?: string; encrypt?: boolean }) {
    // `--secret=S`, not `--secret S`: a base64url secret starts with '-' one time in 64, and parseArgs then takes it for an option.
    const trust = options.secret === undefined ? [] : [`--secret=${options.secret}`, ...(options.encrypt === true ? ['--encrypt'] : [])]
    this.child = spawn(
      process.execPath,
      ['--conditions=source', '--import', 'tsx', SCRIPT, '--dir', options.dir, '--room', options.room, '--signal', options.signalingUrl, ...trust],
      { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] },
    )
    this.child.stderr?.setEncoding('utf8').on('data', (chunk: string) => this.stderr.push(chunk))
    this.exited = new Promise<Exit>((resolve) => {
      this.child.once('exit', (code, signal) => {
        this.#exit = { code, signal }
        resolve(this.#exit)
        for (const listener of this.#listeners) listener('')
      })
    })
    createInterface({ input: this.child.stdout! }).on('line', (line) => this.#onLine(line))
  }

  /** True once the process ended. */
  get dead(): boolean {
    return this.#exit !== undefined
  }

  /** Sends one command line (`EDIT text`, `BURST prefix n`, `EXIT`). */
  send(command: string): void {
    this.child.stdin?.write(`${command}\n`)
  }

  /** Calls `listener` with every later stdout line, synchronously as it arrives; returns the unsubscribe function. */
  onLine(listener: (line: string) => void): () => void {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }

  /** Resolves once `predicate()` holds (checked now and after every line); rejects at the deadline or when the process dies first. */
  waitFor(predicate: () => boolean, what: string, ms = 15_000): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const finish = (error?: Error): void => {
        clearTimeout(timer)
        off()
        if (error === undefined) resolve()
        else reject(error)
      }
      const check = (): void => {
        if (predicate()) finish()
        else if (this.dead) finish(new Error(`peer exited (${JSON.stringify(this.#exit)}) before ${what}\n${this.describe()}`))
      }
      const timer = setTimeout(() => finish(new Error(`gave up waiting for ${what} after ${ms} ms\n${this.describe()}`)), ms)
      const off = this.onLine(check)
      check()
    })
  }

  /** SIGKILLs the process (if alive) and resolves with how it ended. */
  async kill(): Promise<Exit> {
    if (!this.dead) this.child.kill('SIGKILL')
    return this.exited
  }

  /** The last lines and stderr, for failure messages. */
  describe(): string {
    return `--- last stdout lines:\n${this.lines.slice(-15).join('\n')}\n--- stderr:\n${this.stderr.join('').slice(-2000)}`
  }

  #onLine(line: string): void {
    this.lines.push(line)
    const space = line.indexOf(' ')
    const tag = space < 0 ? line : line.slice(0, space)
    const rest = space < 0 ? '' : line.slice(space + 1)
    if (tag === 'LOADED') {
      this.loaded = JSON.parse(rest) as string[]
      this.doc = this.loaded
    } else if (tag === 'DOC') {
      // SIGKILL can cut the last line short: a DOC line that does not parse is that line, dropped.
      try {
        this.doc = JSON.parse(rest) as string[]
      } catch {
        this.truncated.push(line)
      }
    } else if (tag === 'PEER') this.peerId = rest
    else if (tag === 'FLUSHED') this.flushed.push(rest)
    else if (tag === 'ERROR') this.errors.push(rest)
    for (const listener of this.#listeners) listener(line)
  }
}
