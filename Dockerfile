# The whole fleet in one container, under pm2-runtime (PM2 as PID 1: on SIGTERM from `docker stop`
# it sends every instance PM2's shutdown message, a whole-host stop: /readyz turns 503 for
# DRAIN_DELAY_MS while serving, callees keep serving until their callers are done, then each drains
# and flushes, and PM2 exits).
# Build: docker build -t flagfleet .   Run: docker run --rm -p 3000:3000 flagfleet
# Give `docker stop` more than the instances' worst-case shutdown: the largest kill_timeout, 32 s plus
# DRAIN_DELAY_MS (catalog's and pricing's, which may wait out the gateway's whole shutdown first):
# docker stop -t 35 (stop_grace_period: 35s in Compose); a normal stop takes about DRAIN_DELAY_MS + 1 s.
# Node.js 24 LTS, the line the project pins for development and CI (package.json, optionalDependencies);
# pin a patch release with --build-arg NODE_VERSION=24.21.0. The image brings its own Node.js, so
# `--omit=optional` leaves out the one the project installs from the npm registry.
ARG NODE_VERSION=24

FROM node:${NODE_VERSION}-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=optional --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY shared shared
COPY domain domain
COPY services services
RUN npm run build

FROM node:${NODE_VERSION}-bookworm-slim
ENV NODE_ENV=production \
    LOG_FORMAT=json \
    PM2_HOME=/home/node/.pm2
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --omit=optional --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist dist
COPY data data
COPY ecosystem.config.js docker-healthcheck.js ./
USER node
EXPOSE 3000 3001 3002
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 CMD ["node", "docker-healthcheck.js"]
CMD ["node_modules/.bin/pm2-runtime", "start", "ecosystem.config.js", "--env", "production"]
