// Keeps every core busy for at most the given seconds (default 1200), so the tests run on a
// loaded machine. Stopped by its pid from .ci/run; it also ends by itself.
import { availableParallelism } from 'node:os'
import { Worker } from 'node:worker_threads'

const seconds = Number(process.argv[2] ?? 1200)
const code = `const end = Date.now() + ${seconds * 1000}; let x = 0; while (Date.now() < end) { x = (x * 31 + 7) % 1000003 }`
for (let i = 0; i < availableParallelism(); i++) new Worker(code, { eval: true })
