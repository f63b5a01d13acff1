#!/bin/sh
# Renders config.template.json from the environment (and the vless_uuid secret), then runs Xray.
# No credential is ever written to the repository or the image.
set -eu
if [ -r /run/secrets/vless_uuid ]; then VLESS_UUID=$(tr -d ' \n' < /run/secrets/vless_uuid); fi
: "${VLESS_UUID:?set the vless_uuid secret (deploy/secrets/vless_uuid)}"
: "${VLESS_SERVER:?}" "${VLESS_PORT:?}" "${VLESS_FAKE_DOMAIN:?}" "${VLESS_PUBLIC_KEY:?}"
VLESS_SHORT_ID=${VLESS_SHORT_ID:-}
umask 077
sed -e "s|\${VLESS_SERVER}|$VLESS_SERVER|g" -e "s|\${VLESS_PORT}|$VLESS_PORT|g" \
    -e "s|\${VLESS_UUID}|$VLESS_UUID|g" -e "s|\${VLESS_FAKE_DOMAIN}|$VLESS_FAKE_DOMAIN|g" \
    -e "s|\${VLESS_PUBLIC_KEY}|$VLESS_PUBLIC_KEY|g" -e "s|\${VLESS_SHORT_ID}|$VLESS_SHORT_ID|g" \
    /etc/xray/config.template.json > /tmp/xray-config.json
exec xray run -c /tmp/xray-config.json
