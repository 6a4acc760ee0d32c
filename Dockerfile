# Build stage: install with the dev tools (esbuild, TypeScript) and the toolchain that compiles better-sqlite3 when no
# prebuilt binary matches, build dist/, then drop the dev dependencies.
FROM node:22-bookworm-slim AS build
WORKDIR /app
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
# Build against the headers that ship with the base image's Node (no download from nodejs.org needed).
ENV npm_config_nodedir=/usr/local
# Scripts wait for the sources (prepare builds dist/ from them); only better-sqlite3's native addon is built now.
RUN npm ci --ignore-scripts --no-audit --no-fund && npm rebuild better-sqlite3 && npm cache clean --force
COPY tsconfig.json ./
COPY scripts/build.mjs scripts/fixture-types.mjs ./scripts/
COPY db ./db
COPY server/src ./server/src
RUN node scripts/build.mjs && npm prune --omit=dev --ignore-scripts --no-audit --no-fund

# What runs: the compiled CLI, its runtime dependencies and db/ (migrations, AWS managed policies, fixtures).
FROM node:22-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production IAMLOCAL_HOST=0.0.0.0 IAMLOCAL_PORT=4577 IAMLOCAL_DB=/data/iamlocal.sqlite
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY bin ./bin
COPY db ./db
COPY server/src/store/decision-writer.cjs ./server/src/store/
# The official image has a "node" user (uid 1000); create it where a base image lacks it.
RUN (id node >/dev/null 2>&1 || useradd --uid 1000 --create-home --shell /usr/sbin/nologin node) && mkdir -p /data && chown node:node /data
USER node
VOLUME /data
EXPOSE 4577
# A bash /dev/tcp probe costs no Node start-up, so it can run often enough that "healthy" follows readiness closely.
HEALTHCHECK --interval=500ms --timeout=2s --start-period=1s --retries=20 \
  CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/4577 && printf 'GET /_iamlocal/health HTTP/1.0\\r\\n\\r\\n' >&3 && head -c 12 <&3 | grep -q ' 200'"]
STOPSIGNAL SIGTERM
# node runs the CLI as PID 1's only process: docker stop's SIGTERM reaches the server, which closes the database.
CMD ["node", "bin/iamlocal.cjs", "serve"]
