# chatgate container: docker build -t chatgate . && docker run -p 8080:8080 -p 2323:2323 chatgate
# Settings are CHATGATE_* environment variables (see README "Configuration").

# Build stage: everything, including dev dependencies, to compile the TypeScript.
FROM node:20-bookworm-slim AS build
WORKDIR /src
ENV TURBO_TELEMETRY_DISABLED=1
COPY . .
RUN npm ci --no-fund --no-audit \
 && npm run build \
 && node scripts/stage-runtime.mjs /runtime

# Final stage: compiled output and production dependencies only, run as the unprivileged node user.
FROM node:20-bookworm-slim
ENV NODE_ENV=production \
    CHATGATE_HOST=0.0.0.0
WORKDIR /app
COPY --from=build /runtime ./
RUN npm ci --omit=dev --no-fund --no-audit && npm cache clean --force
USER node
# HTTP/WebSocket/RPC, group_terminal HTTP, line, at, peer
EXPOSE 8080 8723 2323 12345 9000
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
  CMD ["node", "apps/server/dist/healthcheck.js"]
# node itself is PID 1 (no npm, no shell), so SIGTERM reaches chatgate and it drains.
STOPSIGNAL SIGTERM
ENTRYPOINT ["node", "apps/server/dist/main.js"]
