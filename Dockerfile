# paperboy: build with the toolchain better-sqlite3 needs, run as a non-root user with data on a volume.
FROM node:22-bookworm-slim AS build
WORKDIR /app
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY commands ./commands
COPY adapters ./adapters
COPY bin ./bin
# npm ci compiles better-sqlite3 and runs `prepare` (the TypeScript build); then drop dev dependencies.
RUN npm ci && npm prune --omit=dev

FROM node:22-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production \
    PAPERBOY_DATA_DIR=/data \
    PAPERBOY_SEEDS_DIR=/app/seeds \
    PAPERBOY_HEALTH_PORT=8080
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY bin ./bin
COPY seeds ./seeds
COPY adapters/slack/manifest.yaml ./adapters/slack/manifest.yaml
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 3000 3001 8080
# NOTE: no curl in the image; Node's fetch asks /healthz (503 while an adapter is disconnected).
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+process.env.PAPERBOY_HEALTH_PORT+'/healthz').then((r)=>process.exit(r.ok?0:1),()=>process.exit(1))"]
CMD ["node", "bin/paperboy.js", "serve"]
