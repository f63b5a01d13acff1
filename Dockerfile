# egress-prober: multi-stage build on Node 24 LTS. The build stage compiles with dev
# dependencies; the runtime stage carries production dependencies only and runs as non-root.
# test/docker/recipe.test.ts runs these same steps without an engine.

FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
RUN npm ci --no-audit --no-fund
COPY src ./src
COPY proto ./proto
COPY docs/runbooks.md ./docs/runbooks.md
RUN npm run build && npm prune --omit=dev

FROM node:24-bookworm-slim
ENV NODE_ENV=production \
    LISTEN_ADDRESS=0.0.0.0:9550
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/proto ./proto
COPY --from=build /app/docs/runbooks.md ./docs/runbooks.md
USER node
EXPOSE 9550
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:9550/-/healthy').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
ENTRYPOINT ["node", "dist/cli.js"]
