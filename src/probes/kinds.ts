/** The probe kinds, one file each; adding a kind is its file, one line here and its docs. */
import { download } from './download.js'
import { egressIp } from './egress-ip.js'
import { http } from './http.js'
import type { ProbeKind } from './kind.js'
import { tcp } from './tcp.js'

export const KINDS = {
  http,
  egress_ip: egressIp,
  tcp,
  download,
} satisfies Record<string, ProbeKind>

export type ProbeKindName = keyof typeof KINDS
