# Build stage: compile better-sqlite3 (when no prebuilt binary matches) with the toolchain, then drop it.
FROM node:22-bookworm-slim AS deps
WORKDIR /app
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
# Build against the headers that ship with the base image's Node (no download from nodejs.org needed).
ENV npm_config_nodedir=/usr/local
RUN npm ci --omit=dev && npm cache clean --force

FROM node:22-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production IAMLOCAL_HOST=0.0.0.0 IAMLOCAL_PORT=4577 IAMLOCAL_DB=/data/iamlocal.sqlite
COPY --from=deps /app/node_modules ./node_modules
COPY package.json tsconfig.json ./
COPY bin ./bin
COPY server/src ./server/src
COPY db ./db
# Bundle the sources now (bin/iamlocal.mjs keeps the bundle in node_modules/.cache): the container starts from it.
RUN node bin/iamlocal.mjs --help >/dev/null && ls node_modules/.cache/iamlocal/cli-*.mjs
# The official image has a "node" user (uid 1000); create it where a base image lacks it.
RUN (id node >/dev/null 2>&1 || useradd --uid 1000 --create-home --shell /usr/sbin/nologin node) && mkdir -p /data && chown node:node /data
USER node
VOLUME /data
EXPOSE 4577
# A bash /dev/tcp probe costs no Node start-up, so it can run often enough that "healthy" follows readiness closely.
HEALTHCHECK --interval=500ms --timeout=2s --start-period=1s --retries=20 \
  CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/4577 && printf 'GET /_iamlocal/health HTTP/1.0\\r\\n\\r\\n' >&3 && head -c 12 <&3 | grep -q ' 200'"]
STOPSIGNAL SIGTERM
CMD ["node", "bin/iamlocal.mjs", "serve"]
