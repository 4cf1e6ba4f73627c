# The whole fleet in one container, under pm2-runtime (PM2 as PID 1: on SIGTERM from `docker stop`
# it sends every instance PM2's shutdown message, a whole-host stop: /readyz turns 503 for
# DRAIN_DELAY_MS while serving, callees keep serving until their callers are done, then each drains
# and flushes, and PM2 exits).
# Build: docker build -t flagfleet .   Run: docker run --rm -p 3000:3000 flagfleet
# Give `docker stop` more than the instances' worst-case shutdown: the largest kill_timeout, 32 s plus
# DRAIN_DELAY_MS (catalog's and pricing's, which may wait out the gateway's whole shutdown first):
# docker stop -t 35 (stop_grace_period: 35s in Compose); a normal stop takes about DRAIN_DELAY_MS + 1 s.

FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY shared shared
COPY domain domain
COPY services services
RUN npm run build

FROM node:20-bookworm-slim
ENV NODE_ENV=production \
    LOG_FORMAT=json \
    PM2_HOME=/home/node/.pm2
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist dist
COPY data data
COPY ecosystem.config.js docker-healthcheck.js ./
USER node
EXPOSE 3000 3001 3002
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 CMD ["node", "docker-healthcheck.js"]
CMD ["node_modules/.bin/pm2-runtime", "start", "ecosystem.config.js", "--env", "production"]
