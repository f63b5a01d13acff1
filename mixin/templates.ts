/** Annotation text shared by several alerts (Prometheus template language). */

/** Where the path breaks (src/probes/chain.ts), from egress_path_broken_hop: the runbooks have a section per hop. */
export const BROKEN_HOP = ' Broken hop: {{ with query (printf "egress_path_broken_hop{via=%q,instance=%q}" $labels.via $labels.instance) }}{{ . | first | label "hop" }}{{ else }}unknown{{ end }}.'
