# Placeholder: the add-on image (pinned Home Assistant base, multi-stage build, HEALTHCHECK on /health)
# is written with the add-on packaging. Until then, run the tracker with `npm ci && npm start`.
