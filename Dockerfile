# The whole fleet in one container, under pm2-runtime (PM2 as PID 1: it forwards SIGTERM from
# `docker stop` to every instance as SIGINT, waits for each to drain and flush, then exits).
# Build: docker build -t flagfleet .   Run: docker run --rm -p 3000:3000 flagfleet
# Give `docker stop` more than the instances' worst-case shutdown: docker stop -t 20 (or
# stop_grace_period: 20s in Compose) — kill_timeout is 16 s; a normal stop takes about a second.
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
