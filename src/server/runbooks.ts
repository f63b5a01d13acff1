/**
 * GET /runbooks: docs/runbooks.md as a page, one anchor per alert (`#egressproxydown`), so the
 * runbook_url of every shipped alert works from a notification without any other site. The
 * Markdown ships beside dist/ (like proto/) and is rendered once, on first request.
 */
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { Marked } from 'marked'
import { gfmHeadingId } from 'marked-gfm-heading-id'

const FILE = fileURLToPath(new URL('../../docs/runbooks.md', import.meta.url))
let page: string | undefined

export function runbooksPage (): string {
  if (page !== undefined) return page
  let body: string
  try {
    body = new Marked(gfmHeadingId()).parse(readFileSync(FILE, 'utf8'), { async: false })
  } catch {
    body = '<p>docs/runbooks.md is not installed beside this egress-prober.</p>'
  }
  page = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>egress-prober runbooks</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{font:15px/1.5 system-ui,sans-serif;max-width:52rem;margin:2rem auto;padding:0 1rem;color:#222}
h2{border-top:1px solid #ddd;padding-top:1rem}h2:target{background:#fff3c4}pre{background:#f5f5f5;padding:.6rem;overflow-x:auto}
code{font-size:90%}</style></head><body>${body}</body></html>`
  return page
}
