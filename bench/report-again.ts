/** npm run bench:report — rewrites latest.md and latest.svg from latest.json (and analysis.md). */
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { markdown, svg, type BenchResult } from './report.js'

const dir = fileURLToPath(new URL('./results/', import.meta.url))
const analysisFile = fileURLToPath(new URL('./analysis.md', import.meta.url))
const result = JSON.parse(readFileSync(`${dir}latest.json`, 'utf8')) as BenchResult
writeFileSync(`${dir}latest.md`, markdown(result, existsSync(analysisFile) ? readFileSync(analysisFile, 'utf8') : ''))
if (result.accuracy.length > 0) writeFileSync(`${dir}latest.svg`, svg(result))
