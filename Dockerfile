FROM node:22-bookworm-slim
WORKDIR /app
# better-sqlite3 builds from source when no prebuilt binary matches.
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --omit=dev && npm cache clean --force
COPY tsconfig.json ./
COPY bin ./bin
COPY server/src ./server/src
COPY db ./db
ENV IAMLOCAL_HOST=0.0.0.0 IAMLOCAL_PORT=4577 IAMLOCAL_DB=/data/iamlocal.sqlite
VOLUME /data
EXPOSE 4577
HEALTHCHECK --interval=5s --timeout=3s --retries=10 CMD node -e "fetch('http://127.0.0.1:4577/_iamlocal/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
CMD ["node", "bin/iamlocal.mjs", "serve"]
