# The whole fleet in one container, under pm2-runtime (PM2 as PID 1: it forwards SIGTERM from
# `docker stop` to every instance as SIGINT, waits for each to drain and flush, then exits).
# Build: docker build -t flagfleet .   Run: docker run --rm -p 3000:3000 flagfleet
# Give `docker stop` more than the instances' worst-case shutdown: docker stop -t 20 (or
# stop_grace_period: 20s in Compose) — kill_timeout is 16 s; a normal stop takes about a second.

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
