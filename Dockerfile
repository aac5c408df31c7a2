# syntax=docker/dockerfile:1
# The Media Tracker add-on image. The Supervisor builds it from this directory with BuildKit.
# The base is pinned here, in FROM: build.yaml and the BUILD_FROM argument are deprecated since
# Supervisor 2026.04, and a literal pin cannot be overridden with a floating `latest`.
# ghcr.io/home-assistant/base is a multi-arch image (amd64, aarch64) since 2026.03.1.
ARG BASE_IMAGE=ghcr.io/home-assistant/base:3.22-2026.06.1

# --- build: compile the tracker and the panel, then drop the dev dependencies ---------------
FROM ${BASE_IMAGE} AS build
RUN apk add --no-cache nodejs npm
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY frontend ./frontend
# The benchmark (bench/, built apart into dist-bench/) never reaches this stage.
RUN npm run build \
    && npm prune --omit=dev --no-audit --no-fund

# --- release: Node, the built app and its production dependencies only ---------------------
FROM ${BASE_IMAGE}
RUN apk add --no-cache nodejs
WORKDIR /app
COPY --from=build /src/package.json ./package.json
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/dist ./dist
COPY --from=build /src/frontend/dist ./frontend/dist

ARG BUILD_ARCH
ARG BUILD_VERSION
LABEL \
    io.hass.name="Media Tracker" \
    io.hass.type="addon" \
    io.hass.arch="${BUILD_ARCH}" \
    io.hass.version="${BUILD_VERSION}" \
    org.opencontainers.image.title="Media Tracker" \
    org.opencontainers.image.licenses="MIT"

ENV NODE_ENV=production

# The webhook listener's /health (port 8787 inside the container, whatever the host port is).
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD curl -fsS http://127.0.0.1:8787/health > /dev/null || exit 1

# config.yaml keeps `init` at its default (true): Docker's init is PID 1 and passes SIGTERM to
# Node, which stops cleanly (store flushed, `offline` published) and exits 0. The base image's
# s6-overlay entry point (/init) is replaced, as s6 must be PID 1 itself.
ENTRYPOINT ["node", "/app/dist/main.js"]
